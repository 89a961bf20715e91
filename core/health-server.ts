import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface HealthServerOptions {
  readonly host: string;
  readonly port: number;
  readonly registry: Registry;
  /** Ready once every informer has synced; until then a Service should not route to us. */
  readonly ready: () => boolean;
}

/** /healthz (the process serves), /readyz (informers synced), /metrics (Prometheus). */
export async function startHealthServer(o: HealthServerOptions): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") return void res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    if (path === "/readyz") {
      const ok = o.ready();
      return void res.writeHead(ok ? 200 : 503, { "content-type": "text/plain" }).end(ok ? "ok" : "informers not synced");
    }
    if (path === "/metrics") {
      o.registry
        .metrics()
        .then((body) => res.writeHead(200, { "content-type": o.registry.contentType }).end(body))
        .catch((err: unknown) => res.writeHead(500).end(String(err)));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, resolveListen);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${o.host.includes(":") ? `[${o.host}]` : o.host}:${port}`,
    close: () => new Promise((resolveClose) => server.close(() => resolveClose())),
  };
}
