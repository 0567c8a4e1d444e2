/**
 * The floor of the realtime path: a bare `ws` server that echoes every frame, run as its own
 * process (like the server under test). Prints "listening PORT" once ready.
 */
import { WebSocketServer } from "ws";

const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
server.on("listening", () => {
  const address = server.address();
  console.log(`listening ${typeof address === "object" && address ? address.port : address}`);
});
server.on("connection", (socket) => {
  socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
});
process.once("SIGTERM", () => server.close(() => process.exit(0)));
