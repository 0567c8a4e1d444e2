import { ConfrereError, ErrorCode, type RetentionHorizon } from "@confrere/protocol";
import { newId } from "../accounts/tokens.ts";
import { DAY, HOUR } from "../clock.ts";
import type { AppContext } from "../context.ts";
import type { Job } from "../jobs/scheduler.ts";
import { retentionReminderMessage } from "../mail/retention-templates.ts";
import { memberIds } from "../messaging/access.ts";

/**
 * Retention (DOMAIN.md "Retention"; gematik TI-Messenger: 6 months by default). Messages are not
 * the medical record: the server keeps application messages and attachments for a bounded time,
 * reminds members to export before expiry, then purges.
 *
 * Which policy applies to a conversation: conversations are not tied to a service or an
 * establishment in the schema, so the policy is the **shortest** among the organisations (either
 * kind) that any current member belongs to, else the platform default (RETENTION_DEFAULT_DAYS).
 * Shortest, because each organisation's policy is a commitment about its staff's exchanges and
 * RGPD art. 5(1)(e) asks for the least retention: keeping a message longer than one participant's
 * organisation allows would break that organisation's commitment.
 *
 * What is purged: application messages (kind "application") and attachments (rows, chunks and
 * files). Handshake messages (commits) stay: a device that was away longer than the retention
 * period still needs every commit after its position to reach the current epoch and stay in the
 * MLS group (RFC 9420 §14); commits carry the roster and keys' public parts, never content.
 * Welcomes are untouched for the same reason.
 */

/** An organisation may choose between a week and ten years. */
export const RETENTION_BOUNDS = { minDays: 7, maxDays: 3650 } as const;
/** Members are reminded this long before content expires. */
export const REMINDER_LEAD_DAYS = 14;
const CONVERSATION_PAGE = 200;
const ROW_BATCH = 1000;

export function assertRetentionDays(days: number, operation: string): void {
  if (!Number.isInteger(days) || days < RETENTION_BOUNDS.minDays || days > RETENTION_BOUNDS.maxDays) {
    throw new ConfrereError(
      ErrorCode.RETENTION_DAYS_OUT_OF_RANGE,
      400,
      `${operation}: the retention period must be a whole number of days between ${RETENTION_BOUNDS.minDays} and ${RETENTION_BOUNDS.maxDays}`,
      { minDays: RETENTION_BOUNDS.minDays, maxDays: RETENTION_BOUNDS.maxDays },
    );
  }
}

/** The organisation's own policy (days), or null when it follows the platform default. */
export async function organisationPolicy(ctx: AppContext, organisationId: string): Promise<number | null> {
  const row = await ctx.db
    .selectFrom("retention_policies")
    .select("days")
    .where("organisation_id", "=", organisationId)
    .executeTakeFirst();
  return row ? Number(row.days) : null;
}

/** Sets (days) or clears (null: back to the platform default) an organisation's policy. */
export async function setOrganisationPolicy(
  ctx: AppContext,
  actorId: string,
  organisationId: string,
  days: number | null,
): Promise<void> {
  const now = ctx.clock.now();
  if (days === null) {
    await ctx.db.deleteFrom("retention_policies").where("organisation_id", "=", organisationId).execute();
  } else {
    assertRetentionDays(days, "setRetentionPolicy");
    await ctx.db
      .insertInto("retention_policies")
      .values({ organisation_id: organisationId, days, updated_by: actorId, updated_at: now })
      .onConflict((oc) =>
        oc.column("organisation_id").doUpdateSet({ days, updated_by: actorId, updated_at: now }),
      )
      .execute();
  }
  await ctx.audit.record({
    action: "retention.policy_changed",
    actorId,
    targetType: "organisation",
    targetId: organisationId,
    detail: { days },
  });
}

/** The days that apply to a conversation (see the module comment), and whether it is held. */
export async function conversationRetention(
  ctx: AppContext,
  conversationId: string,
): Promise<{ days: number; isOnHold: boolean }> {
  const policy = await ctx.db
    .selectFrom("conversation_members as cm")
    .innerJoin("organisation_members as om", "om.user_id", "cm.user_id")
    .innerJoin("retention_policies as rp", "rp.organisation_id", "om.organisation_id")
    .select((eb) => eb.fn.min("rp.days").as("days"))
    .where("cm.conversation_id", "=", conversationId)
    .executeTakeFirst();
  const hold = await ctx.db
    .selectFrom("legal_holds")
    .select("conversation_id")
    .where("conversation_id", "=", conversationId)
    .executeTakeFirst();
  const days = policy?.days == null ? ctx.config.retentionDefaultDays : Number(policy.days);
  return { days, isOnHold: hold !== undefined };
}

/**
 * What a device needs to delete its local copies: entries up to `expiredThroughSeq` are past the
 * retention period (0 under a legal hold). Expressed as a sequence number, not a time, so the
 * device's clock does not matter: content created at or after the cut-off is never purged, so the
 * number only grows.
 */
export async function retentionHorizon(ctx: AppContext, conversationId: string): Promise<RetentionHorizon> {
  const { days, isOnHold } = await conversationRetention(ctx, conversationId);
  const cutoff = ctx.clock.now() - days * DAY;
  let expiredThroughSeq = 0;
  if (!isOnHold) {
    const firstKept = await ctx.db
      .selectFrom("log_entries")
      .select((eb) => eb.fn.min("seq").as("seq"))
      .where("conversation_id", "=", conversationId)
      .where("created_at", ">=", cutoff)
      .executeTakeFirst();
    if (firstKept?.seq != null) {
      expiredThroughSeq = Number(firstKept.seq) - 1;
    } else {
      const conversation = await ctx.db
        .selectFrom("conversations")
        .select("last_seq")
        .where("id", "=", conversationId)
        .executeTakeFirst();
      expiredThroughSeq = Number(conversation?.last_seq ?? 0);
    }
  }
  return { conversationId, days, isOnHold, expiresBefore: cutoff, expiredThroughSeq };
}

/** Horizons of every conversation the user is a member of. */
export async function myRetentionHorizons(ctx: AppContext, userId: string): Promise<RetentionHorizon[]> {
  const rows = await ctx.db
    .selectFrom("conversation_members")
    .select("conversation_id")
    .where("user_id", "=", userId)
    .orderBy("conversation_id")
    .execute();
  const out: RetentionHorizon[] = [];
  for (const row of rows) out.push(await retentionHorizon(ctx, row.conversation_id));
  return out;
}

export interface PurgeSummary {
  /** Conversations that had something expired. */
  conversations: number;
  messagesDeleted: number;
  attachmentsDeleted: number;
  /** Conversations skipped because of a legal hold. */
  heldConversations: number;
  dryRun: boolean;
}

/** Yields the ids `fetchPage(after)` returns, page after page, until a short page. */
async function* pagedIds(fetchPage: (after: string) => Promise<string[]>): AsyncGenerator<string> {
  let after = "";
  for (;;) {
    const page = await fetchPage(after);
    yield* page;
    if (page.length < CONVERSATION_PAGE) return;
    after = page.at(-1)!;
  }
}

/** Each conversation once, in id order, a page at a time (the table may be large). */
function allConversations(ctx: AppContext): AsyncGenerator<string> {
  return pagedIds(async (after) => {
    const rows = await ctx.db
      .selectFrom("conversations")
      .select("id")
      .where("id", ">", after)
      .orderBy("id")
      .limit(CONVERSATION_PAGE)
      .execute();
    return rows.map((row) => row.id);
  });
}

/** Each conversation that holds at least one patient case, once, in id order, a page at a time. */
function conversationsWithCases(ctx: AppContext): AsyncGenerator<string> {
  return pagedIds(async (after) => {
    const rows = await ctx.db
      .selectFrom("care_cases")
      .select("conversation_id")
      .distinct()
      .where("conversation_id", ">", after)
      .orderBy("conversation_id")
      .limit(CONVERSATION_PAGE)
      .execute();
    return rows.map((row) => row.conversation_id);
  });
}

/**
 * Deletes expired application messages and attachments (rows, chunks and files), conversation by
 * conversation and in batches, never under a legal hold. Idempotent: a run that dies half-way
 * leaves only expired rows for the next one (a blob goes before its row, so a row never outlives
 * a deleted file by more than one run and a file never loses its row first). Writes a purge run
 * and a `retention.purged` audit event with counts when anything was deleted.
 */
export async function purgeExpired(
  ctx: AppContext,
  options: { dryRun?: boolean } = {},
): Promise<PurgeSummary> {
  const dryRun = options.dryRun === true;
  const startedAt = ctx.clock.now();
  const summary: PurgeSummary = {
    conversations: 0,
    messagesDeleted: 0,
    attachmentsDeleted: 0,
    heldConversations: 0,
    dryRun,
  };
  for await (const conversationId of allConversations(ctx)) {
    const { days, isOnHold } = await conversationRetention(ctx, conversationId);
    if (isOnHold) {
      summary.heldConversations++;
      continue;
    }
    const cutoff = startedAt - days * DAY;
    const messages = dryRun
      ? await countExpiredMessages(ctx, conversationId, cutoff)
      : await deleteExpiredMessages(ctx, conversationId, cutoff);
    const attachments = dryRun
      ? await countExpiredAttachments(ctx, conversationId, cutoff)
      : await deleteExpiredAttachments(ctx, conversationId, cutoff);
    if (messages + attachments > 0) {
      summary.conversations++;
      // Connected devices sync on this, and delete their local copies at once (see sdk retention.ts).
      if (!dryRun) {
        const userIds = await memberIds(ctx.db, conversationId);
        ctx.bus.publish({ kind: "conversation", userIds, conversationId });
      }
    }
    summary.messagesDeleted += messages;
    summary.attachmentsDeleted += attachments;
  }
  if (!dryRun && summary.messagesDeleted + summary.attachmentsDeleted > 0) {
    const runId = newId();
    await ctx.db
      .insertInto("retention_purge_runs")
      .values({
        id: runId,
        started_at: startedAt,
        finished_at: ctx.clock.now(),
        conversations: summary.conversations,
        messages_deleted: summary.messagesDeleted,
        attachments_deleted: summary.attachmentsDeleted,
        held_conversations: summary.heldConversations,
      })
      .execute();
    await ctx.audit.record({
      action: "retention.purged",
      targetType: "retention_purge_run",
      targetId: runId,
      detail: {
        conversations: summary.conversations,
        messages: summary.messagesDeleted,
        attachments: summary.attachmentsDeleted,
        held: summary.heldConversations,
      },
    });
  }
  return summary;
}

async function countExpiredMessages(ctx: AppContext, conversationId: string, cutoff: number) {
  const row = await ctx.db
    .selectFrom("log_entries")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("conversation_id", "=", conversationId)
    .where("kind", "=", "application")
    .where("created_at", "<", cutoff)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function deleteExpiredMessages(ctx: AppContext, conversationId: string, cutoff: number) {
  let deleted = 0;
  for (;;) {
    const batch = await ctx.db
      .selectFrom("log_entries")
      .select("seq")
      .where("conversation_id", "=", conversationId)
      .where("kind", "=", "application")
      .where("created_at", "<", cutoff)
      .orderBy("seq")
      .limit(ROW_BATCH)
      .execute();
    if (batch.length === 0) return deleted;
    const result = await ctx.db
      .deleteFrom("log_entries")
      .where("conversation_id", "=", conversationId)
      .where("kind", "=", "application")
      .where(
        "seq",
        "in",
        batch.map((r) => r.seq),
      )
      .executeTakeFirst();
    deleted += Number(result.numDeletedRows);
    if (batch.length < ROW_BATCH) return deleted;
  }
}

async function countExpiredAttachments(ctx: AppContext, conversationId: string, cutoff: number) {
  const row = await ctx.db
    .selectFrom("attachments")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("conversation_id", "=", conversationId)
    .where("created_at", "<", cutoff)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function deleteExpiredAttachments(ctx: AppContext, conversationId: string, cutoff: number) {
  let deleted = 0;
  for (;;) {
    const batch = await ctx.db
      .selectFrom("attachments")
      .select("id")
      .where("conversation_id", "=", conversationId)
      .where("created_at", "<", cutoff)
      .orderBy("id")
      .limit(ROW_BATCH)
      .execute();
    for (const { id } of batch) {
      await ctx.blobs.delete(id);
      const result = await ctx.db.deleteFrom("attachments").where("id", "=", id).executeTakeFirst();
      deleted += Number(result.numDeletedRows);
    }
    if (batch.length < ROW_BATCH) return deleted;
  }
}

/**
 * Reminds each member, once, before content expires: for every conversation that holds a patient
 * case and is not held, whose content created up to `now + lead - days` has not been announced to
 * them yet, one e-mail with the date the oldest unannounced content goes. Only conversations with
 * a case: their content is what belongs in a patient record, and a reminder for every chat would
 * teach people to ignore the e-mail. The reminder row moves `covered_until` on, so the
 * next reminder is for newer content only (at most one e-mail per member and conversation per
 * lead period with steady traffic). Returns the e-mails sent.
 */
export async function sendRetentionReminders(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  let sent = 0;
  for await (const conversationId of conversationsWithCases(ctx)) {
    const { days, isOnHold } = await conversationRetention(ctx, conversationId);
    if (isOnHold) continue;
    const coveredUntil = now + REMINDER_LEAD_DAYS * DAY - days * DAY;
    const members = await ctx.db
      .selectFrom("conversation_members as cm")
      .innerJoin("users", "users.id", "cm.user_id")
      .leftJoin("retention_reminders as rr", (join) =>
        join.onRef("rr.conversation_id", "=", "cm.conversation_id").onRef("rr.user_id", "=", "cm.user_id"),
      )
      .select(["cm.user_id", "users.email", "rr.covered_until"])
      .where("cm.conversation_id", "=", conversationId)
      .where("users.suspended_at", "is", null)
      .execute();
    for (const member of members) {
      const since = member.covered_until == null ? null : Number(member.covered_until);
      const oldest = await oldestUnannounced(ctx, conversationId, since, coveredUntil);
      if (oldest === null) continue;
      // Claim first (conditional write), then send: two nodes or two runs never send it twice.
      const claimed = await claimReminder(ctx, conversationId, member.user_id, since, coveredUntil, now);
      if (!claimed) continue;
      const link = `${ctx.config.publicUrl}/conversations/${encodeURIComponent(conversationId)}`;
      await ctx.mailer.send(retentionReminderMessage(member.email, link, oldest + days * DAY));
      sent++;
    }
  }
  return sent;
}

/** The creation time of the oldest content in (since, until), or null. */
async function oldestUnannounced(
  ctx: AppContext,
  conversationId: string,
  since: number | null,
  until: number,
): Promise<number | null> {
  let message = ctx.db
    .selectFrom("log_entries")
    .select((eb) => eb.fn.min("created_at").as("at"))
    .where("conversation_id", "=", conversationId)
    .where("kind", "=", "application")
    .where("created_at", "<", until);
  let attachment = ctx.db
    .selectFrom("attachments")
    .select((eb) => eb.fn.min("created_at").as("at"))
    .where("conversation_id", "=", conversationId)
    .where("created_at", "<", until);
  if (since !== null) {
    message = message.where("created_at", ">=", since);
    attachment = attachment.where("created_at", ">=", since);
  }
  const times = [(await message.executeTakeFirst())?.at, (await attachment.executeTakeFirst())?.at]
    .filter((t) => t != null)
    .map(Number);
  return times.length ? Math.min(...times) : null;
}

async function claimReminder(
  ctx: AppContext,
  conversationId: string,
  userId: string,
  since: number | null,
  coveredUntil: number,
  now: number,
): Promise<boolean> {
  if (since === null) {
    const result = await ctx.db
      .insertInto("retention_reminders")
      .values({ conversation_id: conversationId, user_id: userId, covered_until: coveredUntil, sent_at: now })
      .onConflict((oc) => oc.columns(["conversation_id", "user_id"]).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }
  const result = await ctx.db
    .updateTable("retention_reminders")
    .set({ covered_until: coveredUntil, sent_at: now })
    .where("conversation_id", "=", conversationId)
    .where("user_id", "=", userId)
    .where("covered_until", "=", since)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Reminders go first: a member hears of content before the purge that would take it. */
export function retentionJobs(ctx: AppContext): Job[] {
  return [
    {
      name: "retention-reminders",
      intervalMs: HOUR,
      run: async () => void (await sendRetentionReminders(ctx)),
    },
    { name: "retention-purge", intervalMs: HOUR, run: async () => void (await purgeExpired(ctx)) },
  ];
}
