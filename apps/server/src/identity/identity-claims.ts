import {
  ConfrereError,
  type CreateClaimRequest,
  ErrorCode,
  type IdentityClaim,
  PROOF_MAX_BYTES,
  type ProofContentType,
} from "@confrere/protocol";
import { newId } from "../accounts/tokens.ts";
import type { AppContext } from "../context.ts";
import type { IdentityClaimProofsTable, IdentityClaimsTable } from "../db/schema-identity-claims.ts";
import { claimAwaitingReviewMessage } from "../mail/identity-claim-templates.ts";
import type { MailMessage } from "../mail/mailer.ts";
import { parseClaimIdentifier } from "./claim-identifier.ts";
import { hasProofSignature } from "./claim-proof.ts";
import { nameKey, namesMatch } from "./name-match.ts";
import { findProfessional } from "./professional-link.ts";

/**
 * The directory-match road to a verified identity, as its author walks it: claim a directory
 * entry by number and name, upload a proof (stored encrypted), follow the claim, or withdraw it.
 * Operators decide in claim-review.ts; the link itself is made by professional-link.ts.
 */

/** Who acts, as the audit trail records it. */
export interface Actor {
  userId: string;
  deviceId: string | null;
  ip: string | null;
}

export type ClaimRow = IdentityClaimsTable;
export type ProofInfoRow = Pick<
  IdentityClaimProofsTable,
  "claim_id" | "content_type" | "size" | "uploaded_at"
>;

/** The states in which a claim is open: its author may replace the proof or withdraw it. */
export const OPEN_STATES = ["awaiting_proof", "pending_review"] as const;

export function isOpen(state: ClaimRow["state"]): boolean {
  return (OPEN_STATES as readonly string[]).includes(state);
}

export function claimNotFound(operation: string): ConfrereError {
  return new ConfrereError(ErrorCode.CLAIM_NOT_FOUND, 404, `${operation}: no such identity claim`);
}

export function toIdentityClaim(row: ClaimRow, proof: ProofInfoRow | undefined): IdentityClaim {
  return {
    id: row.id,
    state: row.state,
    nationalId: row.national_id,
    idType: row.id_type,
    lastName: row.typed_last_name,
    firstName: row.typed_first_name,
    proof: proof
      ? { contentType: proof.content_type, size: Number(proof.size), uploadedAt: Number(proof.uploaded_at) }
      : null,
    createdAt: Number(row.created_at),
    submittedAt: row.submitted_at === null ? null : Number(row.submitted_at),
    closedAt: row.closed_at === null ? null : Number(row.closed_at),
    rejectionReason: row.rejection_reason,
  };
}

/** The proof's description (never its bytes). */
export async function proofInfo(ctx: AppContext, claimId: string): Promise<ProofInfoRow | undefined> {
  return ctx.db
    .selectFrom("identity_claim_proofs")
    .select(["claim_id", "content_type", "size", "uploaded_at"])
    .where("claim_id", "=", claimId)
    .executeTakeFirst();
}

async function ownClaim(ctx: AppContext, userId: string, claimId: string, operation: string) {
  const row = await ctx.db
    .selectFrom("identity_claims")
    .selectAll()
    .where("id", "=", claimId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  // Another account's claim is answered as missing: its existence is none of the caller's business.
  if (!row) throw claimNotFound(operation);
  return row;
}

/** `what`: the claim's state in words ("approved", "decided or withdrawn"). */
function notOpen(operation: string, what: string): ConfrereError {
  return new ConfrereError(
    ErrorCode.CONFLICT,
    409,
    `${operation}: this claim is already ${what} and can no longer change; make a new claim if you need to`,
  );
}

/**
 * Opens a claim on a directory entry. The number's check digit, the entry (present, active, not
 * another account's) and the names are verified now, so that an operator only ever reviews
 * plausible claims. A name mismatch never says how the directory spells the name.
 */
export async function createClaim(
  ctx: AppContext,
  actor: Actor,
  input: CreateClaimRequest,
): Promise<IdentityClaim> {
  const operation = "createClaim";
  const user = await ctx.db
    .selectFrom("users")
    .select(["identity_verified_at"])
    .where("id", "=", actor.userId)
    .executeTakeFirstOrThrow();
  if (user.identity_verified_at !== null) {
    throw new ConfrereError(
      ErrorCode.IDENTITY_ALREADY_VERIFIED,
      409,
      `${operation}: your professional identity is already verified; there is nothing to claim`,
    );
  }
  const open = await ctx.db
    .selectFrom("identity_claims")
    .select("id")
    .where("open_user_id", "=", actor.userId)
    .executeTakeFirst();
  if (open) throw alreadyOpen(operation);

  const identifier = parseClaimIdentifier(input.identifier);
  if (!identifier.ok) throw new ConfrereError(identifier.code, 400, identifier.message);
  for (const field of ["lastName", "firstName"] as const) {
    if (nameKey(input[field]) === "") {
      throw new ConfrereError(
        ErrorCode.VALIDATION_FAILED,
        400,
        `${operation}: ${field} has no letter; type it as on your CPS card or professional card`,
        { location: "body", field },
      );
    }
  }

  const professional = await findProfessional(ctx, identifier.nationalId);
  if (!professional) {
    throw new ConfrereError(
      ErrorCode.PROFESSIONAL_NOT_IN_DIRECTORY,
      404,
      `${operation}: this number is not in the professional directory (Annuaire Santé); check it, or try again in a few days if you were registered recently`,
    );
  }
  if (!professional.isActive) {
    throw new ConfrereError(
      ErrorCode.PROFESSIONAL_INACTIVE,
      409,
      `${operation}: the directory lists this professional as no longer practising; if that is wrong, have your registration updated with your order or ARS first`,
    );
  }
  if (!namesMatch(input, professional)) {
    throw new ConfrereError(
      ErrorCode.CLAIM_NAME_MISMATCH,
      422,
      `${operation}: the names do not match the directory entry of this number; check the number, and type your last name and first name as on your CPS card or professional card`,
    );
  }
  const holder = await ctx.db
    .selectFrom("users")
    .select("id")
    .where("national_id", "=", identifier.nationalId)
    .where("id", "!=", actor.userId)
    .executeTakeFirst();
  if (holder) {
    throw new ConfrereError(
      ErrorCode.PROFESSIONAL_ALREADY_LINKED,
      409,
      `${operation}: another Confrère account already belongs to this professional; if it is not yours, contact the operators`,
    );
  }

  const last = await ctx.db
    .selectFrom("identity_claims")
    .select((eb) => eb.fn.max("attempt").as("attempt"))
    .where("user_id", "=", actor.userId)
    .executeTakeFirst();
  const now = ctx.clock.now();
  const row: ClaimRow = {
    id: newId(),
    user_id: actor.userId,
    attempt: Number(last?.attempt ?? 0) + 1,
    open_user_id: actor.userId,
    national_id: identifier.nationalId,
    id_type: identifier.idType,
    typed_last_name: input.lastName.trim(),
    typed_first_name: input.firstName.trim(),
    state: "awaiting_proof",
    rejection_reason: null,
    decided_by: null,
    created_at: now,
    submitted_at: null,
    closed_at: null,
    updated_at: now,
  };
  try {
    await ctx.db.insertInto("identity_claims").values(row).execute();
  } catch (error) {
    // The unique open_user_id (or attempt): the same account opened a claim in a parallel request.
    const raced = await ctx.db
      .selectFrom("identity_claims")
      .select("id")
      .where("open_user_id", "=", actor.userId)
      .executeTakeFirst();
    if (raced) throw alreadyOpen(operation);
    throw error;
  }
  await ctx.audit.record({
    action: "identity.claim_submitted",
    actorId: actor.userId,
    targetType: "identity_claim",
    targetId: row.id,
    ip: actor.ip,
    deviceId: actor.deviceId,
    detail: { nationalId: row.national_id },
  });
  return toIdentityClaim(row, undefined);
}

function alreadyOpen(operation: string): ConfrereError {
  return new ConfrereError(
    ErrorCode.CONFLICT,
    409,
    `${operation}: you already have an identity claim under way; upload its proof, or withdraw it before making another`,
  );
}

/** Reads a streamed body whole, refusing it as soon as it passes the proof limit. */
async function readProofBody(body: AsyncIterable<Uint8Array>, operation: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > PROOF_MAX_BYTES) throw proofTooLarge(operation);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function proofTooLarge(operation: string): ConfrereError {
  return new ConfrereError(
    ErrorCode.PROOF_TOO_LARGE,
    413,
    `${operation}: the file is larger than ${PROOF_MAX_BYTES / 1024 / 1024} MiB; send a smaller photo or scan`,
  );
}

/**
 * Stores the proof of an open claim, encrypted at rest (AES-256-GCM under the server secret, bound
 * to the claim id), and puts the claim in the review queue; a second upload replaces the first
 * while no operator has decided. The first entry into the queue tells the operators by e-mail.
 */
export async function uploadProof(
  ctx: AppContext,
  actor: Actor,
  claimId: string,
  contentType: ProofContentType,
  body: AsyncIterable<Uint8Array>,
): Promise<IdentityClaim> {
  const operation = "uploadProof";
  const claim = await ownClaim(ctx, actor.userId, claimId, operation);
  if (!isOpen(claim.state)) throw notOpen(operation, claim.state);
  // Read only once the claim is known to take a proof: nobody else's upload is ever buffered.
  const bytes = await readProofBody(body, operation);
  if (bytes.length === 0) {
    throw new ConfrereError(ErrorCode.PROOF_TYPE_UNSUPPORTED, 415, `${operation}: the file is empty`);
  }
  if (!hasProofSignature(contentType, bytes)) {
    throw new ConfrereError(
      ErrorCode.PROOF_TYPE_UNSUPPORTED,
      415,
      `${operation}: the file is not a ${contentType} file as its Content-Type says; send a JPEG or PNG photo, or a PDF scan`,
    );
  }
  const sealed = ctx.secretBox.sealBytes(bytes, claim.id);
  const now = ctx.clock.now();
  const isFirstSubmission = claim.submitted_at === null;
  const proof: IdentityClaimProofsTable = {
    claim_id: claim.id,
    content_type: contentType,
    size: bytes.length,
    sealed,
    uploaded_at: now,
  };
  await ctx.db.transaction().execute(async (tx) => {
    const moved = await tx
      .updateTable("identity_claims")
      .set({ state: "pending_review", submitted_at: claim.submitted_at ?? now, updated_at: now })
      .where("id", "=", claim.id)
      .where("state", "in", OPEN_STATES)
      .executeTakeFirst();
    // An operator decided, or the user withdrew, since the claim was read.
    if (Number(moved.numUpdatedRows) !== 1) throw notOpen(operation, "decided or withdrawn");
    await tx
      .insertInto("identity_claim_proofs")
      .values(proof)
      .onConflict((oc) =>
        oc.column("claim_id").doUpdateSet({
          content_type: contentType,
          size: bytes.length,
          sealed,
          uploaded_at: now,
        }),
      )
      .execute();
  });
  await ctx.audit.record({
    action: "identity.proof_uploaded",
    actorId: actor.userId,
    targetType: "identity_claim",
    targetId: claim.id,
    ip: actor.ip,
    deviceId: actor.deviceId,
    detail: { contentType, size: bytes.length, replaced: !isFirstSubmission },
  });
  if (isFirstSubmission) await tellOperators(ctx, actor.userId);
  return toIdentityClaim(
    { ...claim, state: "pending_review", submitted_at: claim.submitted_at ?? now, updated_at: now },
    proof,
  );
}

/** One e-mail per operator (but the claimant): a claim entered the queue. No name, no number. */
async function tellOperators(ctx: AppContext, claimantId: string): Promise<void> {
  const operators = await ctx.db
    .selectFrom("users")
    .select(["id", "email"])
    .where("role", "=", "operator")
    .where("suspended_at", "is", null)
    .where("id", "!=", claimantId)
    .execute();
  for (const operator of operators) {
    await sendQuietly(ctx, claimAwaitingReviewMessage(operator.email, `${ctx.config.publicUrl}/`), {
      operatorId: operator.id,
    });
  }
}

/**
 * Sends an e-mail after the change it reports was committed: a mail server that fails must not
 * turn a done decision into an error the operator would retry. The log names ids only.
 */
export async function sendQuietly(
  ctx: AppContext,
  message: MailMessage,
  ids: Record<string, string>,
): Promise<void> {
  try {
    await ctx.mailer.send(message);
  } catch (error) {
    ctx.logger.warn(
      { ...ids, code: (error as { code?: unknown }).code ?? null },
      "identity claim e-mail not sent",
    );
  }
}

/** The account's latest claim (open or not), or null if it never made one. */
export async function latestClaim(ctx: AppContext, userId: string): Promise<IdentityClaim | null> {
  const row = await ctx.db
    .selectFrom("identity_claims")
    .selectAll()
    .where("user_id", "=", userId)
    .orderBy("attempt", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!row) return null;
  return toIdentityClaim(row, await proofInfo(ctx, row.id));
}

/** The author gives up an open claim; its proof is deleted at once. */
export async function withdrawClaim(ctx: AppContext, actor: Actor, claimId: string): Promise<IdentityClaim> {
  const operation = "withdrawClaim";
  const claim = await ownClaim(ctx, actor.userId, claimId, operation);
  if (!isOpen(claim.state)) throw notOpen(operation, claim.state);
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (tx) => {
    const closed = await tx
      .updateTable("identity_claims")
      .set({ state: "withdrawn", open_user_id: null, closed_at: now, updated_at: now })
      .where("id", "=", claim.id)
      .where("state", "in", OPEN_STATES)
      .executeTakeFirst();
    if (Number(closed.numUpdatedRows) !== 1) throw notOpen(operation, "decided or withdrawn");
    await tx.deleteFrom("identity_claim_proofs").where("claim_id", "=", claim.id).execute();
  });
  await ctx.audit.record({
    action: "identity.claim_withdrawn",
    actorId: actor.userId,
    targetType: "identity_claim",
    targetId: claim.id,
    ip: actor.ip,
    deviceId: actor.deviceId,
  });
  return toIdentityClaim(
    { ...claim, state: "withdrawn", open_user_id: null, closed_at: now, updated_at: now },
    undefined,
  );
}
