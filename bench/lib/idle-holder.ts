/**
 * A process of its own that holds idle authenticated sockets for `--idle-sockets`, so that pinging
 * and answering ten thousand sockets does not slow the load generator (whose lag would count as
 * latency). Reads `{ url, tokens, count }` as JSON on stdin, prints `open N` once every socket got
 * `ready`, then `still-open N` and exits when stdin closes.
 */
import { mapConcurrent } from "./accounts.ts";
import { openRealtimeSocket } from "./realtime-socket.ts";

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk: string) => {
  input += chunk;
  const end = input.indexOf("\n");
  if (end < 0) return;
  const { url, tokens, count } = JSON.parse(input.slice(0, end)) as {
    url: string;
    tokens: string[];
    count: number;
  };
  void hold(url, tokens, count);
});

async function hold(url: string, tokens: string[], count: number) {
  const sockets = await mapConcurrent(
    Array.from({ length: count }, (_, i) => tokens[i % tokens.length]!),
    100,
    (token) => openRealtimeSocket(url, token),
  );
  process.stdout.write(`open ${sockets.length}\n`);
  process.stdin.once("end", () => {
    const stillOpen = sockets.filter((socket) => socket.readyState === socket.OPEN).length;
    process.stdout.write(`still-open ${stillOpen}\n`);
    for (const socket of sockets) socket.terminate();
    process.exit(0);
  });
}
