import {
  ExpertiseParams,
  ExpertisesQuery,
  ExpertisesResponse,
  RequestExpertiseRequest,
  TeleExpertise,
} from "@confrere/protocol";
import { getExpertise, myExpertises, requestExpertise, transitionExpertise } from "../care/tele-expertise.ts";
import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";
import { authorize } from "../http/auth-guard.ts";
import { API, errorResponses } from "./index.ts";

const security = [{ session: [] }];

/** Télé-expertise: the requests' states (the clinical part travels end-to-end encrypted). */
export function expertiseRoutes(app: App, ctx: AppContext): void {
  app.post(
    `${API}/expertises`,
    {
      schema: {
        summary:
          "Register a télé-expertise request made on your device, to a colleague or a service (idempotent by id)",
        tags: ["expertise"],
        security,
        body: RequestExpertiseRequest,
        response: { 200: TeleExpertise, 201: TeleExpertise, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { user } = (await authorize(ctx, request, "professional", "requestExpertise"))!;
      const { expertise, created } = await requestExpertise(ctx, user.id, request.body);
      return reply.code(created ? 201 : 200).send(expertise);
    },
  );

  app.get(
    `${API}/expertises`,
    {
      schema: {
        summary: "Your télé-expertise requests, as requérant, requis or service staff (newest first)",
        tags: ["expertise"],
        security,
        querystring: ExpertisesQuery,
        response: { 200: ExpertisesResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "professional", "listExpertises"))!;
      return { expertises: await myExpertises(ctx, user.id, request.query) };
    },
  );

  app.get(
    `${API}/expertises/:id`,
    {
      schema: {
        summary:
          "One of your télé-expertise requests: state, timestamps, and whether both practise at one site",
        tags: ["expertise"],
        security,
        params: ExpertiseParams,
        response: { 200: TeleExpertise, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "professional", "getExpertise"))!;
      return getExpertise(ctx, user.id, request.params.id);
    },
  );

  const transitions = [
    ["accept", "The requis (or a member of the service's roster, who becomes the requis) accepts a request"],
    ["decline", "The requis declines a request (the reason travels encrypted)"],
    ["answer", "The requis records that the conclusion was sent (it travels encrypted)"],
    ["close", "The requérant or the requis closes an answered or declined request"],
  ] as const;
  for (const [transition, summary] of transitions) {
    app.post(
      `${API}/expertises/:id/${transition}`,
      {
        schema: {
          summary,
          tags: ["expertise"],
          security,
          params: ExpertiseParams,
          response: { 200: TeleExpertise, ...errorResponses },
        },
      },
      async (request) => {
        const { user } = (await authorize(ctx, request, "professional", `${transition}Expertise`))!;
        return transitionExpertise(ctx, user.id, request.params.id, transition);
      },
    );
  }
}
