import net from "node:net";

/**
 * A TCP relay to a service (Redis, PostgreSQL) that a test can cut and restore: what a node sees
 * when the service, or the network to it, goes away and comes back, without touching the machine's
 * own service that other suites share. `url` is the target's URL with the relay's port instead.
 */
export async function tcpRelay(targetUrl: string, defaultPort: number) {
  const target = new URL(targetUrl);
  const open = new Set<net.Socket>();
  let isUp = true;
  const server = net.createServer((client) => {
    if (!isUp) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(target.port || defaultPort), target.hostname);
    open.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  const relayed = new URL(targetUrl);
  relayed.hostname = "127.0.0.1";
  relayed.port = String(port);
  return {
    url: relayed.toString(),
    /** Drops every open connection and refuses new ones. */
    cut() {
      isUp = false;
      for (const socket of open) socket.destroy();
      open.clear();
    },
    restore() {
      isUp = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
