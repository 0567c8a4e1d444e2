/**
 * A device's HTTP as a test sets it: up; down (nothing reaches the server); lossy (requests
 * arrive, answers are lost); or busy (the server answers 503, as when its database restarts).
 * Only HTTP: the device's WebSocket, opened with `ws`, stays up through all of them, as it does
 * when a proxy or the server's database fails while the connection holds.
 */
export class TestNetwork {
  state: "up" | "down" | "lossy" | "busy" = "up";
  /** The paths asked for while the network was not up, in order. */
  readonly failed: string[] = [];

  readonly fetch: typeof fetch = async (input, init) => {
    const state = this.state;
    if (state !== "up") this.failed.push(new URL(String(input)).pathname);
    if (state === "down") throw new TypeError("fetch failed: network is down");
    if (state === "busy") {
      const error = { code: "SERVICE_UNAVAILABLE", message: "the database cannot be reached right now" };
      return new Response(JSON.stringify({ error }), {
        status: 503,
        headers: { "content-type": "application/json" },
      });
    }
    const response = await fetch(input, init);
    if (state === "lossy") throw new TypeError("fetch failed: connection reset");
    return response;
  };
}
