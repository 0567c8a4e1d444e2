import {
  type ClientFrame,
  ConfrereError,
  type PostEntryResponse,
  type ServerFrame,
} from "@confrere/protocol";

/** The part of the WebSocket API we use: the browser's, or the `ws` package's in Node. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

const OPEN = 1;
/** A send over the socket not answered in this time is retried over HTTP (same id: no duplicate). */
const SEND_TIMEOUT_MS = 15_000;

/** The socket closed or was never open: the caller sends over HTTP instead. */
export class SocketUnavailable extends Error {}

interface PendingSend {
  resolve(value: PostEntryResponse): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * One WebSocket per device, authenticated by the session token in its first frame (never in the
 * URL, which proxies log). Reconnects with backoff; after each (re)connection `onReady` runs so the
 * client resumes from its last acknowledged positions.
 */
export class RealtimeConnection {
  private socket: WebSocketLike | null = null;
  private stopped = false;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private keepAlive: ReturnType<typeof setInterval> | null = null;
  private readonly pendingSends = new Map<string, PendingSend>();

  constructor(
    private readonly options: {
      url: string;
      token: () => string | null;
      WebSocket: WebSocketConstructor;
      onFrame: (frame: ServerFrame) => void;
      onReady: () => void;
      onClose?: (code: number, reason: string) => void;
    },
  ) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  private open(): void {
    const token = this.options.token();
    if (!token || this.stopped) return;
    const socket = new this.options.WebSocket(this.options.url);
    this.socket = socket;
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: "hello", token } satisfies ClientFrame));
    };
    socket.onmessage = (event) => {
      // A closing socket may still deliver what was in flight; after stop() nothing is read, so a
      // device that went away does not acknowledge (and so silence the push for) a late message.
      if (this.stopped || this.socket !== socket) return;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(String(event.data)) as ServerFrame;
      } catch {
        return;
      }
      if (frame.type === "sent" || (frame.type === "error" && frame.clientMessageId)) {
        this.answer(frame);
        return;
      }
      if (frame.type === "ready") {
        this.attempt = 0;
        this.keepAlive = setInterval(() => this.send({ type: "ping" }), 25_000);
        this.options.onReady();
      }
      this.options.onFrame(frame);
    };
    socket.onerror = () => {};
    socket.onclose = (event) => {
      if (this.keepAlive) clearInterval(this.keepAlive);
      this.keepAlive = null;
      this.socket = null;
      this.failPendingSends();
      this.options.onClose?.(event.code, event.reason);
      // 4001/4003: the session is gone; reconnecting would not help.
      if (this.stopped || event.code === 4001 || event.code === 4003) return;
      const delay = Math.min(30_000, 250 * 2 ** this.attempt++) * (0.5 + Math.random() / 2);
      this.timer = setTimeout(() => this.open(), delay);
    };
  }

  get isOpen(): boolean {
    return this.socket?.readyState === OPEN;
  }

  send(frame: ClientFrame): boolean {
    if (!this.socket || this.socket.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  /**
   * Appends an application message over the socket; resolves once the server committed it, like
   * `POST /conversations/{id}/messages`. Rejects with SocketUnavailable when the socket can't
   * carry it (closed, or no answer in time): the caller then posts it over HTTP.
   */
  sendMessage(
    conversationId: string,
    request: { clientMessageId: string; epoch: number; body: string },
  ): Promise<PostEntryResponse> {
    const { clientMessageId } = request;
    if (this.pendingSends.has(clientMessageId) || !this.send({ type: "send", conversationId, ...request })) {
      return Promise.reject(new SocketUnavailable("sendMessage: the socket is not open"));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingSends.delete(clientMessageId);
        reject(new SocketUnavailable("sendMessage: no answer over the socket"));
      }, SEND_TIMEOUT_MS);
      this.pendingSends.set(clientMessageId, { resolve, reject, timer });
    });
  }

  private answer(frame: Extract<ServerFrame, { type: "sent" } | { type: "error" }>): void {
    const pending = frame.clientMessageId ? this.pendingSends.get(frame.clientMessageId) : undefined;
    if (!pending || !frame.clientMessageId) return;
    this.pendingSends.delete(frame.clientMessageId);
    clearTimeout(pending.timer);
    if (frame.type === "sent") {
      pending.resolve({ seq: frame.seq, epoch: frame.epoch, duplicate: frame.duplicate });
      return;
    }
    // Status 0: the refusal came over the socket, not as an HTTP answer; the code is what counts.
    const details = frame.currentEpoch === undefined ? undefined : { currentEpoch: frame.currentEpoch };
    pending.reject(new ConfrereError(frame.code, 0, frame.message, details));
  }

  private failPendingSends(): void {
    for (const pending of this.pendingSends.values()) {
      clearTimeout(pending.timer);
      pending.reject(new SocketUnavailable("sendMessage: the socket closed before the answer"));
    }
    this.pendingSends.clear();
  }

  stop(): void {
    this.stopped = true;
    this.failPendingSends();
    if (this.timer) clearTimeout(this.timer);
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.socket?.close(1000, "bye");
    this.socket = null;
  }
}
