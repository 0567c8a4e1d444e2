import { type ClaimState, ConfrereError, ErrorCode, type ReviewClaim } from "@confrere/protocol";
import { sql } from "kysely";
import type { AppContext } from "../context.ts";
import { type PageRequest, pageOf } from "../http/cursor-page.ts";
import { claimApprovedMessage, claimRejectedMessage } from "../mail/identity-claim-templates.ts";
import { directoryEntries } from "./claim-directory.ts";
import {
  type Actor,
  type ClaimRow,
  claimNotFound,
  type ProofInfoRow,
  sendQuietly,
} from "./identity-claims.ts";
import { linkProfessional } from "./professional-link.ts";

/**
 * The operators' side of the directory-match road: the review queue, the proof (decrypted for
 * the operator, each view audited), and the decision. Approving links the account through
 * linkProfessional, the one way an account becomes a verified professional; either decision
 * deletes the proof and tells the user by e-mail.
 */

type ClaimWithAccount = ClaimRow & { email: string; display_name: string };

/** The name the queue's cursors carry (http/cursor-page.ts). */
export const REVIEW_QUEUE_LIST = "review-queue";

async function claimsWithAccounts(
  ctx: AppContext,
  filter: { claimId: string } | { state: ClaimState; page: PageRequest },
): Promise<ClaimWithAccount[]> {
  let query = ctx.db
    .selectFrom("identity_claims as c")
    .innerJoin("users as u", "u.id", "c.user_id")
    .selectAll("c")
    .select(["u.email", "u.display_name"]);
  if ("claimId" in filter) return query.where("c.id", "=", filter.claimId).execute();
  // Oldest first: the order claims entered the queue (creation for those that never did). The
  // time and the id never change once in the queue, so a decision taken meanwhile (the claim
  // leaves) never makes the next page skip a claim.
  const entered = sql<number>`coalesce(c.submitted_at, c.created_at)`;
  query = query.where("c.state", "=", filter.state);
  const after = filter.page.after;
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb(entered, ">", after.time),
        eb.and([eb(entered, "=", after.time), eb("c.id", ">", after.id)]),
      ]),
    );
  }
  return query
    .orderBy(entered)
    .orderBy("c.id")
    .limit(filter.page.limit + 1)
    .execute();
}

/** Claims with everything an operator needs beside them, in the order given. */
async function toReviewClaims(ctx: AppContext, rows: readonly ClaimWithAccount[]): Promise<ReviewClaim[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const nationalIds = [...new Set(rows.map((r) => r.national_id))];
  const proofs = new Map<string, ProofInfoRow>(
    (
      await ctx.db
        .selectFrom("identity_claim_proofs")
        .select(["claim_id", "content_type", "size", "uploaded_at"])
        .where("claim_id", "in", ids)
        .execute()
    ).map((p) => [p.claim_id, p]),
  );
  const openOnSame = await ctx.db
    .selectFrom("identity_claims")
    .select(["national_id", "user_id"])
    .where("national_id", "in", nationalIds)
    .where("open_user_id", "is not", null)
    .execute();
  const directory = await directoryEntries(ctx, nationalIds);
  return rows.map((row) => {
    const proof = proofs.get(row.id);
    return {
      id: row.id,
      state: row.state,
      attempt: Number(row.attempt),
      account: { id: row.user_id, email: row.email, displayName: row.display_name },
      nationalId: row.national_id,
      idType: row.id_type,
      typedLastName: row.typed_last_name,
      typedFirstName: row.typed_first_name,
      directory: directory.get(row.national_id) ?? null,
      competingClaims: openOnSame.filter(
        (o) => o.national_id === row.national_id && o.user_id !== row.user_id,
      ).length,
      proof: proof
        ? { contentType: proof.content_type, size: Number(proof.size), uploadedAt: Number(proof.uploaded_at) }
        : null,
      createdAt: Number(row.created_at),
      submittedAt: row.submitted_at === null ? null : Number(row.submitted_at),
      closedAt: row.closed_at === null ? null : Number(row.closed_at),
      decidedBy: row.decided_by,
      rejectionReason: row.rejection_reason,
    };
  });
}

/** The review queue (by default the claims waiting for a decision), oldest first, a page at a time. */
export async function listClaims(
  ctx: AppContext,
  filter: { state: ClaimState; page: PageRequest },
): Promise<{ claims: ReviewClaim[]; nextCursor: string | null }> {
  const rows = await claimsWithAccounts(ctx, filter);
  const { items, nextCursor } = pageOf(rows, filter.page.limit, REVIEW_QUEUE_LIST, (row) => ({
    time: Number(row.submitted_at ?? row.created_at),
    id: row.id,
  }));
  return { claims: await toReviewClaims(ctx, items), nextCursor };
}

async function reviewClaim(ctx: AppContext, claimId: string, operation: string): Promise<ReviewClaim> {
  const [claim] = await toReviewClaims(ctx, await claimsWithAccounts(ctx, { claimId }));
  if (!claim) throw claimNotFound(operation);
  return claim;
}

/**
 * The proof's bytes, decrypted, for an operator's eyes. Every view is an audit event: a proof is
 * a personal document, and who looked at it must be answerable.
 */
export async function viewProof(
  ctx: AppContext,
  operator: Actor,
  claimId: string,
): Promise<{ contentType: string; bytes: Buffer }> {
  const operation = "viewProof";
  const claim = await ctx.db
    .selectFrom("identity_claims")
    .select("id")
    .where("id", "=", claimId)
    .executeTakeFirst();
  if (!claim) throw claimNotFound(operation);
  const proof = await ctx.db
    .selectFrom("identity_claim_proofs")
    .select(["content_type", "sealed"])
    .where("claim_id", "=", claimId)
    .executeTakeFirst();
  if (!proof) {
    throw new ConfrereError(
      ErrorCode.PROOF_NOT_FOUND,
      404,
      `${operation}: this claim has no proof: none was uploaded yet, or it was deleted when the claim was closed`,
    );
  }
  const bytes = ctx.secretBox.openBytes(proof.sealed, claimId);
  await ctx.audit.record({
    action: "identity.proof_viewed",
    actorId: operator.userId,
    targetType: "identity_claim",
    targetId: claimId,
    ip: operator.ip,
    deviceId: operator.deviceId,
  });
  return { contentType: proof.content_type, bytes };
}

/** The claim an operator may decide: pending review, and not their own. */
async function decidable(ctx: AppContext, operator: Actor, claimId: string, operation: string) {
  const claim = await ctx.db
    .selectFrom("identity_claims")
    .selectAll()
    .where("id", "=", claimId)
    .executeTakeFirst();
  if (!claim) throw claimNotFound(operation);
  if (claim.user_id === operator.userId) {
    throw new ConfrereError(
      ErrorCode.FORBIDDEN,
      403,
      `${operation}: an operator cannot decide their own identity claim; another operator must`,
    );
  }
  if (claim.state !== "pending_review") throw notPending(operation, claim.state);
  return claim;
}

function notPending(operation: string, state: string): ConfrereError {
  return new ConfrereError(
    ErrorCode.CONFLICT,
    409,
    `${operation}: this claim is ${state.replace("_", " ")}, not waiting for a decision; reload the queue`,
  );
}

/**
 * Approves a claim: the account is linked to the professional (verified, method `review`), the
 * proof deleted, the user told. The claim is marked first, under a condition on its state, so
 * that two operators deciding at once cannot both win; if the link is refused (the professional
 * left the directory or another account took it meanwhile) the claim goes back to the queue and
 * the operator sees why, to reject it with that reason.
 */
export async function approveClaim(ctx: AppContext, operator: Actor, claimId: string): Promise<ReviewClaim> {
  const operation = "approveClaim";
  const claim = await decidable(ctx, operator, claimId, operation);
  const now = ctx.clock.now();
  // open_user_id stays set until the link is made: the user cannot open another claim meanwhile.
  const marked = await ctx.db
    .updateTable("identity_claims")
    .set({ state: "approved", decided_by: operator.userId, closed_at: now, updated_at: now })
    .where("id", "=", claim.id)
    .where("state", "=", "pending_review")
    .executeTakeFirst();
  if (Number(marked.numUpdatedRows) !== 1) throw notPending(operation, "already decided or withdrawn");
  try {
    await linkProfessional(ctx, claim.user_id, claim.national_id, {
      actorId: operator.userId,
      method: "review",
      ip: operator.ip,
      deviceId: operator.deviceId,
    });
  } catch (error) {
    await ctx.db
      .updateTable("identity_claims")
      .set({ state: "pending_review", decided_by: null, closed_at: null, updated_at: claim.updated_at })
      .where("id", "=", claim.id)
      .execute();
    throw error;
  }
  await ctx.db.transaction().execute(async (tx) => {
    await tx.updateTable("identity_claims").set({ open_user_id: null }).where("id", "=", claim.id).execute();
    await tx.deleteFrom("identity_claim_proofs").where("claim_id", "=", claim.id).execute();
  });
  await ctx.audit.record({
    action: "identity.claim_approved",
    actorId: operator.userId,
    targetType: "identity_claim",
    targetId: claim.id,
    ip: operator.ip,
    deviceId: operator.deviceId,
    detail: { userId: claim.user_id, nationalId: claim.national_id },
  });
  const email = await claimantEmail(ctx, claim.user_id);
  if (email) {
    await sendQuietly(ctx, claimApprovedMessage(email, `${ctx.config.publicUrl}/`), { claimId: claim.id });
  }
  return reviewClaim(ctx, claim.id, operation);
}

/** Rejects a claim with a reason the user reads in the e-mail; the proof is deleted. */
export async function rejectClaim(
  ctx: AppContext,
  operator: Actor,
  claimId: string,
  reason: string,
): Promise<ReviewClaim> {
  const operation = "rejectClaim";
  const text = reason.trim();
  if (text === "") {
    throw new ConfrereError(
      ErrorCode.VALIDATION_FAILED,
      400,
      `${operation}: give a reason the professional can act on (it is e-mailed to them)`,
      { location: "body", field: "reason" },
    );
  }
  const claim = await decidable(ctx, operator, claimId, operation);
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (tx) => {
    const closed = await tx
      .updateTable("identity_claims")
      .set({
        state: "rejected",
        open_user_id: null,
        rejection_reason: text,
        decided_by: operator.userId,
        closed_at: now,
        updated_at: now,
      })
      .where("id", "=", claim.id)
      .where("state", "=", "pending_review")
      .executeTakeFirst();
    if (Number(closed.numUpdatedRows) !== 1) throw notPending(operation, "already decided or withdrawn");
    await tx.deleteFrom("identity_claim_proofs").where("claim_id", "=", claim.id).execute();
  });
  // The reason is the operator's prose: it goes to the user, not into the audit trail.
  await ctx.audit.record({
    action: "identity.claim_rejected",
    actorId: operator.userId,
    targetType: "identity_claim",
    targetId: claim.id,
    ip: operator.ip,
    deviceId: operator.deviceId,
    detail: { userId: claim.user_id },
  });
  const email = await claimantEmail(ctx, claim.user_id);
  if (email) {
    await sendQuietly(ctx, claimRejectedMessage(email, text, `${ctx.config.publicUrl}/`), {
      claimId: claim.id,
    });
  }
  return reviewClaim(ctx, claim.id, operation);
}

async function claimantEmail(ctx: AppContext, userId: string): Promise<string | null> {
  const user = await ctx.db.selectFrom("users").select("email").where("id", "=", userId).executeTakeFirst();
  return user?.email ?? null;
}
