/** Tables of Web Push (see migrations/0012-push-subscriptions.ts). Times in epoch milliseconds. */

/** The browser push subscription of one device: at most one per device, gone with the device. */
export interface PushSubscriptionsTable {
  device_id: string;
  user_id: string;
  /** The push service URL (RFC 8030): posted to, never shown. */
  endpoint: string;
  /** The browser's P-256 public key and auth secret (RFC 8291), base64url. */
  p256dh: string;
  auth: string;
  /** "sender": “Nouveau message de Dr X”; "none": “Nouveau message”. */
  preview: "sender" | "none";
  /**
   * `conversation:seq` of the last entry pushed to this device: claimed by a conditional update,
   * so that of several nodes hearing the same bus event only one sends it.
   */
  last_pushed: string | null;
  created_at: number;
  updated_at: number;
}

export interface PushTables {
  push_subscriptions: PushSubscriptionsTable;
}
