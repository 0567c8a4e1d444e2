import {
  ClaimParams,
  ConfrereError,
  CreateClaimRequest,
  ErrorCode,
  IdentityClaimResponse,
  MyIdentityClaimResponse,
  PROOF_MAX_BYTES,
  RejectClaimRequest,
  ReviewClaimResponse,
  ReviewQueueLimits,
  ReviewQueueQuery,
  ReviewQueueResponse,
} from "@confrere/protocol";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import type { Authenticated } from "../accounts/sessions.ts";
import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";
import { authorize } from "../http/auth-guard.ts";
import { pageRequest } from "../http/cursor-page.ts";
import { proofContentType } from "../identity/claim-proof.ts";
import {
  approveClaim,
  listClaims,
  REVIEW_QUEUE_LIST,
  rejectClaim,
  viewProof,
} from "../identity/claim-review.ts";
import {
  type Actor,
  createClaim,
  latestClaim,
  proofTooLarge,
  uploadProof,
  withdrawClaim,
} from "../identity/identity-claims.ts";
import { API, errorResponses } from "./index.ts";

const security = [{ session: [] }];
const tags = ["identity"];
const operatorTags = ["operators"];

function actorOf(auth: Authenticated, request: FastifyRequest): Actor {
  return { userId: auth.user.id, deviceId: auth.session.device_id, ip: request.ip };
}

function isStream(body: unknown): body is AsyncIterable<Uint8Array> {
  return (
    typeof body === "object" &&
    body !== null &&
    typeof (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function"
  );
}

/** RPPS/ADELI claims with a proof, and the operators' review queue. */
export function identityClaimRoutes(app: App, ctx: AppContext): void {
  app.post(
    `${API}/identity/claims`,
    {
      schema: {
        summary: "Claim a professional identity of the directory by RPPS/ADELI number and names",
        tags,
        security,
        body: CreateClaimRequest,
        response: { 201: IdentityClaimResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const auth = (await authorize(ctx, request, "user"))!;
      const claim = await createClaim(ctx, actorOf(auth, request), request.body);
      return reply.status(201).send({ claim });
    },
  );

  // The proof travels as the raw file, so this route alone reads image and PDF bodies.
  app.register(async (plain) => {
    const scope = plain.withTypeProvider<TypeBoxTypeProvider>();
    const passStream = (_request: FastifyRequest, payload: unknown, done: (e: null, b: unknown) => void) =>
      done(null, payload);
    scope.addContentTypeParser(["image/jpeg", "image/png", "application/pdf"], passStream);
    // Any other type reaches the handler too, to be refused with the proof's own code and message.
    scope.addContentTypeParser("*", passStream);
    scope.put(
      `${API}/identity/claims/:claimId/proof`,
      {
        schema: {
          summary:
            "Upload the proof of a claim: the raw file as image/jpeg, image/png or application/pdf, up to 10 MiB (replaces an earlier one)",
          tags,
          security,
          params: ClaimParams,
          response: { 200: IdentityClaimResponse, ...errorResponses },
        },
      },
      async (request, reply) => {
        try {
          const auth = (await authorize(ctx, request, "user"))!;
          const type = proofContentType(request.headers["content-type"]);
          if (!type || !isStream(request.body)) {
            throw new ConfrereError(
              ErrorCode.PROOF_TYPE_UNSUPPORTED,
              415,
              "uploadProof: send the photo or scan of your card as the raw body, with Content-Type image/jpeg, image/png or application/pdf",
            );
          }
          if (Number(request.headers["content-length"] ?? 0) > PROOF_MAX_BYTES)
            throw proofTooLarge("uploadProof");
          const claim = await uploadProof(
            ctx,
            actorOf(auth, request),
            request.params.claimId,
            type,
            request.body,
          );
          return { claim };
        } catch (error) {
          // A refused upload may leave its body unread: close rather than let the client keep sending.
          reply.header("connection", "close");
          throw error;
        }
      },
    );
  });

  app.get(
    `${API}/identity/claims/mine`,
    {
      schema: {
        summary: "The account's latest identity claim (state, dates, reason if rejected), or null",
        tags,
        security,
        response: { 200: MyIdentityClaimResponse, ...errorResponses },
      },
    },
    async (request) => {
      const auth = (await authorize(ctx, request, "user"))!;
      return { claim: await latestClaim(ctx, auth.user.id) };
    },
  );

  app.post(
    `${API}/identity/claims/:claimId/withdraw`,
    {
      schema: {
        summary: "Withdraw one's open identity claim (its proof is deleted)",
        tags,
        security,
        params: ClaimParams,
        response: { 200: IdentityClaimResponse, ...errorResponses },
      },
    },
    async (request) => {
      const auth = (await authorize(ctx, request, "user"))!;
      return { claim: await withdrawClaim(ctx, actorOf(auth, request), request.params.claimId) };
    },
  );

  app.get(
    `${API}/admin/identity-claims`,
    {
      schema: {
        summary:
          "The identity review queue, oldest first, a page at a time (limit, cursor → nextCursor; operators); state defaults to pending_review",
        tags: operatorTags,
        security,
        querystring: ReviewQueueQuery,
        response: { 200: ReviewQueueResponse, ...errorResponses },
      },
    },
    async (request) => {
      await authorize(ctx, request, "operator");
      const page = pageRequest(request.query, {
        list: REVIEW_QUEUE_LIST,
        defaultSize: ReviewQueueLimits.defaultPageSize,
        maxSize: ReviewQueueLimits.maxPageSize,
        operation: "listClaims",
      });
      return listClaims(ctx, { state: request.query.state ?? "pending_review", page });
    },
  );

  app.get(
    `${API}/admin/identity-claims/:claimId/proof`,
    {
      schema: {
        summary: "The proof of a claim, decrypted, with its content type (operators; every view is audited)",
        tags: operatorTags,
        security,
        params: ClaimParams,
        response: {
          200: Type.Unknown({ description: "The file (image/jpeg, image/png or application/pdf)" }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const auth = (await authorize(ctx, request, "operator"))!;
      const proof = await viewProof(ctx, actorOf(auth, request), request.params.claimId);
      return (
        reply
          .header("content-type", proof.contentType)
          .header("content-length", String(proof.bytes.length))
          // A personal document: kept by no cache, and never rendered as a page of our origin.
          .header("cache-control", "no-store")
          .header("content-disposition", "attachment")
          .send(proof.bytes)
      );
    },
  );

  app.post(
    `${API}/admin/identity-claims/:claimId/approve`,
    {
      schema: {
        summary:
          "Approve a claim: the account becomes a verified professional, the proof is deleted (operators)",
        tags: operatorTags,
        security,
        params: ClaimParams,
        response: { 200: ReviewClaimResponse, ...errorResponses },
      },
    },
    async (request) => {
      const auth = (await authorize(ctx, request, "operator"))!;
      return { claim: await approveClaim(ctx, actorOf(auth, request), request.params.claimId) };
    },
  );

  app.post(
    `${API}/admin/identity-claims/:claimId/reject`,
    {
      schema: {
        summary: "Reject a claim with a reason e-mailed to the user; the proof is deleted (operators)",
        tags: operatorTags,
        security,
        params: ClaimParams,
        body: RejectClaimRequest,
        response: { 200: ReviewClaimResponse, ...errorResponses },
      },
    },
    async (request) => {
      const auth = (await authorize(ctx, request, "operator"))!;
      return {
        claim: await rejectClaim(ctx, actorOf(auth, request), request.params.claimId, request.body.reason),
      };
    },
  );
}
