import {
  DeleteAccountRequest,
  DeleteAccountResponse,
  DeleteUserParams,
  LegalHold,
  LegalHoldParams,
  LegalHoldsResponse,
  OrganisationRetentionParams,
  PersonalDataExport,
  PlaceLegalHoldRequest,
  RetentionHorizonsResponse,
  RetentionPolicy,
  SetRetentionPolicyRequest,
} from "@confrere/protocol";
import { Type } from "@sinclair/typebox";
import { liftLegalHold, listLegalHolds, placeLegalHold } from "../care/legal-holds.ts";
import { assertDeletionReauth, deleteAccount, exportPersonalData } from "../care/personal-data.ts";
import {
  myRetentionHorizons,
  organisationPolicy,
  RETENTION_BOUNDS,
  setOrganisationPolicy,
} from "../care/retention.ts";
import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";
import { authorize } from "../http/auth-guard.ts";
import { requireOrganisationAdmin } from "../organisations/organisation-access.ts";
import { API, errorResponses } from "./index.ts";

const security = [{ session: [] }];

/** Retention policies, legal holds and personal data rights. */
export function retentionRoutes(app: App, ctx: AppContext): void {
  async function policyOf(organisationId: string): Promise<RetentionPolicy> {
    const days = await organisationPolicy(ctx, organisationId);
    return {
      organisationId,
      days,
      effectiveDays: days ?? ctx.config.retentionDefaultDays,
      platformDefaultDays: ctx.config.retentionDefaultDays,
      minDays: RETENTION_BOUNDS.minDays,
      maxDays: RETENTION_BOUNDS.maxDays,
    };
  }

  app.get(
    `${API}/organisations/:organisationId/retention`,
    {
      schema: {
        summary: "How long the organisation's conversations stay on the server (its administrators)",
        tags: ["retention"],
        security,
        params: OrganisationRetentionParams,
        response: { 200: RetentionPolicy, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "user", "getRetentionPolicy"))!;
      await requireOrganisationAdmin(ctx, user.id, request.params.organisationId, "getRetentionPolicy");
      return policyOf(request.params.organisationId);
    },
  );

  app.put(
    `${API}/organisations/:organisationId/retention`,
    {
      schema: {
        summary: "Set the organisation's retention period in days (7 to 3650), or null for the default",
        tags: ["retention"],
        security,
        params: OrganisationRetentionParams,
        body: SetRetentionPolicyRequest,
        response: { 200: RetentionPolicy, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "user", "setRetentionPolicy"))!;
      await requireOrganisationAdmin(ctx, user.id, request.params.organisationId, "setRetentionPolicy");
      await setOrganisationPolicy(ctx, user.id, request.params.organisationId, request.body.days);
      return policyOf(request.params.organisationId);
    },
  );

  app.get(
    `${API}/me/retention`,
    {
      schema: {
        summary: "Each of my conversations' retention horizon: devices delete local copies up to it",
        tags: ["retention"],
        security,
        response: { 200: RetentionHorizonsResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "user", "retentionHorizons"))!;
      return { horizons: await myRetentionHorizons(ctx, user.id) };
    },
  );

  app.get(
    `${API}/admin/legal-holds`,
    {
      schema: {
        summary: "Conversations under a legal hold (operators)",
        tags: ["retention", "operators"],
        security,
        response: { 200: LegalHoldsResponse, ...errorResponses },
      },
    },
    async (request) => {
      await authorize(ctx, request, "operator", "listLegalHolds");
      return { holds: await listLegalHolds(ctx) };
    },
  );

  app.put(
    `${API}/admin/conversations/:conversationId/legal-hold`,
    {
      schema: {
        summary: "Suspend a conversation's expiry (operators); the reason is a code",
        tags: ["retention", "operators"],
        security,
        params: LegalHoldParams,
        body: PlaceLegalHoldRequest,
        response: { 200: LegalHold, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "operator", "placeLegalHold"))!;
      return placeLegalHold(ctx, user.id, request.params.conversationId, request.body.reason);
    },
  );

  app.delete(
    `${API}/admin/conversations/:conversationId/legal-hold`,
    {
      schema: {
        summary: "Lift a conversation's legal hold (operators): its expired content goes at the next purge",
        tags: ["retention", "operators"],
        security,
        params: LegalHoldParams,
        response: { 200: Type.Object({ status: Type.Literal("lifted") }), ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "operator", "liftLegalHold"))!;
      await liftLegalHold(ctx, user.id, request.params.conversationId);
      return { status: "lifted" as const };
    },
  );

  app.get(
    `${API}/me/data-export`,
    {
      schema: {
        summary: "Everything the server holds about me, as a JSON archive (RGPD art. 15 and 20)",
        tags: ["personal data"],
        security,
        response: { 200: PersonalDataExport, ...errorResponses },
      },
    },
    async (request, reply) => {
      // Enrolment access: an account without a second factor or a verified identity still has rights.
      const { user } = (await authorize(ctx, request, "enrolment", "exportPersonalData"))!;
      const archive = await exportPersonalData(ctx, user.id);
      void reply.header("cache-control", "no-store");
      return archive;
    },
  );

  app.delete(
    `${API}/me`,
    {
      schema: {
        summary: "Delete my account everywhere (password and second factor code asked again)",
        tags: ["personal data"],
        security,
        body: DeleteAccountRequest,
        response: { 200: DeleteAccountResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user, session } = (await authorize(ctx, request, "enrolment", "deleteAccount"))!;
      await assertDeletionReauth(ctx, user.id, request.body, request.ip);
      await deleteAccount(ctx, user.id, { actorId: user.id, ip: request.ip, deviceId: session.device_id });
      return { status: "deleted" as const };
    },
  );

  app.delete(
    `${API}/admin/users/:userId`,
    {
      schema: {
        summary: "Delete an account everywhere (operators, e.g. on a written RGPD request)",
        tags: ["personal data", "operators"],
        security,
        params: DeleteUserParams,
        response: { 200: DeleteAccountResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user, session } = (await authorize(ctx, request, "operator", "deleteUser"))!;
      await deleteAccount(ctx, request.params.userId, {
        actorId: user.id,
        ip: request.ip,
        deviceId: session.device_id,
      });
      return { status: "deleted" as const };
    },
  );
}
