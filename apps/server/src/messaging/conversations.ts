import { ConfrereError, type Conversation, ErrorCode, MessagingLimits } from "@confrere/protocol";
import type { AppContext } from "../context.ts";
import type { Db } from "../db/database.ts";
import { memberIds } from "./access.ts";

/** A direct conversation is one per pair of people, whoever opens it first. */
export function directKey(a: string, b: string): string {
  return [a, b].sort().join(":");
}

export async function loadConversation(db: Db, id: string): Promise<Conversation | null> {
  const conversation = await db
    .selectFrom("conversations")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirst();
  if (!conversation) return null;
  const members = await db
    .selectFrom("conversation_members")
    .innerJoin("users", "users.id", "conversation_members.user_id")
    .leftJoin("device_positions", (join) =>
      join
        .onRef("device_positions.conversation_id", "=", "conversation_members.conversation_id")
        .onRef("device_positions.user_id", "=", "conversation_members.user_id"),
    )
    .select([
      "conversation_members.user_id",
      "conversation_members.role",
      "users.display_name",
      (eb) => eb.fn.max("device_positions.seq").as("delivered"),
    ])
    .where("conversation_members.conversation_id", "=", id)
    .groupBy(["conversation_members.user_id", "conversation_members.role", "users.display_name"])
    .orderBy("conversation_members.user_id")
    .execute();
  const devices = await db
    .selectFrom("conversation_devices")
    .select(["user_id", "device_id", "leaf_index"])
    .where("conversation_id", "=", id)
    .orderBy("leaf_index")
    .execute();
  return {
    id: conversation.id,
    kind: conversation.kind,
    createdBy: conversation.created_by,
    createdAt: conversation.created_at,
    epoch: Number(conversation.epoch),
    lastSeq: Number(conversation.last_seq),
    members: members.map((m) => ({
      userId: m.user_id,
      displayName: m.display_name,
      role: m.role,
      deliveredSeq: Number(m.delivered ?? 0),
    })),
    devices: devices.map((d) => ({
      userId: d.user_id,
      deviceId: d.device_id,
      leafIndex: Number(d.leaf_index),
    })),
  };
}

/** The direct conversation of a pair, if it exists. */
async function findDirect(db: Db, key: string): Promise<Conversation | null> {
  const row = await db
    .selectFrom("conversations")
    .select("id")
    .where("direct_key", "=", key)
    .executeTakeFirst();
  return row ? loadConversation(db, row.id) : null;
}

/** Only verified, active accounts can be put in a conversation. */
async function assertReachable(db: Db, userIds: string[], operation: string): Promise<void> {
  const rows = await db
    .selectFrom("users")
    .select("id")
    .where("id", "in", userIds)
    .where("identity_verified_at", "is not", null)
    .where("suspended_at", "is", null)
    .execute();
  const found = new Set(rows.map((r) => r.id));
  const missing = userIds.filter((id) => !found.has(id));
  if (missing.length) {
    throw new ConfrereError(
      ErrorCode.USER_NOT_FOUND,
      404,
      `${operation}: ${missing.length} of the people named are unknown or not verified professionals`,
      { userIds: missing },
    );
  }
}

/**
 * Creates a conversation whose MLS group the creator's device has just created (epoch 0, the
 * creator's device alone at leaf 0). The creator then commits the other devices in.
 */
export async function createConversation(
  ctx: AppContext,
  creator: { userId: string; deviceId: string },
  input: { id: string; kind: "direct" | "group"; memberIds: string[] },
): Promise<{ conversation: Conversation; existing: boolean }> {
  const operation = "createConversation";
  const others = [...new Set(input.memberIds)].filter((id) => id !== creator.userId);
  if (input.kind === "direct" && others.length !== 1) {
    throw new ConfrereError(
      ErrorCode.VALIDATION_FAILED,
      400,
      `${operation}: a direct conversation has exactly one other person`,
    );
  }
  if (others.length + 1 > MessagingLimits.maxGroupMembers) {
    throw new ConfrereError(
      ErrorCode.GROUP_TOO_LARGE,
      400,
      `${operation}: a group has at most ${MessagingLimits.maxGroupMembers} people`,
    );
  }
  await assertReachable(ctx.db, others, operation);
  const key = input.kind === "direct" ? directKey(creator.userId, others[0]!) : null;
  const existing = key ? await findDirect(ctx.db, key) : null;
  if (existing) return { conversation: existing, existing: true };
  const signature = await ctx.db
    .selectFrom("device_keys")
    .select("signature_public_key")
    .where("device_id", "=", creator.deviceId)
    .executeTakeFirst();
  if (!signature) {
    throw new ConfrereError(
      ErrorCode.DEVICE_KEY_REQUIRED,
      409,
      `${operation}: register this device's key first`,
    );
  }
  const now = ctx.clock.now();
  try {
    await ctx.db.transaction().execute(async (tx) => {
      await tx
        .insertInto("conversations")
        .values({
          id: input.id,
          kind: input.kind,
          direct_key: key,
          created_by: creator.userId,
          created_at: now,
          epoch: 0,
          last_seq: 0,
        })
        .execute();
      await tx
        .insertInto("conversation_members")
        .values([
          { conversation_id: input.id, user_id: creator.userId, role: "admin", joined_at: now },
          ...others.map((userId) => ({
            conversation_id: input.id,
            user_id: userId,
            // Both people of a direct conversation are equals.
            role: input.kind === "direct" ? ("admin" as const) : ("member" as const),
            joined_at: now,
          })),
        ])
        .execute();
      await tx
        .insertInto("conversation_devices")
        .values({
          conversation_id: input.id,
          device_id: creator.deviceId,
          user_id: creator.userId,
          leaf_index: 0,
          signature_public_key: signature.signature_public_key,
        })
        .execute();
    });
  } catch (error) {
    // Another request created the same direct pair (unique direct_key) or reused the id.
    const raced = key ? await findDirect(ctx.db, key) : null;
    if (raced) return { conversation: raced, existing: true };
    const clash = await ctx.db
      .selectFrom("conversations")
      .select("id")
      .where("id", "=", input.id)
      .executeTakeFirst();
    if (clash)
      throw new ConfrereError(
        ErrorCode.CONVERSATION_EXISTS,
        409,
        `${operation}: this conversation id is taken; choose another`,
      );
    throw error;
  }
  ctx.bus.publish({ kind: "conversation", userIds: [creator.userId, ...others], conversationId: input.id });
  return { conversation: (await loadConversation(ctx.db, input.id))!, existing: false };
}

export async function listConversations(db: Db, userId: string): Promise<Conversation[]> {
  const rows = await db
    .selectFrom("conversation_members")
    .innerJoin("conversations", "conversations.id", "conversation_members.conversation_id")
    .select("conversations.id")
    .where("conversation_members.user_id", "=", userId)
    .orderBy("conversations.created_at", "desc")
    .execute();
  const conversations = [];
  for (const row of rows) {
    const conversation = await loadConversation(db, row.id);
    if (conversation) conversations.push(conversation);
  }
  return conversations;
}

/** People join and leave groups only: a direct conversation keeps its pair. */
async function assertGroup(db: Db, conversationId: string, refusal: string): Promise<void> {
  const conversation = await db
    .selectFrom("conversations")
    .select("kind")
    .where("id", "=", conversationId)
    .executeTakeFirstOrThrow();
  if (conversation.kind === "direct") throw new ConfrereError(ErrorCode.VALIDATION_FAILED, 400, refusal);
}

/** Admins add people to a group; their devices are then committed in by any member's device. */
export async function addMembers(ctx: AppContext, conversationId: string, userIds: string[]): Promise<void> {
  const operation = "addMembers";
  await assertGroup(
    ctx.db,
    conversationId,
    `${operation}: a direct conversation keeps its two people; create a group`,
  );
  const current = await memberIds(ctx.db, conversationId);
  const added = [...new Set(userIds)].filter((id) => !current.includes(id));
  if (current.length + added.length > MessagingLimits.maxGroupMembers) {
    throw new ConfrereError(
      ErrorCode.GROUP_TOO_LARGE,
      400,
      `${operation}: a group has at most ${MessagingLimits.maxGroupMembers} people`,
    );
  }
  if (added.length === 0) return;
  await assertReachable(ctx.db, added, operation);
  const now = ctx.clock.now();
  await ctx.db
    .insertInto("conversation_members")
    .values(
      added.map((userId) => ({
        conversation_id: conversationId,
        user_id: userId,
        role: "member" as const,
        joined_at: now,
      })),
    )
    .execute();
  ctx.bus.publish({ kind: "conversation", userIds: [...current, ...added], conversationId });
}

/**
 * Removes a person from a group (an admin removing someone, or anyone leaving). Their access to the
 * log and to new deliveries stops at once; the remaining members' devices then commit the removal
 * of that person's devices from the MLS group (a member can't commit its own removal, RFC 9420 §12.2).
 */
export async function removeMember(ctx: AppContext, conversationId: string, userId: string): Promise<void> {
  await assertGroup(ctx.db, conversationId, "removeMember: nobody leaves a direct conversation");
  const before = await memberIds(ctx.db, conversationId);
  const admins = await ctx.db
    .selectFrom("conversation_members")
    .select("user_id")
    .where("conversation_id", "=", conversationId)
    .where("role", "=", "admin")
    .execute();
  await ctx.db.transaction().execute(async (tx) => {
    await tx
      .deleteFrom("conversation_members")
      .where("conversation_id", "=", conversationId)
      .where("user_id", "=", userId)
      .execute();
    // A group never stays without an admin: the longest-standing member takes the role.
    if (admins.length === 1 && admins[0]?.user_id === userId) {
      const next = await tx
        .selectFrom("conversation_members")
        .select("user_id")
        .where("conversation_id", "=", conversationId)
        .orderBy("joined_at")
        .limit(1)
        .executeTakeFirst();
      if (next) {
        await tx
          .updateTable("conversation_members")
          .set({ role: "admin" })
          .where("conversation_id", "=", conversationId)
          .where("user_id", "=", next.user_id)
          .execute();
      }
    }
  });
  ctx.bus.publish({ kind: "conversation", userIds: before, conversationId });
}

export async function setMemberRole(
  ctx: AppContext,
  conversationId: string,
  userId: string,
  role: "admin" | "member",
): Promise<void> {
  const result = await ctx.db
    .updateTable("conversation_members")
    .set({ role })
    .where("conversation_id", "=", conversationId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) {
    throw new ConfrereError(ErrorCode.NOT_A_MEMBER, 404, "setMemberRole: this person is not in the group");
  }
  ctx.bus.publish({ kind: "conversation", userIds: await memberIds(ctx.db, conversationId), conversationId });
}
