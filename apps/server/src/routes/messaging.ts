import {
  AckRequest,
  AttachmentParams,
  AttachmentUploadResponse,
  ClaimKeyPackagesRequest,
  ClaimKeyPackagesResponse,
  ConfrereError,
  ConversationListResponse,
  ConversationParams,
  ConversationResponse,
  CreateConversationRequest,
  DevicesOfUsersResponse,
  ErrorCode,
  Id,
  IdParams,
  KeyPackageCountResponse,
  LogQuery,
  LogResponse,
  MemberParams,
  MessagingLimits,
  Ok,
  PostCommitRequest,
  PostEntryResponse,
  PostMessageRequest,
  PublicUser,
  RegisterDeviceKeyRequest,
  SetMemberRoleRequest,
  UploadKeyPackagesRequest,
  UserDevicesQuery,
  WelcomeListResponse,
} from "@confrere/protocol";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import { normalizeEmail } from "../accounts/users.ts";
import { assertMayStartConversations } from "../billing/entitlements.ts";
import { recordRouting } from "../care/service-routing.ts";
import { assertUrgentOptions, recordUrgent } from "../care/urgent.ts";
import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";
import { authorize } from "../http/auth-guard.ts";
import { requireMembership } from "../messaging/access.ts";
import { openAttachment, uploadAttachment } from "../messaging/attachments.ts";
import {
  addMembers,
  createConversation,
  listConversations,
  loadConversation,
  removeMember,
  setMemberRole,
} from "../messaging/conversations.ts";
import {
  claimKeyPackages,
  devicesOf,
  keyPackageCount,
  registerDeviceKey,
  uploadKeyPackages,
} from "../messaging/device-keys.ts";
import {
  acknowledge,
  appendApplicationMessage,
  appendCommit,
  deleteWelcome,
  pendingWelcomes,
  readLog,
} from "../messaging/log.ts";
import { RealtimeHub } from "../messaging/realtime.ts";
import { API, errorResponses } from "./index.ts";

const security = [{ session: [] }];
const tags = ["messaging"];

function who(auth: { user: { id: string }; session: { device_id: string } }) {
  return { userId: auth.user.id, deviceId: auth.session.device_id };
}

async function requireAdmin(ctx: AppContext, conversationId: string, userId: string, operation: string) {
  const membership = await requireMembership(ctx.db, conversationId, userId, operation);
  if (membership.role !== "admin")
    throw new ConfrereError(ErrorCode.NOT_AN_ADMIN, 403, `${operation}: only the group's admins can do this`);
  return membership;
}

async function receiveAttachment(ctx: AppContext, request: FastifyRequest, conversationId: string) {
  const auth = (await authorize(ctx, request, "professional", "uploadAttachment"))!;
  const declared = Number(request.headers["content-length"] ?? 0);
  if (declared > ctx.config.attachmentLimitBytes) {
    throw new ConfrereError(
      ErrorCode.ATTACHMENT_TOO_LARGE,
      413,
      "uploadAttachment: the file is larger than the limit",
    );
  }
  const body = request.body as AsyncIterable<Uint8Array> | undefined;
  if (!body || typeof (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] !== "function") {
    throw new ConfrereError(
      ErrorCode.UNSUPPORTED_MEDIA_TYPE,
      415,
      "uploadAttachment: send the file as application/octet-stream",
    );
  }
  return uploadAttachment(ctx, who(auth), conversationId, body);
}

/** Devices' keys, conversations, messages, attachments and the realtime socket. */
export function messagingRoutes(app: App, ctx: AppContext): void {
  // Devices and keys -------------------------------------------------------------------------
  app.post(
    `${API}/me/device-key`,
    {
      schema: {
        summary: "Register this device's MLS signature key (once per device)",
        tags,
        security,
        body: RegisterDeviceKeyRequest,
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (request) => {
      const auth = (await authorize(ctx, request, "professional", "registerDeviceKey"))!;
      await registerDeviceKey(ctx, who(auth), request.body.signaturePublicKey);
      return { ok: true as const };
    },
  );

  app.post(
    `${API}/me/key-packages`,
    {
      schema: {
        summary: "Upload one-time KeyPackages (and optionally a new last-resort one) of this device",
        tags,
        security,
        body: UploadKeyPackagesRequest,
        response: { 200: KeyPackageCountResponse, ...errorResponses },
      },
    },
    async (request) => {
      const auth = (await authorize(ctx, request, "professional", "uploadKeyPackages"))!;
      await uploadKeyPackages(ctx, who(auth), request.body.keyPackages, request.body.lastResort);
      return keyPackageCount(ctx, auth.session.device_id);
    },
  );

  app.get(
    `${API}/me/key-packages`,
    {
      schema: {
        summary: "How many KeyPackages of this device are left",
        tags,
        security,
        response: { 200: KeyPackageCountResponse, ...errorResponses },
      },
    },
    async (request) => {
      const auth = (await authorize(ctx, request, "professional", "keyPackageCount"))!;
      return keyPackageCount(ctx, auth.session.device_id);
    },
  );

  app.get(
    `${API}/devices`,
    {
      schema: {
        summary: "The announced devices of some users, with their signature keys (for safety codes)",
        tags,
        security,
        querystring: UserDevicesQuery,
        response: { 200: DevicesOfUsersResponse, ...errorResponses },
      },
    },
    async (request) => {
      await authorize(ctx, request, "professional", "listDevices");
      const userIds = request.query.userIds
        .split(",")
        .filter(Boolean)
        .slice(0, MessagingLimits.maxGroupMembers);
      return { devices: await devicesOf(ctx, userIds) };
    },
  );

  app.post(
    `${API}/key-packages/claim`,
    {
      schema: {
        summary: "Claim one KeyPackage for each device of these users (one-time ones are consumed)",
        tags,
        security,
        body: ClaimKeyPackagesRequest,
        response: { 200: ClaimKeyPackagesResponse, ...errorResponses },
      },
    },
    async (request) => {
      await authorize(ctx, request, "professional", "claimKeyPackages");
      return claimKeyPackages(ctx, request.body.userIds);
    },
  );

  app.get(
    `${API}/users/lookup`,
    {
      schema: {
        summary: "Find a verified professional's account by e-mail",
        tags,
        security,
        querystring: Type.Object(
          { email: Type.String({ format: "email", maxLength: 254 }) },
          { additionalProperties: false },
        ),
        response: { 200: PublicUser, ...errorResponses },
      },
    },
    async (request) => {
      await authorize(ctx, request, "professional", "lookupUser");
      const user = await ctx.db
        .selectFrom("users")
        .select(["id", "display_name", "identity_verified_at"])
        .where("email", "=", normalizeEmail(request.query.email))
        .where("suspended_at", "is", null)
        .executeTakeFirst();
      if (!user || user.identity_verified_at === null) {
        throw new ConfrereError(
          ErrorCode.USER_NOT_FOUND,
          404,
          "lookupUser: no verified professional with this e-mail on Confrère",
        );
      }
      return { userId: user.id, displayName: user.display_name, isVerified: true };
    },
  );

  app.get(
    `${API}/users/:userId`,
    {
      schema: {
        summary: "A verified professional's name, by account id (a safety code opened from a link shows it)",
        tags,
        security,
        params: Type.Object({ userId: Id }, { additionalProperties: false }),
        response: { 200: PublicUser, ...errorResponses },
      },
    },
    async (request) => {
      await authorize(ctx, request, "professional", "publicUser");
      const user = await ctx.db
        .selectFrom("users")
        .select(["id", "display_name"])
        .where("id", "=", request.params.userId)
        .where("suspended_at", "is", null)
        .where("identity_verified_at", "is not", null)
        .executeTakeFirst();
      if (!user) {
        throw new ConfrereError(
          ErrorCode.USER_NOT_FOUND,
          404,
          "publicUser: no verified professional with this id",
        );
      }
      return { userId: user.id, displayName: user.display_name, isVerified: true };
    },
  );

  // Conversations ----------------------------------------------------------------------------
  app.post(
    `${API}/conversations`,
    {
      schema: {
        summary: "Create a conversation (a direct one is reused if the pair already has one)",
        tags,
        security,
        body: CreateConversationRequest,
        response: { 200: ConversationResponse, 201: ConversationResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const auth = (await authorize(ctx, request, "professional", "createConversation"))!;
      await assertMayStartConversations(ctx, auth.user.id, "createConversation");
      const result = await createConversation(ctx, who(auth), request.body);
      return reply.status(result.existing ? 200 : 201).send(result);
    },
  );

  app.get(
    `${API}/conversations`,
    {
      schema: {
        summary: "My conversations",
        tags,
        security,
        response: { 200: ConversationListResponse, ...errorResponses },
      },
    },
    async (request) => {
      const auth = (await authorize(ctx, request, "professional", "listConversations"))!;
      return { conversations: await listConversations(ctx.db, auth.user.id) };
    },
  );

  app.get(
    `${API}/conversations/:conversationId`,
    {
      schema: {
        summary: "One conversation: members, roster, epoch, delivery positions",
        tags,
        security,
        params: ConversationParams,
        response: { 200: ConversationResponse, ...errorResponses },
      },
    },
    async (request) => {
      const auth = (await authorize(ctx, request, "professional", "getConversation"))!;
      await requireMembership(ctx.db, request.params.conversationId, auth.user.id, "getConversation");
      return {
        conversation: (await loadConversation(ctx.db, request.params.conversationId))!,
        existing: true,
      };
    },
  );

  app.post(
    `${API}/conversations/:conversationId/members`,
    {
      schema: {
        summary: "Add people to a group (admins); their devices are then committed in",
        tags,
        security,
        params: ConversationParams,
        body: ClaimKeyPackagesRequest,
        response: { 200: ConversationResponse, ...errorResponses },
      },
    },
    async (request) => {
      const auth = (await authorize(ctx, request, "professional", "addMembers"))!;
      await requireAdmin(ctx, request.params.conversationId, auth.user.id, "addMembers");
      await addMembers(ctx, request.params.conversationId, request.body.userIds);
      return {
        conversation: (await loadConversation(ctx.db, request.params.conversationId))!,
        existing: true,
      };
    },
  );

  app.delete(
    `${API}/conversations/:conversationId/members/:userId`,
    {
      schema: {
        summary: "Remove someone from a group (admins), or leave it (yourself)",
        tags,
        security,
        params: MemberParams,
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (request) => {
      const auth = (await authorize(ctx, request, "professional", "removeMember"))!;
      const { conversationId, userId } = request.params;
      if (userId === auth.user.id) await requireMembership(ctx.db, conversationId, auth.user.id, "leave");
      else await requireAdmin(ctx, conversationId, auth.user.id, "removeMember");
      await requireMembership(ctx.db, conversationId, userId, "removeMember");
      await removeMember(ctx, conversationId, userId);
      return { ok: true as const };
    },
  );

  app.post(
    `${API}/conversations/:conversationId/members/:userId/role`,
    {
      schema: {
        summary: "Make a member an admin, or a plain member again (admins)",
        tags,
        security,
        params: MemberParams,
        body: SetMemberRoleRequest,
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (request) => {
      const auth = (await authorize(ctx, request, "professional", "setMemberRole"))!;
      await requireAdmin(ctx, request.params.conversationId, auth.user.id, "setMemberRole");
      await setMemberRole(ctx, request.params.conversationId, request.params.userId, request.body.role);
      return { ok: true as const };
    },
  );

  // The log ----------------------------------------------------------------------------------
  app.post(
    `${API}/conversations/:conversationId/commits`,
    {
      schema: {
        summary:
          "Append an MLS commit for the current epoch (the first one wins; a late one gets 409 EPOCH_MISMATCH)",
        tags,
        security,
        params: ConversationParams,
        body: PostCommitRequest,
        response: { 200: PostEntryResponse, ...errorResponses },
      },
    },
    async (request) => {
      const auth = (await authorize(ctx, request, "professional", "commit"))!;
      return appendCommit(ctx, who(auth), request.params.conversationId, request.body);
    },
  );

  app.post(
    `${API}/conversations/:conversationId/messages`,
    {
      schema: {
        summary: "Append an encrypted application message; acknowledged once durable",
        tags,
        security,
        params: ConversationParams,
        body: PostMessageRequest,
        response: { 200: PostEntryResponse, ...errorResponses },
      },
    },
    async (request) => {
      const auth = (await authorize(ctx, request, "professional", "sendMessage"))!;
      // Urgent messages and requests to a service's on-call staff: alerts after the commit.
      const { urgent, renotifyAfterMinutes } = request.body;
      if (urgent || renotifyAfterMinutes !== undefined) assertUrgentOptions(request.body, "sendMessage");
      const sent = await appendApplicationMessage(
        ctx,
        who(auth),
        request.params.conversationId,
        request.body,
      );
      if (urgent) await recordUrgent(ctx, auth.user.id, request.params.conversationId, sent, request.body);
      else if (!request.body.silent)
        await recordRouting(ctx, auth.user.id, request.params.conversationId, sent);
      return sent;
    },
  );

  app.get(
    `${API}/conversations/:conversationId/log`,
    {
      schema: {
        summary: "Entries after a sequence number, in order",
        tags,
        security,
        params: ConversationParams,
        querystring: LogQuery,
        response: { 200: LogResponse, ...errorResponses },
      },
    },
    async (request) => {
      const auth = (await authorize(ctx, request, "professional", "readLog"))!;
      const membership = await requireMembership(
        ctx.db,
        request.params.conversationId,
        auth.user.id,
        "readLog",
      );
      const limit = Math.min(MessagingLimits.maxPageEntries, Math.max(1, Number(request.query.limit ?? 200)));
      const entries = await readLog(
        ctx,
        request.params.conversationId,
        Number(request.query.after ?? 0),
        limit,
      );
      return { entries, lastSeq: membership.lastSeq };
    },
  );

  app.post(
    `${API}/conversations/:conversationId/ack`,
    {
      schema: {
        summary: "Record how far this device has fetched (drives 'delivered')",
        tags,
        security,
        params: ConversationParams,
        body: AckRequest,
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (request) => {
      const auth = (await authorize(ctx, request, "professional", "ack"))!;
      await acknowledge(ctx, who(auth), request.params.conversationId, request.body.seq);
      return { ok: true as const };
    },
  );

  app.get(
    `${API}/me/welcomes`,
    {
      schema: {
        summary: "Welcomes waiting for this device",
        tags,
        security,
        response: { 200: WelcomeListResponse, ...errorResponses },
      },
    },
    async (request) => {
      const auth = (await authorize(ctx, request, "professional", "listWelcomes"))!;
      return { welcomes: await pendingWelcomes(ctx, auth.session.device_id) };
    },
  );

  app.delete(
    `${API}/me/welcomes/:id`,
    {
      schema: {
        summary: "Drop a Welcome once joined",
        tags,
        security,
        params: IdParams,
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (request) => {
      const auth = (await authorize(ctx, request, "professional", "deleteWelcome"))!;
      if (!(await deleteWelcome(ctx, auth.session.device_id, request.params.id))) {
        throw new ConfrereError(ErrorCode.NOT_FOUND, 404, "deleteWelcome: no such welcome for this device");
      }
      return { ok: true as const };
    },
  );

  // Attachments ------------------------------------------------------------------------------
  app.register(async (plain) => {
    const scope = plain.withTypeProvider<TypeBoxTypeProvider>();
    // The encrypted file streams straight to the blob store; it is never held whole in memory.
    scope.addContentTypeParser("application/octet-stream", (_request, payload, done) => done(null, payload));
    scope.post(
      `${API}/conversations/:conversationId/attachments`,
      {
        schema: {
          summary: "Upload an encrypted attachment (application/octet-stream, streamed)",
          tags,
          security,
          params: ConversationParams,
          response: { 201: AttachmentUploadResponse, ...errorResponses },
        },
      },
      async (request, reply) => {
        try {
          return reply.status(201).send(await receiveAttachment(ctx, request, request.params.conversationId));
        } catch (error) {
          // A refused upload leaves the rest of its body unread: close the connection rather than
          // let the client keep sending into a socket nobody reads.
          reply.header("connection", "close");
          throw error;
        }
      },
    );
  });

  app.get(
    `${API}/attachments/:attachmentId`,
    {
      schema: {
        summary: "Download an encrypted attachment (members of its conversation only)",
        tags,
        security,
        params: AttachmentParams,
        response: {
          200: Type.Unknown({ description: "The encrypted bytes (application/octet-stream)" }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const auth = (await authorize(ctx, request, "professional", "downloadAttachment"))!;
      const { size, stream } = await openAttachment(ctx, auth.user.id, request.params.attachmentId);
      return reply
        .header("content-type", "application/octet-stream")
        .header("content-length", String(size))
        .send(stream);
    },
  );

  // Realtime ---------------------------------------------------------------------------------
  const hub = new RealtimeHub(ctx);
  app.addHook("onClose", async () => hub.close());
  app.get(
    `${API}/realtime`,
    { websocket: true, schema: { summary: "The device's WebSocket (JSON frames of the protocol)", tags } },
    (socket) => hub.accept(socket),
  );
}
