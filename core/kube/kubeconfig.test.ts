import { RequestContext, HttpMethod } from "@kubernetes/client-node/dist/gen/http/http.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DISPATCHER_TTL_MS, PooledKubeConfig } from "./kubeconfig.ts";

function config(user = "u"): PooledKubeConfig {
  const kc = new PooledKubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: "https://127.0.0.1:6443", caData: Buffer.from("a CA").toString("base64") }],
    users: [{ name: user, token: "t" }],
    contexts: [{ name: "ctx", cluster: "c", user }],
    currentContext: "ctx",
  });
  return kc;
}

async function dispatcherOf(kc: PooledKubeConfig): Promise<unknown> {
  const context = new RequestContext("https://127.0.0.1:6443/api", HttpMethod.GET);
  await kc.applySecurityAuthentication(context);
  expect(context.getHeaders().Authorization).toBe("Bearer t"); // authentication is still applied per request
  return context.getDispatcher();
}

describe("PooledKubeConfig", () => {
  afterEach(() => vi.useRealTimers());

  it("hands every request of one cluster and user the same connection pool", async () => {
    const kc = config();
    const first = await dispatcherOf(kc);
    expect(first).toBeDefined();
    expect(await dispatcherOf(kc)).toBe(first);
    expect(await dispatcherOf(config())).not.toBe(first); // another KubeConfig keeps its own
  });

  it("replaces the pool after its time to live, so certificates are read afresh", async () => {
    vi.useFakeTimers();
    const kc = config();
    const first = await dispatcherOf(kc);
    vi.advanceTimersByTime(DISPATCHER_TTL_MS + 1);
    const second = await dispatcherOf(kc);
    expect(second).not.toBe(first);
    expect(await dispatcherOf(kc)).toBe(second);
  });
});
