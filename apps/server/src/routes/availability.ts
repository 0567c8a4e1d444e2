import {
  Availability,
  ColleagueAvailability,
  ForwardedHandoverRequest,
  Ok,
  OnCallSchedule,
  ServiceConversationParams,
  ServiceHandoverParams,
  ServiceHandoversResponse,
  ServiceOnCallParams,
  SetAvailabilityRequest,
  SetOnCallScheduleRequest,
  UrgentAlert,
  UrgentAlertParams,
  UrgentAlertsResponse,
  UserAvailabilityParams,
} from "@confrere/protocol";
import { availabilityOf, colleagueAvailability, setAvailability } from "../care/availability.ts";
import { claimHandover, completeHandover, pendingHandovers } from "../care/handovers.ts";
import { scheduleOf, setSchedule, tieConversation } from "../care/on-call.ts";
import { acknowledgeAlert, pendingAlerts } from "../care/urgent.ts";
import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";
import { authorize } from "../http/auth-guard.ts";
import {
  isOrganisationAdmin,
  organisationRole,
  requireOrganisationAdmin,
} from "../organisations/organisation-access.ts";
import { requireService } from "../organisations/services.ts";
import { API, errorResponses } from "./index.ts";

const security = [{ session: [] }];
const tags = ["availability"];

/** Availability, working hours, urgent acknowledgements and on-call schedules. */
export function availabilityRoutes(app: App, ctx: AppContext): void {
  app.get(
    `${API}/me/availability`,
    {
      schema: {
        summary: "Your availability status and working hours (Europe/Paris)",
        tags,
        security,
        response: { 200: Availability, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "user", "getAvailability"))!;
      return availabilityOf(ctx, user.id);
    },
  );

  app.put(
    `${API}/me/availability`,
    {
      schema: {
        summary:
          "Set your status (available, in_consultation, away, on_call), until when, and your working hours",
        tags,
        security,
        body: SetAvailabilityRequest,
        response: { 200: Availability, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "user", "setAvailability"))!;
      await setAvailability(ctx, user.id, request.body);
      return availabilityOf(ctx, user.id);
    },
  );

  app.get(
    `${API}/users/:userId/availability`,
    {
      schema: {
        summary: "A colleague's status (never their working hours)",
        tags,
        security,
        params: UserAvailabilityParams,
        response: { 200: ColleagueAvailability, ...errorResponses },
      },
    },
    async (request) => {
      await authorize(ctx, request, "professional", "getColleagueAvailability");
      return colleagueAvailability(ctx, request.params.userId);
    },
  );

  app.get(
    `${API}/me/urgent`,
    {
      schema: {
        summary: "Your urgent messages awaiting acknowledgement",
        tags,
        security,
        response: { 200: UrgentAlertsResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "user", "listUrgent"))!;
      return { alerts: await pendingAlerts(ctx, user.id) };
    },
  );

  app.post(
    `${API}/me/urgent/:alertId/acknowledge`,
    {
      schema: {
        summary: "Acknowledge an urgent message (stops its re-notification and escalation)",
        tags,
        security,
        params: UrgentAlertParams,
        response: { 200: UrgentAlert, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "user", "acknowledgeUrgent"))!;
      return acknowledgeAlert(ctx, user.id, request.params.alertId);
    },
  );

  app.get(
    `${API}/me/handovers`,
    {
      schema: {
        summary: "Your requests that nobody at a service took, to forward to its backup service",
        tags,
        security,
        response: { 200: ServiceHandoversResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "user", "listHandovers"))!;
      return { handovers: await pendingHandovers(ctx, user.id) };
    },
  );

  app.post(
    `${API}/handovers/:handoverId/claim`,
    {
      schema: {
        summary: "This device forwards the request (409 HANDOVER_CLAIMED when another of yours is at it)",
        tags,
        security,
        params: ServiceHandoverParams,
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (request) => {
      const { user, session } = (await authorize(ctx, request, "professional", "claimHandover"))!;
      await claimHandover(ctx, { userId: user.id, deviceId: session.device_id }, request.params.handoverId);
      return { ok: true as const };
    },
  );

  app.post(
    `${API}/handovers/:handoverId/forwarded`,
    {
      schema: {
        summary: "The request was forwarded in this conversation with the backup service",
        tags,
        security,
        params: ServiceHandoverParams,
        body: ForwardedHandoverRequest,
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "professional", "completeHandover"))!;
      await completeHandover(ctx, user.id, request.params.handoverId, request.body.conversationId);
      return { ok: true as const };
    },
  );

  app.get(
    `${API}/services/:serviceId/on-call`,
    {
      schema: {
        summary: "A service's on-call schedule (the organisation's members)",
        tags,
        security,
        params: ServiceOnCallParams,
        response: { 200: OnCallSchedule, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "professional", "getOnCallSchedule"))!;
      const service = await requireService(ctx, request.params.serviceId, "getOnCallSchedule");
      if (
        !(await isOrganisationAdmin(ctx, user.id, service.organisation_id)) &&
        (await organisationRole(ctx, user.id, service.organisation_id)) === null
      ) {
        await requireOrganisationAdmin(ctx, user.id, service.organisation_id, "getOnCallSchedule");
      }
      return scheduleOf(ctx, service.id);
    },
  );

  app.put(
    `${API}/services/:serviceId/on-call`,
    {
      schema: {
        summary: "Replace a service's on-call schedule (the establishment's administrators)",
        tags,
        security,
        params: ServiceOnCallParams,
        body: SetOnCallScheduleRequest,
        response: { 200: OnCallSchedule, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "user", "setOnCallSchedule"))!;
      const service = await requireService(ctx, request.params.serviceId, "setOnCallSchedule");
      await requireOrganisationAdmin(ctx, user.id, service.organisation_id, "setOnCallSchedule");
      await setSchedule(ctx, user.id, service, request.body);
      return scheduleOf(ctx, service.id);
    },
  );

  app.post(
    `${API}/services/:serviceId/conversations/:conversationId`,
    {
      schema: {
        summary: "Tie a conversation with the service's staff to the service, for on-call routing",
        tags,
        security,
        params: ServiceConversationParams,
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "professional", "tieServiceConversation"))!;
      const service = await requireService(ctx, request.params.serviceId, "tieServiceConversation");
      await tieConversation(ctx, user.id, service, request.params.conversationId);
      return { ok: true as const };
    },
  );
}
