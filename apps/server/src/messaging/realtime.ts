import type { Duplex } from "node:stream";
import { ClientFrame, CloseCode, ConfrereError, ErrorCode, type ServerFrame } from "@confrere/protocol";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import type { WebSocket } from "ws";
import { authenticate } from "../accounts/sessions.ts";
import { recordRouting } from "../care/service-routing.ts";
import { assertUrgentOptions, recordUrgent } from "../care/urgent.ts";
import type { AppContext } from "../context.ts";
import { isDatabaseUnavailable } from "../db/unavailable.ts";
import { verificationRefusal } from "../http/auth-guard.ts";
import { requireMembership } from "./access.ts";
import type { BusEvent } from "./bus.ts";
import { memberIdsOfContacts } from "./contacts.ts";
import { acknowledge, appendApplicationMessage } from "./log.ts";

const clientFrame = TypeCompiler.Compile(ClientFrame);

/** A device must say hello (with its session token) this soon after connecting. */
const HELLO_TIMEOUT_MS = 10_000;
/** Ping period; a socket that missed a whole period's pong is dead. Also re-checks the session. */
const HEARTBEAT_MS = 30_000;
/** Sessions re-checked per query at each heartbeat. */
const HEARTBEAT_BATCH = 500;
/** Sockets pinged per turn of the event loop at each heartbeat. */
const PING_SLICE = 32;
/** Past this many bytes waiting in a socket's send buffer, the device is too slow: close it. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Unanswered `send` frames per socket before the server stops reading it (backpressure). */
const MAX_PENDING_SENDS = 256;
/** How long a slow device has to read up to its close frame before the socket is destroyed. */
const SLOW_CONSUMER_GRACE_MS = 10_000;

interface Connection {
  socket: WebSocket;
  userId: string;
  deviceId: string;
  sessionId: string;
  isAlive: boolean;
  /** `send` frames read from this socket and not yet answered. */
  pendingSends: number;
}

/**
 * The WebSocket side of one node: authenticates each device's socket, forwards bus events to the
 * sockets connected here, and takes acks and typing from devices. Sockets hold no state that
 * matters: a device that reconnects anywhere resumes from its last acknowledged position.
 */
export class RealtimeHub {
  private readonly byUser = new Map<string, Set<Connection>>();
  private readonly corked = new Set<Duplex>();
  private readonly unsubscribe: () => void;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly ctx: AppContext) {
    const unsubscribe = ctx.bus.subscribe((event) => this.dispatch(event));
    // Back from a lost link to the other nodes: what they pushed meanwhile never reached these
    // sockets. Devices reconnect and catch up from their positions, as after any disconnection.
    const stopResync = ctx.bus.onResync(() => this.closeAll(CloseCode.GOING_AWAY, "resynchronise"));
    this.unsubscribe = () => {
      unsubscribe();
      stopResync();
    };
    this.heartbeat = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  get connectionCount(): number {
    let n = 0;
    for (const set of this.byUser.values()) n += set.size;
    return n;
  }

  accept(socket: WebSocket): void {
    let connection: Connection | null = null;
    const helloTimer = setTimeout(
      () => socket.close(CloseCode.UNAUTHENTICATED, "hello expected"),
      HELLO_TIMEOUT_MS,
    );
    socket.on("pong", () => {
      if (connection) connection.isAlive = true;
    });
    socket.on("message", (data, isBinary) => {
      void (async () => {
        const frame = this.parse(data, isBinary);
        if (!frame) {
          socket.close(CloseCode.BAD_FRAME, "frames are JSON objects of the protocol");
          return;
        }
        if (!connection) {
          if (frame.type !== "hello") {
            socket.close(CloseCode.UNAUTHENTICATED, "hello expected first");
            return;
          }
          clearTimeout(helloTimer);
          connection = await this.hello(socket, frame.token);
          return;
        }
        await this.handle(connection, frame);
      })().catch((error: unknown) => {
        const code = error instanceof ConfrereError ? error.code : "INTERNAL_ERROR";
        const message = error instanceof ConfrereError ? error.message : "the frame could not be handled";
        if (!(error instanceof ConfrereError)) this.ctx.logger.error({ err: error }, "realtime frame failed");
        this.send(socket, { type: "error", code, message });
      });
    });
    socket.on("close", () => {
      clearTimeout(helloTimer);
      if (connection) void this.remove(connection);
    });
    socket.on("error", () => socket.terminate());
  }

  private parse(data: unknown, isBinary: boolean): ClientFrame | null {
    if (isBinary) return null;
    try {
      const value: unknown = JSON.parse(String(data));
      return clientFrame.Check(value) ? value : null;
    } catch {
      return null;
    }
  }

  private async hello(socket: WebSocket, token: string): Promise<Connection | null> {
    try {
      const { user, session } = await authenticate(this.ctx, token);
      if (session.scope !== "full") throw new Error("enrolment session");
      const refusal = verificationRefusal(user, "realtime");
      if (refusal) {
        // As every messaging route (http/auth-guard.ts): the code first, then a close that the
        // SDK does not retry (4001), since reconnecting would not verify the account.
        this.send(socket, { type: "error", code: refusal.code, message: refusal.message });
        socket.close(CloseCode.UNAUTHENTICATED, "professional identity not verified");
        return null;
      }
      const connection: Connection = {
        socket,
        userId: user.id,
        deviceId: session.device_id,
        sessionId: session.id,
        isAlive: true,
        pendingSends: 0,
      };
      let set = this.byUser.get(user.id);
      const firstHere = !set;
      if (!set) {
        set = new Set();
        this.byUser.set(user.id, set);
      }
      set.add(connection);
      // Presence is announced in the background: the device may send as soon as it reads `ready`,
      // and its frames must find the connection already set up.
      if (firstHere) void this.announce(user.id, true);
      this.send(socket, { type: "ready", userId: user.id, deviceId: session.device_id });
      return connection;
    } catch {
      socket.close(CloseCode.UNAUTHENTICATED, "the session is not valid");
      return null;
    }
  }

  private async handle(connection: Connection, frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case "ping":
        this.send(connection.socket, { type: "pong" });
        return;
      case "ack":
        await acknowledge(this.ctx, connection, frame.conversationId, frame.seq);
        return;
      case "send": {
        const { conversationId, clientMessageId } = frame;
        // Backpressure: a device with many sends awaiting their commit is not read from until
        // they are answered; TCP then slows the device down instead of the server queueing more.
        if (++connection.pendingSends === MAX_PENDING_SENDS) connection.socket.pause();
        try {
          // Urgent messages and requests to a service's on-call staff: alerts after the commit.
          if (frame.urgent || frame.renotifyAfterMinutes !== undefined)
            assertUrgentOptions(frame, "sendMessage");
          const sent = await appendApplicationMessage(
            this.ctx,
            connection,
            conversationId,
            frame,
            connection.sessionId,
          );
          if (frame.urgent) await recordUrgent(this.ctx, connection.userId, conversationId, sent, frame);
          else if (!frame.silent) await recordRouting(this.ctx, connection.userId, conversationId, sent);
          this.send(connection.socket, { type: "sent", conversationId, clientMessageId, ...sent });
        } catch (caught) {
          // Anything else (the database unreachable, a bug) still names the message, so that the
          // device retries it at once with the same id instead of waiting for its own timeout.
          const error = caught instanceof ConfrereError ? caught : notStored(caught, this.ctx);
          const currentEpoch = error.details?.currentEpoch;
          this.send(connection.socket, {
            type: "error",
            code: error.code,
            message: error.message,
            conversationId,
            clientMessageId,
            ...(typeof currentEpoch === "number" ? { currentEpoch } : {}),
          });
        } finally {
          if (connection.pendingSends-- === MAX_PENDING_SENDS) connection.socket.resume();
        }
        return;
      }
      case "typing": {
        await requireMembership(this.ctx.db, frame.conversationId, connection.userId, "typing");
        const members = await this.ctx.db
          .selectFrom("conversation_members")
          .select("user_id")
          .where("conversation_id", "=", frame.conversationId)
          .execute();
        this.ctx.bus.publish({
          kind: "typing",
          userIds: members.map((m) => m.user_id).filter((id) => id !== connection.userId),
          conversationId: frame.conversationId,
          userId: connection.userId,
        });
        return;
      }
      case "hello":
        return;
    }
  }

  private async remove(connection: Connection): Promise<void> {
    const set = this.byUser.get(connection.userId);
    if (!set) return;
    set.delete(connection);
    if (set.size === 0) {
      this.byUser.delete(connection.userId);
      await this.announce(connection.userId, false);
    }
  }

  private async announce(userId: string, online: boolean): Promise<void> {
    const userIds = await memberIdsOfContacts(this.ctx.db, userId).catch(() => []);
    this.ctx.bus.publish({ kind: "presence", userIds, userId, online });
  }

  /** Is the user connected to this node? */
  isOnline(userId: string): boolean {
    return this.byUser.has(userId);
  }

  private send(socket: WebSocket, frame: ServerFrame): void {
    if (!this.isWritable(socket)) return;
    this.write(socket, JSON.stringify(frame));
  }

  /**
   * Open and keeping up? A device that does not read would make the server hold its frames without
   * bound: it is cut off with SLOW_CONSUMER (it resumes from its last position when it reconnects).
   * The close frame waits behind what is buffered; a device that reads nothing more is dropped
   * after a grace period, so its buffer is freed either way.
   */
  private isWritable(socket: WebSocket): boolean {
    if (socket.readyState !== socket.OPEN) return false;
    // Measured once per turn, before this turn's frames: a batch may push megabytes to one device
    // at once, and no device could have read them yet. What it has not read by the next turn counts.
    const raw = (socket as unknown as { _socket?: Duplex })._socket;
    if (raw && this.corked.has(raw)) return true;
    if (socket.bufferedAmount <= MAX_BUFFERED_BYTES) return true;
    socket.close(CloseCode.SLOW_CONSUMER, "too slow: reconnect and resume from your last position");
    setTimeout(() => socket.terminate(), SLOW_CONSUMER_GRACE_MS).unref();
    return false;
  }

  /**
   * Sends a frame, holding the TCP socket's writes until the end of this turn of the event loop: the
   * frames a batch commit produces for one device leave in one system call instead of one each (the
   * largest cost in the profile before). `_socket` is ws's underlying net.Socket; without it, frames
   * go out one by one as before.
   */
  private write(socket: WebSocket, frame: string | Buffer): void {
    const raw = (socket as unknown as { _socket?: Duplex })._socket;
    if (raw && !this.corked.has(raw)) {
      raw.cork();
      this.corked.add(raw);
      if (this.corked.size === 1) setImmediate(() => this.uncorkAll());
    }
    socket.send(frame, { binary: false });
  }

  private uncorkAll(): void {
    for (const raw of this.corked) raw.uncork();
    this.corked.clear();
  }

  private dispatch(event: BusEvent): void {
    if (event.kind === "welcome") {
      for (const set of this.byUser.values()) {
        for (const c of set)
          if (c.deviceId === event.deviceId) this.send(c.socket, { type: "welcome", welcome: event.welcome });
      }
      return;
    }
    // Encoded once for all its recipients: a string would be measured and encoded again for each
    // socket (99 times per message in a group of 100).
    const frame = Buffer.from(JSON.stringify(toFrame(event)));
    for (const userId of event.userIds) {
      const set = this.byUser.get(userId);
      if (!set) continue;
      for (const c of set) {
        if (this.isWritable(c.socket)) this.write(c.socket, frame);
      }
    }
  }

  private async beat(): Promise<void> {
    const all: Connection[] = [];
    for (const set of this.byUser.values()) for (const c of set) all.push(c);
    const live: Connection[] = [];
    // A ping is a system call: ten thousand in one go held the event loop about a second here,
    // and every message in flight waited (p99 at 1,000 msg/s with 10,000 idle sockets: 141 ms).
    // In small slices, with a turn of the loop between them, messages go through meanwhile
    // (the same p99: 9.8 ms; bench/README.md).
    for (let i = 0; i < all.length; i += PING_SLICE) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      for (const c of all.slice(i, i + PING_SLICE)) {
        if (!c.isAlive) {
          c.socket.terminate();
          continue;
        }
        c.isAlive = false;
        c.socket.ping();
        live.push(c);
      }
    }
    // One query per batch of sockets, not one per socket: ten thousand idle devices stay cheap.
    const now = this.ctx.clock.now();
    for (let i = 0; i < live.length; i += HEARTBEAT_BATCH) {
      const batch = live.slice(i, i + HEARTBEAT_BATCH);
      const ended = await this.ctx.db
        .selectFrom("sessions")
        .select("id")
        .where(
          "id",
          "in",
          batch.map((c) => c.sessionId),
        )
        .where((eb) => eb.or([eb("revoked_at", "is not", null), eb("expires_at", "<=", now)]))
        .execute()
        .catch(() => []);
      const endedIds = new Set(ended.map((row) => row.id));
      for (const c of batch)
        if (endedIds.has(c.sessionId)) c.socket.close(CloseCode.SESSION_ENDED, "the session ended");
    }
  }

  /** Closes every socket (server shutdown): devices reconnect elsewhere and resume. */
  close(): void {
    clearInterval(this.heartbeat);
    this.unsubscribe();
    this.closeAll(CloseCode.GOING_AWAY, "server shutting down");
    this.byUser.clear();
  }

  private closeAll(code: number, reason: string): void {
    for (const set of this.byUser.values()) for (const c of set) c.socket.close(code, reason);
  }
}

function toFrame(event: Exclude<BusEvent, { kind: "welcome" }>): ServerFrame {
  switch (event.kind) {
    case "entry":
      return { type: "entry", entry: event.entry };
    case "conversation":
      return { type: "conversation", conversationId: event.conversationId };
    case "delivery":
      return { type: "delivery", conversationId: event.conversationId, userId: event.userId, seq: event.seq };
    case "typing":
      return { type: "typing", conversationId: event.conversationId, userId: event.userId };
    case "presence":
      return { type: "presence", userId: event.userId, online: event.online };
    case "devices":
      return { type: "devices", userId: event.userId };
  }
}

/** A send that failed on the server's side (database unreachable, a bug): logged without content, answered "try again". */
function notStored(error: unknown, ctx: AppContext): ConfrereError {
  const isUnavailable = isDatabaseUnavailable(error);
  const reason = { err: { message: (error as Error)?.message } };
  if (isUnavailable) ctx.logger.warn(reason, "realtime send failed: database unavailable");
  else ctx.logger.error(reason, "realtime send failed");
  return new ConfrereError(
    ErrorCode.SERVICE_UNAVAILABLE,
    503,
    `send: the message was not stored (${isUnavailable ? "the database cannot be reached right now" : "a server error"}); send it again with the same id`,
  );
}
