import {
  type BulkCandidate,
  type BulkInvitationRequest,
  type BulkInvitationResponse,
  type BulkLineResult,
  type BulkPreviewRequest,
  type BulkPreviewResponse,
  ConfrereError,
  checkNationalId,
  ErrorCode,
  InvitationLimits,
  normaliseCommuneCode,
} from "@confrere/protocol";
import { normalizeEmail } from "../accounts/users.ts";
import type { AppContext } from "../context.ts";
import type { OrganisationRow } from "../organisations/organisation-access.ts";
import type { Caller } from "./create-invitation.ts";
import { isEmailAddress } from "./invitation-rules.ts";
import { issueInvitation, senderOf } from "./issue-invitation.ts";
import { type OrganisationScope, organisationScope, practiceInScope } from "./organisation-scope.ts";
import { assessVouching } from "./vouching.ts";

const CHUNK = 500;

interface CandidateFilter {
  scope: OrganisationScope;
  professions: string[];
  specialties: string[];
  communes: string[];
}

/** Distinct codes, communes normalised; a commune that is not an INSEE code refuses the request. */
function candidateFilter(scope: OrganisationScope, request: BulkPreviewRequest): CandidateFilter {
  const communes = new Set<string>();
  for (const input of request.communes ?? []) {
    const code = normaliseCommuneCode(input);
    if (code === null) {
      throw new ConfrereError(
        ErrorCode.COMMUNE_CODE_INVALID,
        400,
        `previewBulkInvitations: "${input}" is not an INSEE commune code (5 characters, e.g. 89024 or 2A004)`,
      );
    }
    communes.add(code);
  }
  return {
    scope,
    professions: [...new Set(request.professions)],
    specialties: [...new Set((request.specialties ?? []).map((s) => s.toUpperCase()))],
    communes: [...communes],
  };
}

/**
 * Active professionals of the directory with a practice of one of the professions inside the
 * organisation's scope (and the communes asked for), with one of the specialties if some are
 * asked for, and no Confrère account yet.
 */
function candidates(ctx: AppContext, filter: CandidateFilter) {
  return ctx.db
    .selectFrom("directory_professionals as p")
    .where("p.is_active", "=", 1)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom("directory_practice_situations as s")
          .leftJoin("directory_establishments as e", "e.id", "s.establishment_id")
          .select("s.id")
          .whereRef("s.professional_id", "=", "p.id")
          .where("s.profession_code", "in", filter.professions)
          .where(practiceInScope(filter.scope))
          .$if(filter.communes.length > 0, (q) => q.where("e.commune_code", "in", filter.communes)),
      ),
    )
    .$if(filter.specialties.length > 0, (q) =>
      q.where((eb) =>
        eb.exists(
          eb
            .selectFrom("directory_specialties as sp")
            .select("sp.code")
            .whereRef("sp.professional_id", "=", "p.id")
            .where("sp.code", "in", filter.specialties),
        ),
      ),
    )
    .where((eb) =>
      eb.not(
        eb.exists(eb.selectFrom("users as u").select("u.id").whereRef("u.national_id", "=", "p.national_id")),
      ),
    );
}

/**
 * `POST /api/v1/organisations/:id/invitations/preview-bulk`: how many professionals a bulk
 * invitation could reach, and who (by name, at most 1,000), each with the first commune where they
 * practise inside the scope and whether the organisation already invited them.
 */
export async function previewBulkInvitations(
  ctx: AppContext,
  organisation: OrganisationRow,
  request: BulkPreviewRequest,
): Promise<BulkPreviewResponse> {
  const filter = candidateFilter(await organisationScope(ctx, organisation), request);
  const counted = await candidates(ctx, filter)
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .executeTakeFirstOrThrow();
  const count = Number(counted.n);
  const rows = await candidates(ctx, filter)
    .select([
      "p.id",
      "p.national_id",
      "p.last_name",
      "p.first_name",
      "p.profession_code",
      "p.profession_label",
    ])
    .orderBy("p.last_name_key")
    .orderBy("p.first_name_key")
    .orderBy("p.national_id")
    .limit(InvitationLimits.maxBulkPreviewList)
    .execute();

  const communes = new Map<number, { code: string; label: string | null }>();
  const invited = new Set<string>();
  const now = ctx.clock.now();
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const places = await ctx.db
      .selectFrom("directory_practice_situations as s")
      .innerJoin("directory_establishments as e", "e.id", "s.establishment_id")
      .select(["s.professional_id", "e.commune_code", "e.commune_label"])
      .where(
        "s.professional_id",
        "in",
        chunk.map((r) => Number(r.id)),
      )
      .where("s.profession_code", "in", filter.professions)
      .where("e.commune_code", "is not", null)
      .where(practiceInScope(filter.scope))
      .$if(filter.communes.length > 0, (q) => q.where("e.commune_code", "in", filter.communes))
      .orderBy("e.commune_label")
      .orderBy("e.commune_code")
      .execute();
    for (const place of places) {
      const id = Number(place.professional_id);
      if (!communes.has(id) && place.commune_code !== null) {
        communes.set(id, { code: place.commune_code, label: place.commune_label });
      }
    }
    for (const row of await ctx.db
      .selectFrom("invitations")
      .select("national_id")
      .where("organisation_id", "=", organisation.id)
      .where(
        "national_id",
        "in",
        chunk.map((r) => r.national_id),
      )
      .where("accepted_at", "is", null)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      .execute()) {
      if (row.national_id) invited.add(row.national_id);
    }
  }

  const professionals: BulkCandidate[] = rows.map((row) => ({
    nationalId: row.national_id,
    lastName: row.last_name,
    firstName: row.first_name,
    profession: row.profession_code ? { code: row.profession_code, label: row.profession_label } : null,
    commune: communes.get(Number(row.id)) ?? null,
    isInvited: invited.has(row.national_id),
  }));
  return { count, professionals, isPartial: count > professionals.length };
}

/**
 * `POST /api/v1/organisations/:id/invitations/bulk`: one vouching invitation per line whose
 * professional the organisation may vouch for (see vouching.ts) and whose address is well-formed.
 * Each line is judged on its own and reported (created, skipped or rejected with a code); a bad
 * line never stops the good ones. A national id given twice is invited once.
 */
export async function createBulkInvitations(
  ctx: AppContext,
  caller: Caller,
  organisation: OrganisationRow,
  request: BulkInvitationRequest,
): Promise<BulkInvitationResponse> {
  const operation = "bulkInvite";
  const checked = request.invitations.map((line, index) => {
    const nationalId = checkNationalId(line.nationalId);
    const email = normalizeEmail(line.email);
    return { index, raw: line.nationalId, nationalId, email };
  });
  const wellFormed = checked.flatMap((line) => (line.nationalId.ok ? [line.nationalId.value] : []));
  const verdicts = await assessVouching(
    ctx,
    organisation.id,
    await organisationScope(ctx, organisation),
    wellFormed,
    operation,
  );
  const sender = await senderOf(ctx, caller.user.id, organisation.id);
  const invitedNow = new Set<string>();
  const lines: BulkLineResult[] = [];
  const line = (
    index: number,
    nationalId: string,
    outcome: BulkLineResult["outcome"],
    code: string | null,
    invitationId: string | null = null,
  ) => lines.push({ index, nationalId, outcome, code, invitationId });

  for (const { index, raw, nationalId, email } of checked) {
    if (!nationalId.ok) {
      line(index, raw, "rejected", nationalId.code);
      continue;
    }
    if (!isEmailAddress(email)) {
      line(index, nationalId.value, "rejected", ErrorCode.INVITATION_EMAIL_INVALID);
      continue;
    }
    if (invitedNow.has(nationalId.value)) {
      line(index, nationalId.value, "skipped", ErrorCode.INVITATION_ALREADY_PENDING);
      continue;
    }
    const refusal = verdicts.get(nationalId.value);
    if (refusal) {
      line(index, nationalId.value, refusal.outcome, refusal.code);
      continue;
    }
    const invitation = await issueInvitation(
      ctx,
      {
        inviterId: caller.user.id,
        email,
        nationalId: nationalId.value,
        organisationId: organisation.id,
        note: request.note ?? null,
      },
      sender,
    );
    invitedNow.add(nationalId.value);
    line(index, nationalId.value, "created", null, invitation.id);
  }

  const tally = (outcome: BulkLineResult["outcome"]) => lines.filter((l) => l.outcome === outcome).length;
  const summary = { created: tally("created"), skipped: tally("skipped"), rejected: tally("rejected") };
  // One event for the batch: each invitation is its own row; 1,000 chained events would add nothing.
  await ctx.audit.record({
    action: "invitation.bulk_created",
    actorId: caller.user.id,
    targetType: "organisation",
    targetId: organisation.id,
    ip: caller.ip,
    deviceId: caller.deviceId,
    detail: { lines: lines.length, ...summary },
  });
  return { ...summary, lines };
}
