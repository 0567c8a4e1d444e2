import type { ClientFrame, ServerFrame } from "@confrere/protocol";

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
      let frame: ServerFrame;
      try {
        frame = JSON.parse(String(event.data)) as ServerFrame;
      } catch {
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

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.socket?.close(1000, "bye");
    this.socket = null;
  }
}
