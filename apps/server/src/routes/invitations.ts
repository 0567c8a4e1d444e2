import {
  AcceptInvitationRequest,
  AcceptInvitationSignedInRequest,
  AccountResponse,
  BulkInvitationRequest,
  BulkInvitationResponse,
  BulkPreviewRequest,
  BulkPreviewResponse,
  CreateInvitationRequest,
  IdParams,
  InvitationLimits,
  InvitationListResponse,
  InvitationPreviewQuery,
  InvitationPreviewResponse,
  InvitationResponse,
  Ok,
  OrganisationInvitationsQuery,
  OrganisationInvitationsResponse,
  SentInvitationsQuery,
} from "@confrere/protocol";
import type { FastifyRequest } from "fastify";
import { loadAccount } from "../accounts/users.ts";
import { assertMayStartConversations } from "../billing/entitlements.ts";
import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";
import { authorize } from "../http/auth-guard.ts";
import { pageRequest } from "../http/cursor-page.ts";
import {
  acceptInvitation,
  acceptInvitationSignedIn,
  previewInvitation,
} from "../invitations/accept-invitation.ts";
import { createBulkInvitations, previewBulkInvitations } from "../invitations/bulk-invitations.ts";
import { type Caller, createInvitation } from "../invitations/create-invitation.ts";
import {
  listOrganisationInvitations,
  listSentInvitations,
  loadInvitation,
  ORGANISATION_INVITATIONS_LIST,
  SENT_INVITATIONS_LIST,
} from "../invitations/list-invitations.ts";
import { revokeInvitation } from "../invitations/revoke-invitation.ts";
import { requireOrganisationAdmin } from "../organisations/organisation-access.ts";
import { API, authRateLimit, errorResponses } from "./index.ts";

const security = [{ session: [] }];
const tags = ["invitations"];

/** The signed-in caller, for the checks and the audit trail. */
async function caller(ctx: AppContext, request: FastifyRequest): Promise<Caller> {
  const { user, session } = (await authorize(ctx, request, "user"))!;
  return { user, ip: request.ip, deviceId: session.device_id };
}

/** Invitations by e-mail: a colleague's, or an administrator's who vouches for a listed professional. */
export function invitationRoutes(app: App, ctx: AppContext): void {
  app.post(
    `${API}/invitations`,
    {
      schema: {
        summary:
          "Invite someone by e-mail: a colleague (verified professionals), or with organisationId a professional of the directory the organisation vouches for (its administrators)",
        tags,
        security,
        body: CreateInvitationRequest,
        response: { 200: InvitationResponse, 201: InvitationResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const who = await caller(ctx, request);
      // A lapsed subscription cannot invite colleagues; an administrator's invitation is the
      // organisation's act, not the professional's, and is not held back.
      if (request.body.organisationId === undefined)
        await assertMayStartConversations(ctx, who.user.id, "createInvitation");
      const { invitation, isNew } = await createInvitation(ctx, who, request.body);
      // 201 for a new invitation, 200 when an existing one is answered again (nothing was sent).
      return reply.status(isNew ? 201 : 200).send({ invitation: await loadInvitation(ctx, invitation) });
    },
  );

  app.get(
    `${API}/invitations/sent`,
    {
      schema: {
        summary: "The invitations I sent, newest first, a page at a time (limit, cursor → nextCursor)",
        tags,
        security,
        querystring: SentInvitationsQuery,
        response: { 200: InvitationListResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = await caller(ctx, request);
      const page = pageRequest(request.query, {
        list: SENT_INVITATIONS_LIST,
        defaultSize: InvitationLimits.defaultPageSize,
        maxSize: InvitationLimits.maxPageSize,
        operation: "listSentInvitations",
      });
      return listSentInvitations(ctx, user.id, page);
    },
  );

  app.delete(
    `${API}/invitations/:id`,
    {
      schema: {
        summary: "Withdraw an invitation (its inviter, or an administrator of its organisation)",
        tags,
        security,
        params: IdParams,
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (request) => {
      await revokeInvitation(ctx, await caller(ctx, request), request.params.id);
      return { ok: true as const };
    },
  );

  app.get(
    `${API}/invitations/preview`,
    {
      config: authRateLimit(ctx),
      schema: {
        summary:
          "Who invites, for which organisation, and whether the link still works (public, with the mailed token)",
        tags,
        querystring: InvitationPreviewQuery,
        response: { 200: InvitationPreviewResponse, ...errorResponses },
      },
    },
    async (request) => previewInvitation(ctx, request.query.token),
  );

  app.post(
    `${API}/invitations/accept`,
    {
      config: authRateLimit(ctx),
      schema: {
        summary:
          "Create the invited account (e-mail already proven by the link); log in next and set a second factor",
        tags,
        body: AcceptInvitationRequest,
        response: { 201: AccountResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const userId = await acceptInvitation(ctx, request.body, request.ip);
      return reply.status(201).send({ account: await loadAccount(ctx.db, userId) });
    },
  );

  app.post(
    `${API}/invitations/accept-signed-in`,
    {
      config: authRateLimit(ctx),
      schema: {
        summary:
          "Accept an invitation with the signed-in account of the invited address: a vouching invitation links it to the professional (if not yet verified) and makes it a member",
        tags,
        security,
        body: AcceptInvitationSignedInRequest,
        response: { 200: AccountResponse, ...errorResponses },
      },
    },
    async (request) => {
      const who = await caller(ctx, request);
      await acceptInvitationSignedIn(ctx, who, request.body.token);
      return { account: await loadAccount(ctx.db, who.user.id) };
    },
  );

  app.get(
    `${API}/organisations/:id/invitations`,
    {
      schema: {
        summary:
          "The organisation's invitations: counts by state and the newest ones, a page at a time (limit, cursor → nextCursor; its administrators)",
        tags,
        security,
        params: IdParams,
        querystring: OrganisationInvitationsQuery,
        response: { 200: OrganisationInvitationsResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = await caller(ctx, request);
      const organisation = await requireOrganisationAdmin(
        ctx,
        user.id,
        request.params.id,
        "listOrganisationInvitations",
      );
      const page = pageRequest(request.query, {
        list: ORGANISATION_INVITATIONS_LIST,
        defaultSize: InvitationLimits.defaultOrganisationPageSize,
        maxSize: InvitationLimits.maxOrganisationPageSize,
        operation: "listOrganisationInvitations",
      });
      return listOrganisationInvitations(ctx, organisation.id, {
        ...(request.query.state ? { state: request.query.state } : {}),
        page,
      });
    },
  );

  app.post(
    `${API}/organisations/:id/invitations/preview-bulk`,
    {
      schema: {
        summary:
          "Count and list the directory's professionals of these professions within the organisation who are not on Confrère (its administrators)",
        tags,
        security,
        params: IdParams,
        body: BulkPreviewRequest,
        response: { 200: BulkPreviewResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = await caller(ctx, request);
      const organisation = await requireOrganisationAdmin(
        ctx,
        user.id,
        request.params.id,
        "previewBulkInvitations",
      );
      return previewBulkInvitations(ctx, organisation, request.body);
    },
  );

  app.post(
    `${API}/organisations/:id/invitations/bulk`,
    {
      schema: {
        summary:
          "Invite up to 1,000 professionals of the directory the organisation vouches for, each line reported on its own (its administrators)",
        tags,
        security,
        params: IdParams,
        body: BulkInvitationRequest,
        response: { 200: BulkInvitationResponse, ...errorResponses },
      },
    },
    async (request) => {
      const who = await caller(ctx, request);
      const organisation = await requireOrganisationAdmin(ctx, who.user.id, request.params.id, "bulkInvite");
      return createBulkInvitations(ctx, who, organisation, request.body);
    },
  );
}
