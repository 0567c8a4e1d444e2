import { createHash } from "node:crypto";
import { sql } from "kysely";
import type { Clock } from "../clock.ts";
import type { Db } from "../db/database.ts";
import { GENESIS_HASH } from "../db/migrations/0002-audit.ts";
import type { AuditEventsTable } from "../db/schema.ts";

/**
 * Security-relevant actions. The trail holds ids and actions only: never a password, token, code,
 * message or patient datum (PGSSI-S traceability; CSP secret médical).
 */
export type AuditAction =
  | "account.registered"
  | "account.email_verified"
  | "account.created_by_operator"
  | "account.identity_verified"
  | "account.suspended"
  | "account.unsuspended"
  | "account.role_changed"
  | "account.directory_inactive_warned"
  // Pro Santé Connect
  | "psc.login_refused"
  // Identity claims and review
  | "identity.claim_submitted"
  | "identity.proof_uploaded"
  | "identity.proof_viewed"
  | "identity.claim_approved"
  | "identity.claim_rejected"
  | "identity.claim_withdrawn"
  // Organisations, services, territories and invitations
  | "organisation.created"
  | "organisation.updated"
  | "organisation.admin_added"
  | "organisation.admin_removed"
  | "organisation.member_added"
  | "organisation.member_removed"
  | "service.created"
  | "service.updated"
  | "service.deleted"
  | "service.roster_changed"
  | "invitation.created"
  | "invitation.accepted"
  | "invitation.revoked"
  | "invitation.bulk_created"
  | "auth.login_succeeded"
  | "auth.login_failed"
  | "auth.second_factor_failed"
  | "auth.logout"
  | "auth.logout_all"
  | "auth.session_rotated"
  | "auth.session_revoked"
  | "device.added"
  | "device.revoked"
  | "second_factor.totp_enrolled"
  | "second_factor.totp_removed"
  | "second_factor.passkey_added"
  | "second_factor.passkey_removed"
  | "second_factor.recovery_codes_generated"
  | "second_factor.recovery_code_used"
  | "password.changed"
  | "password.reset_requested"
  | "password.reset_completed"
  | "setup.first_operator_created"
  | "directory.imported"
  // Billing
  | "billing.subscription_state_changed"
  | "billing.checkout_started"
  | "billing.payment_recorded"
  | "billing.payment_failed"
  | "billing.invoice_issued"
  | "billing.credit_note_issued"
  | "billing.invoice_downloaded"
  | "billing.seats_purchased"
  | "billing.seat_assigned"
  | "billing.seat_unassigned"
  | "billing.auto_assign_changed"
  | "billing.details_updated"
  | "billing.webhook_rejected"
  // Web Push
  | "push.subscribed"
  | "push.unsubscribed"
  | "push.preference_changed"
  // Demo
  | "demo.seeded"
  // Patient cases and export
  | "case.opened"
  // Télé-expertise
  | "expertise.requested"
  | "expertise.accepted"
  | "expertise.declined"
  | "expertise.answered"
  | "expertise.closed"
  // Availability, urgent messages and on-call
  | "availability.changed"
  | "urgent.acknowledged"
  | "oncall.schedule_changed"
  | "oncall.escalated"
  | "oncall.handover_offered"
  | "oncall.handover_forwarded"
  // Retention, legal hold and personal data
  | "retention.policy_changed"
  | "retention.purged"
  | "retention.legal_hold_placed"
  | "retention.legal_hold_lifted"
  | "personal_data.exported"
  | "account.deleted";

export interface AuditEventInput {
  action: AuditAction;
  actorId?: string | null;
  targetType?: string | null;
  targetId?: string | null;
  ip?: string | null;
  deviceId?: string | null;
  /** Small structured facts (a role name, a reason code). Never content or secrets. */
  detail?: Record<string, string | number | boolean | null>;
}

type StoredEvent = Omit<AuditEventsTable, "seq" | "hash" | "prev_hash"> & { seq: number };

/** SHA-256 over the previous link and the event's own fields, in a fixed order. */
export function chainHash(prevHash: string, event: StoredEvent): string {
  const canonical = JSON.stringify([
    event.seq,
    event.at,
    event.actor_id,
    event.action,
    event.target_type,
    event.target_id,
    event.ip,
    event.device_id,
    event.detail,
  ]);
  return createHash("sha256").update(prevHash).update("\n").update(canonical).digest("hex");
}

export class AuditLog {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly kind: "sqlite" | "postgres",
  ) {}

  /**
   * Appends one event. The chain head is read and moved in the same transaction, under a lock on
   * the head row, so concurrent appends (even from several nodes) form a single chain.
   */
  async record(input: AuditEventInput): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const head =
        this.kind === "postgres"
          ? await sql<{ seq: number; hash: string }>`select seq, hash from audit_head where id = 1 for update`
              .execute(tx)
              .then((r) => r.rows[0])
          : await tx.selectFrom("audit_head").select(["seq", "hash"]).where("id", "=", 1).executeTakeFirst();
      if (!head) throw new Error("audit: the chain head is missing; run the migrations");
      const event: StoredEvent = {
        seq: Number(head.seq) + 1,
        at: this.clock.now(),
        actor_id: input.actorId ?? null,
        action: input.action,
        target_type: input.targetType ?? null,
        target_id: input.targetId ?? null,
        ip: input.ip ?? null,
        device_id: input.deviceId ?? null,
        detail: input.detail ? JSON.stringify(input.detail) : null,
      };
      const hash = chainHash(head.hash, event);
      await tx
        .insertInto("audit_events")
        .values({ ...event, prev_hash: head.hash, hash })
        .execute();
      await tx.updateTable("audit_head").set({ seq: event.seq, hash }).where("id", "=", 1).execute();
    });
  }
}

export type AuditVerification =
  | { ok: true; events: number }
  | { ok: false; events: number; brokenAtSeq: number; reason: string };

/**
 * Walks the whole chain in order and reports the first link that does not hold: a changed row
 * (its hash no longer matches its content), a deleted row (a gap in the sequence, or the next row's
 * prev_hash pointing elsewhere), or deleted newest rows (the head is ahead of the last row).
 */
export async function verifyAuditChain(db: Db): Promise<AuditVerification> {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let count = 0;
  const pageSize = 5000;
  for (;;) {
    const rows = await db
      .selectFrom("audit_events")
      .selectAll()
      .where("seq", ">=", expectedSeq)
      .orderBy("seq")
      .limit(pageSize)
      .execute();
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== expectedSeq) {
        return {
          ok: false,
          events: count,
          brokenAtSeq: expectedSeq,
          reason: `event ${expectedSeq} is missing (next present is ${seq})`,
        };
      }
      if (row.prev_hash !== prevHash) {
        return {
          ok: false,
          events: count,
          brokenAtSeq: seq,
          reason: `event ${seq} does not follow event ${seq - 1} (prev_hash differs)`,
        };
      }
      const computed = chainHash(prevHash, { ...row, seq });
      if (computed !== row.hash) {
        return {
          ok: false,
          events: count,
          brokenAtSeq: seq,
          reason: `event ${seq} was changed after it was written`,
        };
      }
      prevHash = row.hash;
      expectedSeq = seq + 1;
      count++;
    }
    if (rows.length < pageSize) break;
  }
  const head = await db
    .selectFrom("audit_head")
    .select(["seq", "hash"])
    .where("id", "=", 1)
    .executeTakeFirst();
  if (!head)
    return { ok: false, events: count, brokenAtSeq: expectedSeq, reason: "the chain head row is missing" };
  if (Number(head.seq) !== expectedSeq - 1 || head.hash !== prevHash) {
    return {
      ok: false,
      events: count,
      brokenAtSeq: expectedSeq,
      reason: `the chain head says ${head.seq} events but ${expectedSeq - 1} are present: newest events were deleted`,
    };
  }
  return { ok: true, events: count };
}
