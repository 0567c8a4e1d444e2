import type { Kysely } from "kysely";
import type { MigrationContext } from "./index.ts";

const TABLES = [
  "attachment_chunks",
  "attachments",
  "device_positions",
  "welcomes",
  "log_entries",
  "conversation_devices",
  "conversation_members",
  "conversations",
  "key_packages",
  "device_keys",
];

/** Devices' keys, conversations and their ordered logs, attachments. */
export function messaging({ kind }: MigrationContext) {
  const bytes = kind === "postgres" ? "bytea" : "blob";
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("device_keys")
        .addColumn("device_id", "text", (c) => c.primaryKey().references("devices.id").onDelete("cascade"))
        .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("signature_public_key", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("device_keys_user").on("device_keys").column("user_id").execute();

      await db.schema
        .createTable("key_packages")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("device_id", "text", (c) => c.notNull().references("devices.id").onDelete("cascade"))
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("body", bytes, (c) => c.notNull())
        .addColumn("is_last_resort", "integer", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("key_packages_device")
        .on("key_packages")
        .columns(["device_id", "is_last_resort", "created_at"])
        .execute();

      await db.schema
        .createTable("conversations")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("direct_key", "text", (c) => c.unique())
        .addColumn("created_by", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("epoch", "bigint", (c) => c.notNull())
        .addColumn("last_seq", "bigint", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("conversation_members")
        .addColumn("conversation_id", "text", (c) =>
          c.notNull().references("conversations.id").onDelete("cascade"),
        )
        .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("joined_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("conversation_members_pk", ["conversation_id", "user_id"])
        .execute();
      await db.schema
        .createIndex("conversation_members_user")
        .on("conversation_members")
        .column("user_id")
        .execute();

      await db.schema
        .createTable("conversation_devices")
        .addColumn("conversation_id", "text", (c) =>
          c.notNull().references("conversations.id").onDelete("cascade"),
        )
        .addColumn("device_id", "text", (c) => c.notNull())
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("leaf_index", "integer", (c) => c.notNull())
        .addColumn("signature_public_key", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("conversation_devices_pk", ["conversation_id", "device_id"])
        .execute();
      await db.schema
        .createIndex("conversation_devices_device")
        .on("conversation_devices")
        .column("device_id")
        .execute();

      await db.schema
        .createTable("log_entries")
        .addColumn("conversation_id", "text", (c) =>
          c.notNull().references("conversations.id").onDelete("cascade"),
        )
        .addColumn("seq", "bigint", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("epoch", "bigint", (c) => c.notNull())
        .addColumn("sender_user_id", "text", (c) => c.notNull())
        .addColumn("sender_device_id", "text", (c) => c.notNull())
        .addColumn("client_message_id", "text", (c) => c.notNull())
        .addColumn("body", bytes, (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("log_entries_pk", ["conversation_id", "seq"])
        .addUniqueConstraint("log_entries_client_id", ["conversation_id", "client_message_id"])
        .execute();

      await db.schema
        .createTable("welcomes")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("device_id", "text", (c) => c.notNull().references("devices.id").onDelete("cascade"))
        .addColumn("conversation_id", "text", (c) =>
          c.notNull().references("conversations.id").onDelete("cascade"),
        )
        .addColumn("seq", "bigint", (c) => c.notNull())
        .addColumn("body", bytes, (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("welcomes_device").on("welcomes").column("device_id").execute();

      await db.schema
        .createTable("device_positions")
        .addColumn("device_id", "text", (c) => c.notNull())
        .addColumn("conversation_id", "text", (c) =>
          c.notNull().references("conversations.id").onDelete("cascade"),
        )
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("seq", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("device_positions_pk", ["device_id", "conversation_id"])
        .execute();
      await db.schema
        .createIndex("device_positions_conversation")
        .on("device_positions")
        .columns(["conversation_id", "user_id"])
        .execute();

      await db.schema
        .createTable("attachments")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("conversation_id", "text", (c) =>
          c.notNull().references("conversations.id").onDelete("cascade"),
        )
        .addColumn("uploader_user_id", "text", (c) => c.notNull())
        .addColumn("uploader_device_id", "text", (c) => c.notNull())
        .addColumn("size", "bigint", (c) => c.notNull())
        .addColumn("storage", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("attachment_chunks")
        .addColumn("attachment_id", "text", (c) =>
          c.notNull().references("attachments.id").onDelete("cascade"),
        )
        .addColumn("idx", "integer", (c) => c.notNull())
        .addColumn("data", bytes, (c) => c.notNull())
        .addPrimaryKeyConstraint("attachment_chunks_pk", ["attachment_id", "idx"])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of TABLES) await db.schema.dropTable(table).execute();
    },
  };
}
