import { PushPreferenceRequest, PushStatusResponse, PushSubscribeRequest } from "@confrere/protocol";
import type { FastifyRequest } from "fastify";
import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";
import { authorize } from "../http/auth-guard.ts";
import { PushNotifier } from "../push/push-notifier.ts";
import {
  deletePushSubscription,
  type PushDevice,
  pushStatus,
  savePushSubscription,
  setPushPreview,
} from "../push/push-subscriptions.ts";
import { loadVapidKeys } from "../push/vapid-keys.ts";
import { API, errorResponses } from "./index.ts";

const tags = ["push"];
const security = [{ session: [] }];

/** Web Push: this device's subscription and setting; the notifier that sends (see push/). */
export function pushRoutes(app: App, ctx: AppContext): void {
  const vapid = loadVapidKeys(ctx.config);
  const notifier = new PushNotifier(ctx, vapid);
  app.addHook("onClose", async () => notifier.close());

  async function deviceOf(request: FastifyRequest, operation: string): Promise<PushDevice> {
    const { user, session } = (await authorize(ctx, request, "user", operation))!;
    return { userId: user.id, deviceId: session.device_id, ip: request.ip };
  }
  async function statusOf(deviceId: string): Promise<PushStatusResponse> {
    return { vapidPublicKey: vapid.publicKey, ...(await pushStatus(ctx, deviceId)) };
  }

  app.get(
    `${API}/me/push`,
    {
      schema: {
        summary: "The server's VAPID public key and this device's notification setting",
        tags,
        security,
        response: { 200: PushStatusResponse, ...errorResponses },
      },
    },
    async (request) => statusOf((await deviceOf(request, "pushStatus")).deviceId),
  );

  app.put(
    `${API}/me/push/subscription`,
    {
      schema: {
        summary: "Enable notifications on this device with the browser's push subscription",
        tags,
        security,
        body: PushSubscribeRequest,
        response: { 200: PushStatusResponse, ...errorResponses },
      },
    },
    async (request) => {
      const device = await deviceOf(request, "subscribePush");
      await savePushSubscription(ctx, device, request.body);
      return statusOf(device.deviceId);
    },
  );

  app.delete(
    `${API}/me/push/subscription`,
    {
      schema: {
        summary: "Disable notifications on this device",
        tags,
        security,
        response: { 200: PushStatusResponse, ...errorResponses },
      },
    },
    async (request) => {
      const device = await deviceOf(request, "unsubscribePush");
      await deletePushSubscription(ctx, device);
      return statusOf(device.deviceId);
    },
  );

  app.put(
    `${API}/me/push/preference`,
    {
      schema: {
        summary: "Show the sender's name in notifications on this device, or not",
        tags,
        security,
        body: PushPreferenceRequest,
        response: { 200: PushStatusResponse, ...errorResponses },
      },
    },
    async (request) => {
      const device = await deviceOf(request, "setPushPreference");
      await setPushPreview(ctx, device, request.body.preview);
      return statusOf(device.deviceId);
    },
  );
}
