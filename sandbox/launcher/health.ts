import { request as httpsRequest } from "node:https";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { parse } from "yaml";
import { z } from "zod";

const Kubeconfig = z.object({
  clusters: z.array(z.object({ cluster: z.object({ server: z.string(), "certificate-authority-data": z.string() }) })).min(1),
  users: z.array(z.object({ user: z.object({ token: z.string() }) })).min(1),
});

/** The parts of the sandbox's admin kubeconfig a health check needs. */
export interface KubeEndpoint {
  readonly server: string;
  readonly ca: string;
  readonly token: string;
}

export function readKubeEndpoint(kubeconfigPath: string): KubeEndpoint {
  const doc = Kubeconfig.parse(parse(readFileSync(kubeconfigPath, "utf8")));
  const [cluster] = doc.clusters;
  const [user] = doc.users;
  if (!cluster || !user) throw new Error(`${kubeconfigPath}: no cluster or user`);
  return {
    server: cluster.cluster.server,
    ca: Buffer.from(cluster.cluster["certificate-authority-data"], "base64").toString(),
    token: user.user.token,
  };
}

/** GET /readyz on the API server, authenticated and verified against the sandbox CA. */
export function kubeReady(endpoint: KubeEndpoint, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolveReady) => {
    const req = httpsRequest(
      new URL("/readyz", endpoint.server),
      { ca: endpoint.ca, headers: { authorization: `Bearer ${endpoint.token}` }, timeout: timeoutMs },
      (res) => {
        res.resume();
        resolveReady(res.statusCode === 200);
      },
    );
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolveReady(false));
    req.end();
  });
}

/** Any HTTP answer below 500 from a plain-http emulator or proxy means it is serving. */
export async function httpServing(url: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return res.status < 500;
  } catch {
    return false;
  }
}

export interface WaitOptions {
  readonly what: string;
  readonly timeoutMs: number;
  /** Stop waiting early, with this explanation, when it returns a string (e.g. the process died). */
  readonly failFast?: () => string | undefined;
}

export async function waitUntil(check: () => Promise<boolean>, opts: WaitOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (await check()) return;
    const failure = opts.failFast?.();
    if (failure) throw new Error(`${opts.what} failed to start: ${failure}`);
    if (Date.now() > deadline) throw new Error(`${opts.what} not ready after ${opts.timeoutMs / 1000}s`);
    await sleep(200);
  }
}
