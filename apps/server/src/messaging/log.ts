import {
  applyCommitToRoster,
  type CommitInspection,
  type GroupMember,
  inspectApplicationMessage,
  inspectCommit,
} from "@confrere/crypto";
import {
  ConfrereError,
  ErrorCode,
  type LogEntry,
  type PendingWelcome,
  type PostEntryResponse,
} from "@confrere/protocol";
import { sql, type Transaction } from "kysely";
import { newId } from "../accounts/tokens.ts";
import type { AppContext } from "../context.ts";
import type { Database } from "../db/schema.ts";
import type { LogEntriesTable } from "../db/schema-messaging.ts";

type Tx = Transaction<Database>;
interface Sender {
  userId: string;
  deviceId: string;
}

export function toLogEntry(row: LogEntriesTable): LogEntry {
  return {
    conversationId: row.conversation_id,
    seq: Number(row.seq),
    kind: row.kind,
    epoch: Number(row.epoch),
    senderUserId: row.sender_user_id,
    senderDeviceId: row.sender_device_id,
    clientMessageId: row.client_message_id,
    body: Buffer.from(row.body).toString("base64url"),
    createdAt: row.created_at,
  };
}

/**
 * Locks the conversation row for the rest of the transaction (PostgreSQL; SQLite transactions are
 * serial already), so that sequence numbers and epochs move one writer at a time.
 */
async function lockConversation(ctx: AppContext, tx: Tx, conversationId: string) {
  const row =
    ctx.database.kind === "postgres"
      ? (
          await sql<{ epoch: number; last_seq: number; kind: string }>`
            select epoch, last_seq, kind from conversations where id = ${conversationId} for update`.execute(
            tx,
          )
        ).rows[0]
      : await tx
          .selectFrom("conversations")
          .select(["epoch", "last_seq", "kind"])
          .where("id", "=", conversationId)
          .executeTakeFirst();
  if (!row)
    throw new ConfrereError(ErrorCode.CONVERSATION_NOT_FOUND, 404, "appendToLog: no such conversation");
  return { epoch: Number(row.epoch), lastSeq: Number(row.last_seq), kind: row.kind };
}

async function findDuplicate(
  tx: Tx,
  conversationId: string,
  clientMessageId: string,
  sender: Sender,
  kind: "commit" | "application",
) {
  const row = await tx
    .selectFrom("log_entries")
    .select(["seq", "epoch", "sender_device_id", "kind"])
    .where("conversation_id", "=", conversationId)
    .where("client_message_id", "=", clientMessageId)
    .executeTakeFirst();
  if (!row) return null;
  if (row.sender_device_id !== sender.deviceId || row.kind !== kind) {
    throw new ConfrereError(
      ErrorCode.MESSAGE_ID_REUSED,
      409,
      "appendToLog: this message id was used for another message; generate a new one",
    );
  }
  return { seq: Number(row.seq), epoch: Number(row.epoch), duplicate: true };
}

async function assertSenderInGroup(tx: Tx, conversationId: string, sender: Sender, operation: string) {
  const member = await tx
    .selectFrom("conversation_members")
    .select("role")
    .where("conversation_id", "=", conversationId)
    .where("user_id", "=", sender.userId)
    .executeTakeFirst();
  if (!member)
    throw new ConfrereError(
      ErrorCode.CONVERSATION_NOT_FOUND,
      404,
      `${operation}: no such conversation among yours`,
    );
  const device = await tx
    .selectFrom("conversation_devices")
    .select("leaf_index")
    .where("conversation_id", "=", conversationId)
    .where("device_id", "=", sender.deviceId)
    .executeTakeFirst();
  if (!device) {
    throw new ConfrereError(
      ErrorCode.NOT_A_MEMBER,
      403,
      `${operation}: this device is not (yet) in the conversation's group; wait for another member to add it`,
    );
  }
  return member.role;
}

/**
 * Appends an application message (MLS PrivateMessage, opaque here) for the current epoch, and
 * answers only once it is committed: acknowledged means durable. A resent message id answers the
 * first acknowledgement again and stores nothing. The framing is checked here; membership, epoch
 * and duplicates in the batch's transaction (message-batch.ts). `sessionId` is given for a message
 * that came over a socket, whose session is checked again there.
 */
export async function appendApplicationMessage(
  ctx: AppContext,
  sender: Sender,
  conversationId: string,
  input: { clientMessageId: string; epoch: number; body: string; silent?: boolean | undefined },
  sessionId: string | null = null,
): Promise<PostEntryResponse> {
  const operation = "sendMessage";
  const body = Buffer.from(input.body, "base64url");
  let framing: { groupId: Uint8Array; epoch: bigint };
  try {
    framing = inspectApplicationMessage(body);
  } catch {
    throw new ConfrereError(
      ErrorCode.MESSAGE_INVALID,
      400,
      `${operation}: the body is not an MLS application message`,
    );
  }
  if (
    Buffer.from(framing.groupId).toString("utf8") !== conversationId ||
    Number(framing.epoch) !== input.epoch
  ) {
    throw new ConfrereError(
      ErrorCode.MESSAGE_INVALID,
      400,
      `${operation}: the message was encrypted for another group or epoch than declared`,
    );
  }
  return ctx.messages.append({
    sender: { userId: sender.userId, deviceId: sender.deviceId },
    sessionId,
    conversationId,
    clientMessageId: input.clientMessageId,
    epoch: input.epoch,
    body,
    bodyText: input.body,
    ...(input.silent ? { silent: true } : {}),
  });
}

interface Published {
  entry: LogEntriesTable;
  recipients: string[];
  welcomes: { deviceId: string; welcome: PendingWelcome }[];
}

function commitInvalid(operation: string, why: string): ConfrereError {
  return new ConfrereError(ErrorCode.COMMIT_INVALID, 400, `${operation}: ${why}`);
}

/**
 * Appends a commit (an MLS PublicMessage the server can read) after checking it against what the
 * server knows: the epoch is current (the first commit for an epoch wins, RFC 9420 §14), the
 * committer is the posting device, added devices belong to members and carry their registered
 * keys, and only admins remove other people's devices. The server's roster then moves as the
 * group's does.
 */
export async function appendCommit(
  ctx: AppContext,
  sender: Sender,
  conversationId: string,
  input: { clientMessageId: string; epoch: number; commit: string; welcome?: string | undefined },
): Promise<PostEntryResponse> {
  const operation = "commit";
  const commitBytes = Buffer.from(input.commit, "base64url");
  let inspection: CommitInspection;
  try {
    inspection = await inspectCommit(commitBytes);
  } catch {
    throw commitInvalid(operation, "the commit is not a readable MLS PublicMessage commit");
  }
  if (Buffer.from(inspection.groupId).toString("utf8") !== conversationId) {
    throw commitInvalid(operation, "the commit belongs to another group");
  }
  if (Number(inspection.epoch) !== input.epoch)
    throw commitInvalid(operation, "the commit's epoch differs from the one declared");
  if (inspection.otherProposals.length)
    throw commitInvalid(operation, `unsupported proposals: ${inspection.otherProposals.join(", ")}`);
  if (inspection.adds.length > 0 && !input.welcome)
    throw commitInvalid(operation, "a commit that adds devices needs its Welcome");

  const now = ctx.clock.now();
  let published: Published | null = null;
  const result = await ctx.db.transaction().execute(async (tx) => {
    const conversation = await lockConversation(ctx, tx, conversationId);
    const role = await assertSenderInGroup(tx, conversationId, sender, operation);
    const duplicate = await findDuplicate(tx, conversationId, input.clientMessageId, sender, "commit");
    if (duplicate) return duplicate;
    if (input.epoch !== conversation.epoch) {
      throw new ConfrereError(
        ErrorCode.EPOCH_MISMATCH,
        409,
        `${operation}: another commit for epoch ${input.epoch} came first; the group is at epoch ${conversation.epoch}`,
        {
          currentEpoch: conversation.epoch,
        },
      );
    }
    const rosterRows = await tx
      .selectFrom("conversation_devices")
      .selectAll()
      .where("conversation_id", "=", conversationId)
      .execute();
    const roster: GroupMember[] = rosterRows.map((r) => ({
      userId: r.user_id,
      deviceId: r.device_id,
      leafIndex: Number(r.leaf_index),
      signaturePublicKey: new Uint8Array(Buffer.from(r.signature_public_key, "base64url")),
    }));
    let update: ReturnType<typeof applyCommitToRoster>;
    try {
      update = applyCommitToRoster(roster, inspection);
    } catch {
      throw commitInvalid(
        operation,
        "the commit does not fit the group's roster (unknown sender or removed leaf)",
      );
    }
    if (update.sender.deviceId !== sender.deviceId)
      throw commitInvalid(operation, "the commit was made by another device than the one posting it");

    const members = await tx
      .selectFrom("conversation_members")
      .select("user_id")
      .where("conversation_id", "=", conversationId)
      .execute();
    const memberSet = new Set(members.map((m) => m.user_id));
    for (const added of update.added) {
      if (!memberSet.has(added.userId)) {
        throw commitInvalid(
          operation,
          "the commit adds a device of someone who is not in the conversation; add the person first",
        );
      }
      const registered = await tx
        .selectFrom("device_keys")
        .innerJoin("devices", "devices.id", "device_keys.device_id")
        .select(["device_keys.user_id", "device_keys.signature_public_key", "devices.revoked_at"])
        .where("device_keys.device_id", "=", added.deviceId)
        .executeTakeFirst();
      if (
        !registered ||
        registered.revoked_at !== null ||
        registered.user_id !== added.userId ||
        registered.signature_public_key !== Buffer.from(added.signaturePublicKey).toString("base64url")
      ) {
        throw commitInvalid(
          operation,
          "the commit adds a device that is not in the device directory with that key",
        );
      }
    }
    for (const removed of update.removed) {
      const revoked = await tx
        .selectFrom("devices")
        .select("revoked_at")
        .where("id", "=", removed.deviceId)
        .executeTakeFirst();
      const mayRemove =
        role === "admin" ||
        removed.userId === sender.userId ||
        !memberSet.has(removed.userId) ||
        (revoked?.revoked_at ?? null) !== null;
      if (!mayRemove)
        throw new ConfrereError(
          ErrorCode.NOT_AN_ADMIN,
          403,
          `${operation}: only an admin removes other people's devices`,
        );
    }

    const seq = conversation.lastSeq + 1;
    const entry: LogEntriesTable = {
      conversation_id: conversationId,
      seq,
      kind: "commit",
      epoch: conversation.epoch,
      sender_user_id: sender.userId,
      sender_device_id: sender.deviceId,
      client_message_id: input.clientMessageId,
      body: commitBytes,
      created_at: now,
    };
    await tx.insertInto("log_entries").values(entry).execute();
    await tx
      .updateTable("conversations")
      .set({ last_seq: seq, epoch: conversation.epoch + 1 })
      .where("id", "=", conversationId)
      .execute();
    if (update.removed.length) {
      await tx
        .deleteFrom("conversation_devices")
        .where("conversation_id", "=", conversationId)
        .where(
          "device_id",
          "in",
          update.removed.map((r) => r.deviceId),
        )
        .execute();
    }
    const welcomes: Published["welcomes"] = [];
    if (update.added.length) {
      await tx
        .insertInto("conversation_devices")
        .values(
          update.added.map((a) => ({
            conversation_id: conversationId,
            device_id: a.deviceId,
            user_id: a.userId,
            leaf_index: a.leafIndex,
            signature_public_key: Buffer.from(a.signaturePublicKey).toString("base64url"),
          })),
        )
        .execute();
      const welcomeBytes = Buffer.from(input.welcome!, "base64url");
      for (const added of update.added) {
        const welcome = {
          id: newId(),
          device_id: added.deviceId,
          conversation_id: conversationId,
          seq,
          body: welcomeBytes,
          created_at: now,
        };
        await tx.insertInto("welcomes").values(welcome).execute();
        welcomes.push({
          deviceId: added.deviceId,
          welcome: { id: welcome.id, conversationId, seq, body: input.welcome!, createdAt: now },
        });
      }
    }
    const recipients = [...new Set([...memberSet, ...update.removed.map((r) => r.userId)])];
    published = { entry, recipients, welcomes };
    return { seq, epoch: conversation.epoch + 1, duplicate: false };
  });
  if (published) {
    const { entry, recipients, welcomes } = published as Published;
    ctx.bus.publish({ kind: "entry", userIds: recipients, entry: toLogEntry(entry) });
    for (const { deviceId, welcome } of welcomes) ctx.bus.publish({ kind: "welcome", deviceId, welcome });
    ctx.bus.publish({ kind: "conversation", userIds: recipients, conversationId });
  }
  return result;
}

/** Entries after a position, in order. Members only; removed people read nothing more. */
export async function readLog(
  ctx: AppContext,
  conversationId: string,
  after: number,
  limit: number,
): Promise<LogEntry[]> {
  const rows = await ctx.db
    .selectFrom("log_entries")
    .selectAll()
    .where("conversation_id", "=", conversationId)
    .where("seq", ">", after)
    .orderBy("seq")
    .limit(limit)
    .execute();
  return rows.map(toLogEntry);
}

/**
 * Records how far a device has fetched (never past the log's end). When that moves the member's
 * furthest position on, the others learn the message was delivered to them. Members only.
 */
export function acknowledge(
  ctx: AppContext,
  who: Sender,
  conversationId: string,
  seq: number,
): Promise<void> {
  return ctx.messages.acknowledge({
    who: { userId: who.userId, deviceId: who.deviceId },
    conversationId,
    seq,
  });
}

export async function pendingWelcomes(ctx: AppContext, deviceId: string): Promise<PendingWelcome[]> {
  const rows = await ctx.db
    .selectFrom("welcomes")
    .selectAll()
    .where("device_id", "=", deviceId)
    .orderBy("created_at")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    conversationId: r.conversation_id,
    seq: Number(r.seq),
    body: Buffer.from(r.body).toString("base64url"),
    createdAt: r.created_at,
  }));
}

export async function deleteWelcome(ctx: AppContext, deviceId: string, id: string): Promise<boolean> {
  const result = await ctx.db
    .deleteFrom("welcomes")
    .where("id", "=", id)
    .where("device_id", "=", deviceId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}
