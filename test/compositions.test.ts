import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isRecord } from "../compositions/cel-types.ts";
import { composeEnvironment, conditionOf, installComposeCrds, WEBSTACK_RESOURCE } from "./harness/compose.ts";
import type { ComposeEnvironment } from "./harness/compose.ts";
import { kubectlOk } from "./harness/kube.ts";
import { uniqueName } from "./harness/names.ts";

// WebStacks end to end: kubectl → the real API server (the abstract CRD the controller generated
// from the catalog's definition) → the composite controller → composed managed resources → the
// AWS and GCP providers → fault proxies of the test's own → moto and the GCP emulator.

const READY_WAIT = { timeout: 150_000, interval: 2_000 };

function statusOf(obj: Record<string, unknown> | undefined): Record<string, unknown> {
  return isRecord(obj?.status) ? obj.status : {};
}

function resourcesOf(obj: Record<string, unknown> | undefined): Record<string, unknown>[] {
  const r = statusOf(obj).resources;
  return Array.isArray(r) ? r.filter(isRecord) : [];
}

async function secretKeys(ns: string, name: string): Promise<string[]> {
  const out = await kubectlOk(["get", "secret", name, "-n", ns, "-o", "json"]);
  const parsed: unknown = JSON.parse(out);
  return isRecord(parsed) && isRecord(parsed.data) ? Object.keys(parsed.data).sort() : [];
}

/** Waits for Ready=True; with COMPOSE_DEBUG set, prints each new condition message on the way. */
async function untilReady(env: ComposeEnvironment, name: string): Promise<void> {
  let last = "";
  await expect.poll(async () => {
    const obj = await env.getWebStack(name);
    const seen = JSON.stringify((statusOf(obj).conditions as unknown[] | undefined)?.map((c) => (isRecord(c) ? `${String(c.type)}=${String(c.status)}: ${String(c.message ?? "")}` : "")));
    if (process.env.COMPOSE_DEBUG && seen !== last) console.error(`${name}: ${seen}`);
    last = seen;
    return conditionOf(obj, "Ready")?.status;
  }, READY_WAIT).toBe("True");
}

describe("WebStack compositions on the emulators", () => {
  let env: ComposeEnvironment;
  beforeAll(async () => {
    await installComposeCrds();
    env = await composeEnvironment({ nsPrefix: "ws" });
  });
  afterAll(async () => env?.close());

  it("an AWS WebStack becomes Ready with every composed resource Ready, its endpoint in status and a connection Secret with the declared keys", async () => {
    const name = uniqueName("shop");
    const t0 = Date.now();
    await env.applyWebStack(name, { cloud: "aws", backends: ["172.31.10.11", "172.31.20.12"], writeConnectionSecretToRef: { name: `${name}-conn` } });
    await untilReady(env, name);
    console.info(`aws WebStack → Ready in ${Date.now() - t0} ms`);
    const ws = await env.getWebStack(name);
    expect(resourcesOf(ws).map((r) => [r.id, r.ready, r.synced])).toEqual([["db", "True", "True"], ["lb", "True", "True"], ["cdn", "True", "True"]]);
    expect(statusOf(ws).url).toMatch(/^https:\/\/\w+\.cloudfront\.net$/);
    expect(statusOf(ws).loadBalancerAddress).toMatch(/elb/);
    expect(statusOf(ws).composition).toMatchObject({ name: env.compositionName("aws") });
    await expect.poll(() => secretKeys(env.ns, `${name}-conn`), READY_WAIT).toEqual(["host", "password", "port", "uri", "url", "username"]);
    const table = await kubectlOk(["get", WEBSTACK_RESOURCE, name, "-n", env.ns]);
    expect(table).toMatch(new RegExp(`${name}\\s+True\\s+True\\s+${env.compositionName("aws")}`));
  }, 200_000);
});

void sleep;
