import { expertiseStepMessageId, type PushPayload } from "@confrere/protocol";
import type WebPush from "web-push";
import { unreachableUsers } from "../care/availability.ts";
import { offDutyStaff } from "../care/service-routing.ts";
import type { AppContext } from "../context.ts";
import type { BusEvent } from "../messaging/bus.ts";
import { unreadCount } from "./badge-count.ts";
import type { VapidKeys } from "./vapid-keys.ts";

/**
 * How long a device has to fetch a new entry before it gets a notification. A device connected by
 * WebSocket receives the entry at once and acknowledges it (its `device_positions` row moves);
 * one that has not within this delay is asleep, closed or offline. Reading positions rather than
 * the sockets of this node keeps the answer right in a cluster, where the socket may be elsewhere.
 */
export const PUSH_GRACE_MS = 3000;
/** A notification older than a day is noise: push services drop it (RFC 8030 §5.2). */
const PUSH_TTL_SECONDS = 24 * 60 * 60;
const PUSH_TIMEOUT_MS = 10_000;
/** Devices notified at once. */
const PUSH_CONCURRENCY = 20;
/** Sweeps of due entries run this far apart at least: one subscription query per sweep, not per message. */
const SWEEP_MIN_INTERVAL_MS = 500;
/** Recipients looked up per query. */
const LOOKUP_CHUNK = 500;
/**
 * A sweep that failed (the database busy or briefly lost) is tried again this many times, this far
 * apart: dropping it would leave a sleeping device without any notice of its message.
 */
const SWEEP_ATTEMPTS = 3;
const SWEEP_RETRY_MS = 1000;
/** A push service that answers 429/5xx or not at all is asked again (RFC 8030 §8.4), this far apart. */
const DELIVERY_RETRY_MS = [1000, 3000];

/** The running notifier of each context (created by routes/push.ts), for urgent messages. */
const notifiers = new WeakMap<AppContext, PushNotifier>();

/** The context's push notifier, or null when Web Push is not configured. */
export function pushNotifierOf(ctx: AppContext): PushNotifier | null {
  return notifiers.get(ctx) ?? null;
}

/** What a notification needs of a new entry: never its body. */
interface DueEntry {
  conversationId: string;
  seq: number;
  senderUserId: string;
  /** The sender's message id: a télé-expertise request's is known (expertiseStepMessageId). */
  clientMessageId: string;
  recipients: string[];
  dueAt: number;
  /** Sweeps of this entry that failed so far. */
  failures: number;
}

interface Target {
  device_id: string;
  user_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  preview: "sender" | "none";
}

/**
 * Which of these entries are télé-expertise requests: their message id is the request's
 * (expertiseStepMessageId), and a request with that id was registered in that conversation. The
 * id alone proves nothing (any sender chooses it); the registration does.
 */
async function expertiseRequests(ctx: AppContext, entries: DueEntry[]): Promise<Set<string>> {
  const candidates = new Map<string, DueEntry>();
  for (const entry of entries) {
    const match = /^(exp_[A-Za-z0-9]+)-request$/.exec(entry.clientMessageId);
    if (match?.[1]) candidates.set(match[1], entry);
  }
  const found = new Set<string>();
  const ids = [...candidates.keys()];
  for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
    const rows = await ctx.db
      .selectFrom("tele_expertises")
      .select(["id", "conversation_id"])
      .where("id", "in", ids.slice(i, i + LOOKUP_CHUNK))
      .execute();
    for (const row of rows) {
      const entry = candidates.get(row.id);
      if (entry?.conversationId === row.conversation_id) found.add(expertiseStepMessageId(row.id, "request"));
    }
  }
  return found;
}

/**
 * Listens to the message bus and sends a Web Push notification to each recipient device that did
 * not get a new message over its WebSocket. The payload is only {title, badge, conversationId}:
 * never the message (the server cannot read it anyway), an attachment or a patient datum. The
 * title names the sender ("Nouveau message de Dr X") or not ("Nouveau message"), by the device's
 * setting. A push service answering 404 or 410 has dropped the subscription: it is deleted.
 */
export class PushNotifier {
  private readonly unsubscribe: () => void;
  /** Entries waiting for their grace period to end, in arrival (so due) order. */
  private due: DueEntry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private lastSweepAt = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly ctx: AppContext,
    private readonly vapid: VapidKeys,
    private readonly graceMs = PUSH_GRACE_MS,
  ) {
    this.unsubscribe = ctx.bus.subscribe((event) => this.onEvent(event));
    notifiers.set(ctx, this);
  }

  /**
   * Notifies every subscribed device of `userIds` at once, whether a device fetched the entry or
   * not: urgent messages (care/urgent.ts), whatever their availability (an urgent alert shows
   * until acknowledged), and on-call escalations of plain messages, which respect it. `round` 0
   * is the first notification: it claims the same key as the ordinary path, which then stays
   * silent for that entry; re-notifications and escalations claim keys of their own.
   */
  async notifyNow(
    recipients: string[],
    entry: { conversationId: string; seq: number; senderUserId: string | null },
    round: number,
    urgent: boolean,
  ): Promise<void> {
    const held = urgent
      ? new Set<string>()
      : await unreachableUsers(this.ctx, recipients, this.ctx.clock.now());
    const userIds = recipients.filter((id) => !held.has(id));
    if (userIds.length === 0) return;
    const targets = await this.ctx.db
      .selectFrom("push_subscriptions")
      .select(["device_id", "user_id", "endpoint", "p256dh", "auth", "preview"])
      .where("user_id", "in", userIds)
      .execute();
    if (targets.length === 0) return;
    const sender = entry.senderUserId
      ? await this.ctx.db
          .selectFrom("users")
          .select("display_name")
          .where("id", "=", entry.senderUserId)
          .executeTakeFirst()
      : undefined;
    const key =
      round === 0 ? `${entry.conversationId}:${entry.seq}` : `${entry.conversationId}:${entry.seq}:u${round}`;
    const work = (async () => {
      for (let i = 0; i < targets.length; i += PUSH_CONCURRENCY) {
        await Promise.all(
          targets.slice(i, i + PUSH_CONCURRENCY).map(async (target) => {
            if (!(await this.claim(target, key))) return;
            const named = target.preview === "sender" && sender;
            await this.deliver(target, {
              title: urgent
                ? named
                  ? `Message urgent de ${sender.display_name}`
                  : "Message urgent"
                : named
                  ? `Nouveau message de ${sender.display_name}`
                  : "Nouveau message",
              badge: await unreadCount(this.ctx, target.user_id),
              conversationId: entry.conversationId,
            });
          }),
        );
      }
    })();
    this.inFlight.add(work);
    try {
      await work;
    } finally {
      this.inFlight.delete(work);
    }
  }

  /** One send per device and key, even when every node of a cluster hears the bus event. */
  private async claim(target: Target, key: string): Promise<boolean> {
    const claimed = await this.ctx.db
      .updateTable("push_subscriptions")
      .set({ last_pushed: key })
      .where("device_id", "=", target.device_id)
      .where((eb) => eb.or([eb("last_pushed", "is", null), eb("last_pushed", "!=", key)]))
      .executeTakeFirst();
    return Number(claimed.numUpdatedRows) > 0;
  }

  private onEvent(event: BusEvent): void {
    if (event.kind !== "entry" || event.entry.kind !== "application" || event.silent) return;
    const recipients = event.userIds.filter((id) => id !== event.entry.senderUserId);
    if (recipients.length === 0) return;
    const { conversationId, seq, senderUserId, clientMessageId } = event.entry;
    this.due.push({
      conversationId,
      seq,
      senderUserId,
      clientMessageId,
      recipients,
      dueAt: Date.now() + this.graceMs,
      failures: 0,
    });
    this.schedule();
  }

  private schedule(): void {
    const next = this.due[0];
    if (this.timer || !next) return;
    const at = Math.max(next.dueAt, this.lastSweepAt + SWEEP_MIN_INTERVAL_MS);
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.lastSweepAt = Date.now();
        const now = Date.now();
        const index = this.due.findIndex((d) => d.dueAt > now);
        const batch = index < 0 ? this.due : this.due.slice(0, index);
        this.due = index < 0 ? [] : this.due.slice(index);
        const work = this.notify(batch).catch((error: unknown) => this.retryLater(batch, error));
        this.inFlight.add(work);
        void work.finally(() => this.inFlight.delete(work));
        this.schedule();
      },
      Math.max(0, at - Date.now()),
    );
  }

  /** Puts a failed sweep's entries back in line (in due order), unless they failed too often. */
  private retryLater(batch: DueEntry[], error: unknown): void {
    const again = batch
      .filter((entry) => entry.failures + 1 < SWEEP_ATTEMPTS)
      .map((entry) => ({ ...entry, failures: entry.failures + 1, dueAt: Date.now() + SWEEP_RETRY_MS }));
    this.ctx.logger.error(
      { err: error, entries: batch.length, retried: again.length },
      "push: notifying failed",
    );
    if (again.length === 0 || this.closed) return;
    this.due = [...this.due, ...again].sort((a, b) => a.dueAt - b.dueAt);
    this.schedule();
  }

  /**
   * One sweep: the subscriptions of every recipient in one query (a busy server with no subscribed
   * device pays that and nothing more), then, per device, the newest entry of each conversation:
   * ten messages in a burst make one notification, whose badge counts them all.
   */
  private async notify(due: DueEntry[]): Promise<void> {
    // Requests to a service reach its on-call staff; the rest of its roster hears of them only
    // by escalation (care/service-routing.ts).
    const offDuty = await offDutyStaff(
      this.ctx,
      due.map((entry) => entry.conversationId),
    );
    const batch = due.map((entry) => {
      const held = offDuty.get(entry.conversationId);
      return held ? { ...entry, recipients: entry.recipients.filter((id) => !held.has(id)) } : entry;
    });
    const everyone = [...new Set(batch.flatMap((d) => d.recipients))];
    // Availability: non-urgent notifications are held (not sent, not queued) for people away, in
    // consultation or outside their working hours; one query per sweep, like the subscriptions.
    const held = new Set<string>();
    for (let i = 0; i < everyone.length; i += LOOKUP_CHUNK) {
      const chunk = everyone.slice(i, i + LOOKUP_CHUNK);
      for (const userId of await unreachableUsers(this.ctx, chunk, this.ctx.clock.now())) held.add(userId);
    }
    const recipients = everyone.filter((id) => !held.has(id));
    if (recipients.length === 0) return;
    const targets: Target[] = [];
    for (let i = 0; i < recipients.length; i += LOOKUP_CHUNK) {
      targets.push(
        ...(await this.ctx.db
          .selectFrom("push_subscriptions")
          .select(["device_id", "user_id", "endpoint", "p256dh", "auth", "preview"])
          .where("user_id", "in", recipients.slice(i, i + LOOKUP_CHUNK))
          .execute()),
      );
    }
    if (targets.length === 0) return;
    const byUser = new Map<string, Target[]>();
    for (const target of targets) byUser.set(target.user_id, [...(byUser.get(target.user_id) ?? []), target]);
    const newest = new Map<string, { entry: DueEntry; target: Target }>();
    for (const entry of batch) {
      for (const userId of entry.recipients) {
        if (held.has(userId)) continue;
        for (const target of byUser.get(userId) ?? []) {
          newest.set(`${target.device_id}\u0000${entry.conversationId}`, { entry, target });
        }
      }
    }
    const senderIds = [...new Set([...newest.values()].map((n) => n.entry.senderUserId))];
    const senders = await this.ctx.db
      .selectFrom("users")
      .select(["id", "display_name"])
      .where("id", "in", senderIds)
      .execute();
    const nameOf = new Map(senders.map((u) => [u.id, u.display_name]));
    const jobs = [...newest.values()];
    const requests = await expertiseRequests(
      this.ctx,
      jobs.map((j) => j.entry),
    );
    // A message to a 500-member group must not open 500 connections at once.
    for (let i = 0; i < jobs.length; i += PUSH_CONCURRENCY) {
      await Promise.all(
        jobs
          .slice(i, i + PUSH_CONCURRENCY)
          .map(({ entry, target }) =>
            this.notifyDevice(
              entry,
              target,
              nameOf.get(entry.senderUserId) ?? null,
              requests.has(entry.clientMessageId),
            ),
          ),
      );
    }
  }

  private async notifyDevice(
    entry: DueEntry,
    target: Target,
    senderName: string | null,
    isExpertiseRequest: boolean,
  ): Promise<void> {
    const { ctx } = this;
    const position = await ctx.db
      .selectFrom("device_positions")
      .select("seq")
      .where("device_id", "=", target.device_id)
      .where("conversation_id", "=", entry.conversationId)
      .executeTakeFirst();
    if (position && Number(position.seq) >= entry.seq) return; // It has it: connected.
    if (!(await this.hasLiveSession(target.device_id))) {
      // Revoked or logged out: the subscription goes with the device's last session.
      await this.drop(target, "session_ended");
      return;
    }
    if (!(await this.claim(target, `${entry.conversationId}:${entry.seq}`))) return;
    const from = target.preview === "sender" && senderName ? ` de ${senderName}` : "";
    await this.deliver(target, {
      title: isExpertiseRequest ? `Demande de télé-expertise${from}` : `Nouveau message${from}`,
      badge: await unreadCount(ctx, target.user_id),
      conversationId: entry.conversationId,
    });
  }

  private async deliver(target: Target, payload: PushPayload): Promise<void> {
    const { ctx } = this;
    // web-push encrypts (RFC 8291, aes128gcm) and signs the VAPID JWT; the POST is ours, so that
    // its outcome (and a local stand-in in tests) is handled here.
    // web-push (with its ASN.1 and big-number code) is read on the first notification, not at start.
    const { default: webpush } = await import("web-push");
    const request = webpush.generateRequestDetails(
      { endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } },
      JSON.stringify(payload),
      {
        vapidDetails: {
          subject: ctx.config.vapidSubject,
          publicKey: this.vapid.publicKey,
          privateKey: this.vapid.privateKey,
        },
        TTL: PUSH_TTL_SECONDS,
        urgency: "high",
        contentEncoding: "aes128gcm",
      },
    );
    for (let attempt = 0; ; attempt++) {
      const status = await this.post(request, target);
      if (status === 404 || status === 410) {
        await this.drop(target, "expired");
        return;
      }
      if (status !== null && status >= 200 && status < 300) return;
      const transient = status === null || status === 429 || status >= 500;
      const delay = DELIVERY_RETRY_MS[attempt];
      if (!transient || delay === undefined || this.closed) {
        ctx.logger.warn(
          { status, deviceId: target.device_id, attempts: attempt + 1 },
          "push: the push service did not take a notification",
        );
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /** One POST to the push service: its status, or null when it did not answer. */
  private async post(
    request: ReturnType<typeof WebPush.generateRequestDetails>,
    target: Target,
  ): Promise<number | null> {
    try {
      const response = await fetch(request.endpoint, {
        method: request.method,
        headers: Object.fromEntries(
          Object.entries(request.headers).map(([name, value]) => [name, String(value)]),
        ),
        body: request.body ? new Uint8Array(request.body) : undefined,
        signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
        redirect: "error",
      });
      await response.body?.cancel();
      return response.status;
    } catch (error) {
      // The endpoint is a capability URL: log the device, not the address.
      this.ctx.logger.warn(
        { err: error, deviceId: target.device_id },
        "push: the push service is unreachable",
      );
      return null;
    }
  }

  private async hasLiveSession(deviceId: string): Promise<boolean> {
    const session = await this.ctx.db
      .selectFrom("sessions")
      .innerJoin("devices", "devices.id", "sessions.device_id")
      .select("sessions.id")
      .where("sessions.device_id", "=", deviceId)
      .where("sessions.revoked_at", "is", null)
      .where("sessions.expires_at", ">", this.ctx.clock.now())
      .where("devices.revoked_at", "is", null)
      .executeTakeFirst();
    return session !== undefined;
  }

  private async drop(target: Target, reason: "expired" | "session_ended"): Promise<void> {
    const result = await this.ctx.db
      .deleteFrom("push_subscriptions")
      .where("device_id", "=", target.device_id)
      .where("endpoint", "=", target.endpoint)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) return;
    await this.ctx.audit.record({
      action: "push.unsubscribed",
      targetType: "device",
      targetId: target.device_id,
      deviceId: target.device_id,
      detail: { reason },
    });
  }

  /** Stops listening; notifications already due finish (before the database closes). */
  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    if (notifiers.get(this.ctx) === this) notifiers.delete(this.ctx);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.due = [];
    await Promise.allSettled([...this.inFlight]);
  }
}
