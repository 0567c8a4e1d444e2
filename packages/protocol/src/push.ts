import { type Static, Type } from "@sinclair/typebox";
import { StrictObject } from "./common.ts";

/**
 * Web Push (RFC 8030) with VAPID (RFC 8292): the browser's push subscription of one device, and
 * what the server ever puts in a notification. A notification never carries a message, an
 * attachment name or a patient datum: only a title, the badge count and the conversation to open.
 */

/** What a notification's title shows: the sender's name ("Nouveau message de Dr X") or nothing. */
export const PushPreview = Type.Union([
  Type.Literal("sender", { description: "“Nouveau message de Dr X”" }),
  Type.Literal("none", { description: "“Nouveau message” only" }),
]);
export type PushPreview = Static<typeof PushPreview>;

/** `PushManager.subscribe()`'s `toJSON()`, as the browser gives it. */
export const PushSubscribeRequest = StrictObject({
  endpoint: Type.String({
    format: "uri",
    minLength: 10,
    maxLength: 2048,
    description: "The push service URL of this browser (HTTPS)",
    examples: ["https://fcm.googleapis.com/fcm/send/dXNlcg:APA91b"],
  }),
  keys: StrictObject({
    p256dh: Type.String({
      pattern: "^[A-Za-z0-9_-]{86,88}={0,2}$",
      description: "The browser's P-256 public key, base64url (65 bytes uncompressed)",
      examples: ["BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"],
    }),
    auth: Type.String({
      pattern: "^[A-Za-z0-9_-]{22,24}={0,2}$",
      description: "The 16-byte authentication secret, base64url",
      examples: ["tBHItJI5svbpez7KI4CCXg"],
    }),
  }),
  expirationTime: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  preview: Type.Optional(PushPreview),
});
export type PushSubscribeRequest = Static<typeof PushSubscribeRequest>;

export const PushPreferenceRequest = StrictObject({ preview: PushPreview });
export type PushPreferenceRequest = Static<typeof PushPreferenceRequest>;

/** This device's push state: the key to subscribe with, and whether (and how) it is subscribed. */
export const PushStatusResponse = StrictObject({
  /** The server's VAPID public key (base64url, 65 bytes): `applicationServerKey` of `subscribe()`. */
  vapidPublicKey: Type.String(),
  isSubscribed: Type.Boolean(),
  preview: PushPreview,
});
export type PushStatusResponse = Static<typeof PushStatusResponse>;

/**
 * The decrypted payload the service worker receives: nothing else is ever sent.
 *
 * @example
 * { "title": "Nouveau message de Dr Léa Leroy", "badge": 3, "conversationId": "c_1" }
 */
export const PushPayload = StrictObject({
  title: Type.String({ maxLength: 200 }),
  /** Unread messages on this device, for `navigator.setAppBadge()`. */
  badge: Type.Integer({ minimum: 0 }),
  conversationId: Type.String(),
});
export type PushPayload = Static<typeof PushPayload>;
