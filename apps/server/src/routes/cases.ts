import {
  CareCase,
  CareCasesResponse,
  CaseParticipantsResponse,
  ConversationParams,
  RegisterCaseRequest,
} from "@confrere/protocol";
import { caseParticipants, casesOfConversation, myCases, registerCase } from "../care/cases.ts";
import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";
import { authorize } from "../http/auth-guard.ts";
import { API, errorResponses } from "./index.ts";

const security = [{ session: [] }];

/** Patient cases: the opaque case registry. */
export function caseRoutes(app: App, ctx: AppContext): void {
  app.post(
    `${API}/conversations/:conversationId/cases`,
    {
      schema: {
        summary: "Register an opaque patient-case id for a conversation you are in (idempotent by id)",
        tags: ["cases"],
        security,
        params: ConversationParams,
        body: RegisterCaseRequest,
        response: { 200: CareCase, 201: CareCase, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { user } = (await authorize(ctx, request, "professional", "registerCase"))!;
      const { careCase, created } = await registerCase(
        ctx,
        user.id,
        request.params.conversationId,
        request.body.id,
      );
      return reply.code(created ? 201 : 200).send(careCase);
    },
  );

  app.get(
    `${API}/conversations/:conversationId/cases`,
    {
      schema: {
        summary: "The patient cases of a conversation you are in (opaque ids only)",
        tags: ["cases"],
        security,
        params: ConversationParams,
        response: { 200: CareCasesResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "professional", "listConversationCases"))!;
      return { cases: await casesOfConversation(ctx, user.id, request.params.conversationId) };
    },
  );

  app.get(
    `${API}/cases`,
    {
      schema: {
        summary: "The patient cases of all your conversations (opaque ids only)",
        tags: ["cases"],
        security,
        response: { 200: CareCasesResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "professional", "listMyCases"))!;
      return { cases: await myCases(ctx, user.id) };
    },
  );

  app.get(
    `${API}/conversations/:conversationId/case-participants`,
    {
      schema: {
        summary: "The members of a conversation you are in with their verified RPPS/ADELI (for case exports)",
        tags: ["cases"],
        security,
        params: ConversationParams,
        response: { 200: CaseParticipantsResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "professional", "listCaseParticipants"))!;
      return { participants: await caseParticipants(ctx, user.id, request.params.conversationId) };
    },
  );
}
