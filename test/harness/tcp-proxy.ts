import { connect, createServer } from "node:net";
import type { Socket } from "node:net";

// A plain TCP relay (TLS passes through untouched) that can cut every live connection on demand:
// what a load balancer restart or a flaky network does to a controller's watches.

export interface CuttableProxy {
  /** host:port it listens on (loopback). */
  readonly address: { host: string; port: number };
  /** Connections accepted so far. */
  readonly accepted: () => number;
  /** Destroys every live connection, both sides; returns how many were cut. */
  cutAll(): number;
  close(): Promise<void>;
}

export async function startCuttableProxy(upstream: { host: string; port: number }): Promise<CuttableProxy> {
  const live = new Set<Socket>();
  let accepted = 0;
  const server = createServer((client) => {
    accepted++;
    const backend = connect(upstream.port, upstream.host);
    const pair = [client, backend];
    for (const s of pair) {
      live.add(s);
      s.on("error", () => undefined); // a cut or a reset: the other side is destroyed below
      s.on("close", () => {
        live.delete(s);
        for (const other of pair) other.destroy();
      });
    }
    client.pipe(backend);
    backend.pipe(client);
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolveListen());
  });
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("tcp proxy has no port");
  return {
    address: { host: "127.0.0.1", port: addr.port },
    accepted: () => accepted,
    cutAll() {
      const clients = [...live].length;
      for (const s of [...live]) s.destroy();
      return Math.ceil(clients / 2);
    },
    close: async () => {
      for (const s of [...live]) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
