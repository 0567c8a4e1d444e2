import {
  AddOrganisationMemberRequest,
  AddRosterMemberRequest,
  AdminOrganisationListQuery,
  AdminOrganisationListResponse,
  ConfrereError,
  CreateOrganisationRequest,
  CreateServiceRequest,
  ErrorCode,
  MyOrganisationsResponse,
  Ok,
  OrganisationAdminRequest,
  OrganisationDetailResponse,
  OrganisationIdParams,
  OrganisationLimits,
  OrganisationMemberResponse,
  OrganisationMembersQuery,
  OrganisationMembersResponse,
  OrganisationResponse,
  OrganisationServicesResponse,
  OrganisationStatsResponse,
  OrganisationUserParams,
  RemoveAdminQuery,
  SERVICE_SEARCH_DEFAULT_LIMIT,
  SERVICE_SEARCH_MAX_LIMIT,
  ServiceIdParams,
  ServiceResponse,
  ServiceRosterResponse,
  ServiceSearchQuery,
  ServiceSearchResponse,
  ServiceUserParams,
  SetRosterRequest,
  UpdateOrganisationRequest,
  UpdateServiceRequest,
} from "@confrere/protocol";
import type { FastifyRequest } from "fastify";
import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";
import { authorize } from "../http/auth-guard.ts";
import {
  organisationRole,
  requireOrganisation,
  requireOrganisationAdmin,
} from "../organisations/organisation-access.ts";
import {
  addOrganisationAdmin,
  addOrganisationMember,
  listOrganisationMembers,
  removeOrganisationAdmin,
  removeOrganisationMember,
} from "../organisations/organisation-members.ts";
import { organisationStats } from "../organisations/organisation-stats.ts";
import {
  type AuditSource,
  createOrganisation,
  listOrganisations,
  loadOrganisation,
  myOrganisations,
  updateOrganisation,
} from "../organisations/organisations.ts";
import { searchServices } from "../organisations/service-search.ts";
import {
  changeRoster,
  createService,
  deleteService,
  listServices,
  loadService,
  renameService,
  requireService,
  rosterOf,
  serviceSummary,
} from "../organisations/services.ts";
import { API, errorResponses } from "./index.ts";

const security = [{ session: [] }];

/** A number from a digits-only query parameter, clamped to [1, max]. */
function pageSize(value: string | undefined, fallback: number, max: number): number {
  return Math.min(max, Math.max(1, value === undefined ? fallback : Number(value)));
}

/** Establishments, services and rosters, territories and their members. */
export function organisationRoutes(app: App, ctx: AppContext): void {
  /** The caller (a full session), as the audit trail records them. */
  async function caller(request: FastifyRequest, access: "user" | "operator") {
    const { user, session } = (await authorize(ctx, request, access))!;
    const by: AuditSource = { actorId: user.id, ip: request.ip, deviceId: session.device_id };
    return { user, by };
  }

  /** An organisation's administrator (or an operator) on this organisation. */
  async function administrator(request: FastifyRequest, organisationId: string, operation: string) {
    const { user, by } = await caller(request, "user");
    const organisation = await requireOrganisationAdmin(ctx, user.id, organisationId, operation);
    return { user, by, organisation };
  }

  /** A service, and its establishment's administrator (or an operator) as the caller. */
  async function serviceAdministrator(request: FastifyRequest, serviceId: string, operation: string) {
    const { user, by } = await caller(request, "user");
    const service = await requireService(ctx, serviceId, operation);
    await requireOrganisationAdmin(ctx, user.id, service.organisation_id, operation);
    return { by, service };
  }

  // Operators ------------------------------------------------------------------------------------

  app.post(
    `${API}/admin/organisations`,
    {
      schema: {
        summary: "Create an establishment (from a FINESS) or a territory (operators)",
        tags: ["organisations"],
        security,
        body: CreateOrganisationRequest,
        response: { 201: OrganisationResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { by } = await caller(request, "operator");
      const row = await createOrganisation(ctx, request.body, by);
      return reply.code(201).send({ organisation: await loadOrganisation(ctx, row) });
    },
  );

  app.get(
    `${API}/admin/organisations`,
    {
      schema: {
        summary: "List organisations with their counts of admins, members and services (operators)",
        tags: ["organisations"],
        security,
        querystring: AdminOrganisationListQuery,
        response: { 200: AdminOrganisationListResponse, ...errorResponses },
      },
    },
    async (request) => {
      await caller(request, "operator");
      const { kind, q, limit } = request.query;
      return { organisations: await listOrganisations(ctx, { kind, q, limit: pageSize(limit, 50, 200) }) };
    },
  );

  app.patch(
    `${API}/admin/organisations/:id`,
    {
      schema: {
        summary: "Rename an organisation; set a territory's sponsorship or perimeter (operators)",
        tags: ["organisations"],
        security,
        params: OrganisationIdParams,
        body: UpdateOrganisationRequest,
        response: { 200: OrganisationResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { by } = await caller(request, "operator");
      const organisation = await requireOrganisation(ctx, request.params.id, "updateOrganisation");
      const row = await updateOrganisation(ctx, organisation, request.body, by);
      return { organisation: await loadOrganisation(ctx, row) };
    },
  );

  app.post(
    `${API}/admin/organisations/:id/admins`,
    {
      schema: {
        summary: "Make someone an administrator of an organisation (operators)",
        tags: ["organisations"],
        security,
        params: OrganisationIdParams,
        body: OrganisationAdminRequest,
        response: { 200: OrganisationMemberResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { by } = await caller(request, "operator");
      const organisation = await requireOrganisation(ctx, request.params.id, "addAdmin");
      return { member: await addOrganisationAdmin(ctx, organisation, request.body.userId, by) };
    },
  );

  app.delete(
    `${API}/admin/organisations/:id/admins/:userId`,
    {
      schema: {
        summary:
          "Take the administrator role away; the person stays a member. The last one only with allowNoAdmin=true (operators)",
        tags: ["organisations"],
        security,
        params: OrganisationUserParams,
        querystring: RemoveAdminQuery,
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (request) => {
      const { by } = await caller(request, "operator");
      const organisation = await requireOrganisation(ctx, request.params.id, "removeAdmin");
      await removeOrganisationAdmin(ctx, organisation, request.params.userId, {
        allowNoAdmin: request.query.allowNoAdmin === "true",
        by,
      });
      return { ok: true as const };
    },
  );

  // Administrators and members -------------------------------------------------------------------

  app.get(
    `${API}/organisations/mine`,
    {
      schema: {
        summary: "The organisations I administer or belong to",
        tags: ["organisations"],
        security,
        response: { 200: MyOrganisationsResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = await caller(request, "user");
      return { organisations: await myOrganisations(ctx, user.id) };
    },
  );

  app.get(
    `${API}/organisations/:id`,
    {
      schema: {
        summary: "An organisation and my role in it (its administrators, members and operators)",
        tags: ["organisations"],
        security,
        params: OrganisationIdParams,
        response: { 200: OrganisationDetailResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = await caller(request, "user");
      const organisation = await requireOrganisation(ctx, request.params.id, "getOrganisation");
      const role = await organisationRole(ctx, user.id, organisation.id);
      if (role === null && user.role !== "operator") {
        throw new ConfrereError(
          ErrorCode.FORBIDDEN,
          403,
          "getOrganisation: only the organisation's administrators, its members and operators see it",
        );
      }
      return {
        organisation: await loadOrganisation(ctx, organisation),
        myRole: role ?? ("operator" as const),
      };
    },
  );

  app.get(
    `${API}/organisations/:id/members`,
    {
      schema: {
        summary: "The organisation's administrators and members, by user id (its administrators)",
        tags: ["organisations"],
        security,
        params: OrganisationIdParams,
        querystring: OrganisationMembersQuery,
        response: { 200: OrganisationMembersResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { organisation } = await administrator(request, request.params.id, "listMembers");
      return listOrganisationMembers(ctx, organisation.id, {
        after: request.query.after,
        limit: pageSize(request.query.limit, 200, OrganisationLimits.maxPageSize),
      });
    },
  );

  app.post(
    `${API}/organisations/:id/members`,
    {
      schema: {
        summary:
          "Add a verified professional as a member; a territory's must practise in its perimeter (its administrators)",
        tags: ["organisations"],
        security,
        params: OrganisationIdParams,
        body: AddOrganisationMemberRequest,
        response: { 200: OrganisationMemberResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user, by, organisation } = await administrator(request, request.params.id, "addMember");
      const { userId, overridePerimeter } = request.body;
      if (overridePerimeter && user.role !== "operator") {
        throw new ConfrereError(
          ErrorCode.OPERATOR_ONLY,
          403,
          "addMember: only an operator may add a member from outside the territory's perimeter",
        );
      }
      return {
        member: await addOrganisationMember(ctx, organisation, userId, {
          overridePerimeter: overridePerimeter === true,
          by,
        }),
      };
    },
  );

  app.delete(
    `${API}/organisations/:id/members/:userId`,
    {
      schema: {
        summary: "Remove a member, and take them off the services' rosters (its administrators)",
        tags: ["organisations"],
        security,
        params: OrganisationUserParams,
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (request) => {
      const { by, organisation } = await administrator(request, request.params.id, "removeMember");
      await removeOrganisationMember(ctx, organisation, request.params.userId, by);
      return { ok: true as const };
    },
  );

  app.get(
    `${API}/organisations/:id/stats`,
    {
      schema: {
        summary: "Aggregate counts of members and services, nothing about messages (its administrators)",
        tags: ["organisations"],
        security,
        params: OrganisationIdParams,
        response: { 200: OrganisationStatsResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { organisation } = await administrator(request, request.params.id, "organisationStats");
      return organisationStats(ctx, organisation);
    },
  );

  // Services and rosters -------------------------------------------------------------------------

  app.get(
    `${API}/organisations/:id/services`,
    {
      schema: {
        summary:
          "An establishment's services with their roster sizes (its administrators, members and operators)",
        tags: ["organisations"],
        security,
        params: OrganisationIdParams,
        response: { 200: OrganisationServicesResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = await caller(request, "user");
      const organisation = await requireOrganisation(ctx, request.params.id, "listServices");
      if (user.role !== "operator" && (await organisationRole(ctx, user.id, organisation.id)) === null) {
        throw new ConfrereError(
          ErrorCode.FORBIDDEN,
          403,
          "listServices: only the establishment's administrators, its members and operators list its services; others search them",
        );
      }
      return { services: await listServices(ctx, organisation.id) };
    },
  );

  app.post(
    `${API}/organisations/:id/services`,
    {
      schema: {
        summary: "Create a service of an establishment (its administrators)",
        tags: ["organisations"],
        security,
        params: OrganisationIdParams,
        body: CreateServiceRequest,
        response: { 201: ServiceResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { by, organisation } = await administrator(request, request.params.id, "createService");
      const service = await createService(ctx, organisation, request.body.name, by);
      return reply.code(201).send({ service: await loadService(ctx, service) });
    },
  );

  app.patch(
    `${API}/services/:serviceId`,
    {
      schema: {
        summary: "Rename a service (its establishment's administrators)",
        tags: ["organisations"],
        security,
        params: ServiceIdParams,
        body: UpdateServiceRequest,
        response: { 200: ServiceResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { by, service } = await serviceAdministrator(request, request.params.serviceId, "updateService");
      return { service: await loadService(ctx, await renameService(ctx, service, request.body.name, by)) };
    },
  );

  app.delete(
    `${API}/services/:serviceId`,
    {
      schema: {
        summary:
          "Delete a service and its roster; the staff stay members (its establishment's administrators)",
        tags: ["organisations"],
        security,
        params: ServiceIdParams,
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (request) => {
      const { by, service } = await serviceAdministrator(request, request.params.serviceId, "deleteService");
      await deleteService(ctx, service, by);
      return { ok: true as const };
    },
  );

  app.put(
    `${API}/services/:serviceId/roster`,
    {
      schema: {
        summary:
          "Replace a service's roster; staff must be verified and become members (its establishment's administrators)",
        tags: ["organisations"],
        security,
        params: ServiceIdParams,
        body: SetRosterRequest,
        response: { 200: ServiceRosterResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { by, service } = await serviceAdministrator(request, request.params.serviceId, "setRoster");
      await changeRoster(ctx, service, { replaceWith: request.body.userIds }, by);
      return { service: await serviceSummary(ctx, service), roster: await rosterOf(ctx, service.id) };
    },
  );

  app.post(
    `${API}/services/:serviceId/roster`,
    {
      schema: {
        summary: "Add one person to a service's roster (its establishment's administrators)",
        tags: ["organisations"],
        security,
        params: ServiceIdParams,
        body: AddRosterMemberRequest,
        response: { 200: ServiceRosterResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { by, service } = await serviceAdministrator(request, request.params.serviceId, "addToRoster");
      await changeRoster(ctx, service, { add: [request.body.userId], remove: [] }, by);
      return { service: await serviceSummary(ctx, service), roster: await rosterOf(ctx, service.id) };
    },
  );

  app.delete(
    `${API}/services/:serviceId/roster/:userId`,
    {
      schema: {
        summary:
          "Take one person off a service's roster; they stay a member (its establishment's administrators)",
        tags: ["organisations"],
        security,
        params: ServiceUserParams,
        response: { 200: ServiceRosterResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { by, service } = await serviceAdministrator(
        request,
        request.params.serviceId,
        "removeFromRoster",
      );
      await changeRoster(ctx, service, { add: [], remove: [request.params.userId] }, by);
      return { service: await serviceSummary(ctx, service), roster: await rosterOf(ctx, service.id) };
    },
  );

  // Any verified professional --------------------------------------------------------------------

  app.get(
    `${API}/services`,
    {
      schema: {
        summary: "Search services by name, establishment, commune or département (verified professionals)",
        tags: ["organisations"],
        security,
        querystring: ServiceSearchQuery,
        response: { 200: ServiceSearchResponse, ...errorResponses },
      },
    },
    async (request) => {
      await authorize(ctx, request, "professional", "searchServices");
      const { q, limit } = request.query;
      return {
        results: await searchServices(ctx, {
          q,
          limit: pageSize(limit, SERVICE_SEARCH_DEFAULT_LIMIT, SERVICE_SEARCH_MAX_LIMIT),
        }),
      };
    },
  );

  app.get(
    `${API}/services/:serviceId/roster`,
    {
      schema: {
        summary: "The staff a message to this service goes to (verified professionals)",
        tags: ["organisations"],
        security,
        params: ServiceIdParams,
        response: { 200: ServiceRosterResponse, ...errorResponses },
      },
    },
    async (request) => {
      await authorize(ctx, request, "professional", "serviceRoster");
      const service = await requireService(ctx, request.params.serviceId, "serviceRoster");
      return { service: await serviceSummary(ctx, service), roster: await rosterOf(ctx, service.id) };
    },
  );
}
