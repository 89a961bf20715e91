import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorClassOf, ProviderError } from "../../core/errors.ts";
import type { ConnectContext, ExternalClient, Managed, RegisteredKind } from "../../core/provider.ts";
import { cdn } from "./cdn/index.ts";
import { CdnParameters } from "./cdn/schema.ts";
import { database } from "./database/index.ts";
import { DatabaseParameters } from "./database/schema.ts";
import { loadBalancer } from "./loadbalancer/index.ts";
import { LoadBalancerParameters } from "./loadbalancer/schema.ts";
import { awsConnector, SDK_TIMEOUTS } from "./session.ts";
import type { AwsSession } from "./session.ts";

// Each registered kind's connector builds a client whose SDK requests carry the reconcile's signal:
// against an endpoint that accepts connections and never answers, a call stops as soon as the
// signal fires, instead of pinning a worker until the SDK's own timeout.

/** An HTTP server on loopback that reads requests and never answers them. */
let hung: Server;
let endpoint: string;

beforeAll(async () => {
  hung = createServer(() => undefined);
  await new Promise<void>((resolve) => hung.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
});

afterAll(async () => {
  hung.closeAllConnections();
  await new Promise<void>((resolve, reject) => hung.close((err) => (err ? reject(err) : resolve())));
});

/** What the core gives a connector: a ProviderConfig pointing at `endpoint`, fixed keys, and the reconcile's signal. */
function connectContext(signal: AbortSignal, pcRegion = "eu-west-2"): ConnectContext {
  return {
    providerConfig: async () => ({
      apiVersion: "aws.terraplane.dev/v1alpha1",
      kind: "ClusterProviderConfig",
      metadata: { name: "default", uid: "pc-uid" },
      spec: { credentials: { source: "Secret", secretRef: { name: "creds", namespace: "aws" } }, region: pcRegion, endpoint },
    }),
    secretValue: async ({ key }) => {
      if (key === "sessionToken") throw new ProviderError("Configuration", "no sessionToken key");
      return "testing";
    },
    signal,
  };
}

function managed<F>(kind: string, forProvider: F, annotations: Record<string, string> = {}): Managed<F> {
  return {
    apiVersion: "aws.terraplane.dev/v1alpha1",
    kind,
    metadata: { name: "hung", namespace: "team", uid: `uid-${kind}`, annotations },
    spec: { forProvider, managementPolicies: ["*"], providerConfigRef: { kind: "ClusterProviderConfig", name: "default" } },
  };
}

/** Connects through the kind's own connector and observes, aborting the signal after `afterMs`. */
async function observeAborted<F, A>(kind: RegisteredKind<F, A>, mr: Managed<F, A>, afterMs: number): Promise<{ err: unknown; ms: number }> {
  const controller = new AbortController();
  const client: ExternalClient<F, A> = await kind.connector.connect(mr, connectContext(controller.signal));
  const start = performance.now();
  const timer = setTimeout(() => controller.abort(new DOMException("deadline", "TimeoutError")), afterMs);
  try {
    await client.observe(mr, { signal: controller.signal });
    return { err: undefined, ms: performance.now() - start };
  } catch (err) {
    return { err, ms: performance.now() - start };
  } finally {
    clearTimeout(timer);
  }
}

describe("an aborted signal stops the SDK request of every AWS kind", () => {
  const cases: Record<string, () => Promise<{ err: unknown; ms: number }>> = {
    "Database (RDS DescribeDBInstances)": () =>
      observeAborted(database, managed("Database", DatabaseParameters.parse({ engine: "postgres", instanceClass: "db.t3.micro", allocatedStorage: 20, masterUsername: "app", skipFinalSnapshot: true })), 150),
    "LoadBalancer (ELBv2 DescribeLoadBalancers)": () => observeAborted(loadBalancer, managed("LoadBalancer", LoadBalancerParameters.parse({ region: "us-east-1", subnets: ["subnet-a"] })), 150),
    "CDN (CloudFront GetDistribution)": () =>
      observeAborted(
        cdn,
        managed(
          "CDN",
          CdnParameters.parse({
            origins: [{ id: "web", domainName: "origin.example.com", custom: { originProtocolPolicy: "https-only" } }],
            defaultCacheBehavior: { targetOriginId: "web", viewerProtocolPolicy: "redirect-to-https" },
          }),
          { "terraplane.dev/external-name": "E123" },
        ),
        150,
      ),
  };
  for (const [name, run] of Object.entries(cases)) {
    it(name, async () => {
      const { err, ms } = await run();
      expect(err).toBeInstanceOf(ProviderError);
      // Aborted: retried later with backoff, never a terminal error.
      expect(errorClassOf(err)).toBe("Transient");
      // Without the signal the request would wait for the 30 s request timeout.
      expect(ms).toBeLessThan(2_000);
    });
  }
});

describe("awsConnector", () => {
  it("gives every SDK client the request timeouts, and takes the region from forProvider before the ProviderConfig's", async () => {
    const sessions: AwsSession[] = [];
    const connector = awsConnector<{ region?: string }, unknown>((session) => {
      sessions.push(session);
      return { observe: async () => ({ exists: false }), create: async () => ({}), update: async () => ({}), delete: async () => ({}) };
    });
    const signal = new AbortController().signal;
    await connector.connect(managed("Database", { region: "us-west-2" }), connectContext(signal));
    await connector.connect(managed("Database", {}), connectContext(signal));
    expect(sessions.map((s) => s.config.region)).toEqual(["us-west-2", "eu-west-2"]);
    for (const s of sessions) expect(s.config.requestHandler).toEqual({ connectionTimeout: 5_000, requestTimeout: 30_000, throwOnRequestTimeout: true });
    expect(sessions[0]?.config.requestHandler).toBe(SDK_TIMEOUTS);
  });
});
