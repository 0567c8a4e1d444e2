import assert from "node:assert/strict";
import { test } from "node:test";
import type { ServerFrame } from "@confrere/protocol";
import { RealtimeConnection, type WebSocketLike } from "./realtime.ts";

/** A socket the test drives by hand: it opens, receives and closes when told. */
class ScriptedSocket implements WebSocketLike {
  static last: ScriptedSocket | null = null;
  readyState = 0;
  readonly sent: string[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {
    ScriptedSocket.last = this;
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    // Like a real socket: CLOSING until the peer answers; frames in flight may still arrive.
    this.readyState = 2;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(frame: ServerFrame): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

test("after stop(), frames still in flight on the closing socket are not handed on", () => {
  const frames: ServerFrame["type"][] = [];
  const connection = new RealtimeConnection({
    url: "ws://confrere.test/api/v1/realtime",
    token: () => "session-token",
    WebSocket: ScriptedSocket,
    onReady: () => {},
    onFrame: (frame) => frames.push(frame.type),
  });
  connection.start();
  const socket = ScriptedSocket.last!;
  socket.open();
  assert.deepEqual(JSON.parse(socket.sent[0]!), { type: "hello", token: "session-token" });
  socket.receive({ type: "pong" });
  assert.deepEqual(frames, ["pong"]);

  connection.stop();
  // Handing a late entry on would make the device acknowledge a message it never showed, and the
  // server would then not notify the person who just went away.
  socket.receive({ type: "pong" });
  assert.deepEqual(frames, ["pong"]);
  assert.equal(connection.isOpen, false);
});
