import { describe, expect, it } from "vitest";
import { testKinds, webstackComposition, webstackDefinition } from "./_catalog.ts";
import { compileComposition } from "./compile.ts";
import type { CompiledComposition } from "./compile.ts";
import type { Composition } from "./kinds.ts";
import { render } from "./render.ts";
import type { Instance, ObservedResource, RenderResult } from "./render.ts";

const definition = webstackDefinition();

function compiled(c: Composition): CompiledComposition {
  const r = compileComposition(c, definition, testKinds);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.compiled;
}

const instance = (cloud: "aws" | "gcp", backends: string[]): Instance => ({
  apiVersion: "platform.terraplane.dev/v1alpha1",
  kind: "WebStack",
  metadata: { name: "shop", namespace: "team-a", uid: "u-1" },
  spec: { cloud, backends },
});
const AWS = instance("aws", ["10.0.0.1"]);
const GCP = instance("gcp", ["projects/p/zones/europe-west1-b/instanceGroups/web"]);

const cond = (type: string, status: string, reason: string, message?: string) => ({ type, status, reason, ...(message ? { message } : {}), lastTransitionTime: "2026-01-01T00:00:00Z" });
function observed(manifest: Record<string, unknown> | undefined, atProvider: Record<string, unknown>, ready: [string, string, string?], details?: Record<string, string>): ObservedResource {
  return { object: { ...manifest, status: { atProvider, conditions: [cond("Ready", ...ready), cond("Synced", "True", "ReconcileSuccess")] } }, ...(details ? { connectionDetails: details } : {}) };
}
const byId = (r: RenderResult, id: string) => r.resources.find((x) => x.id === id);
const condition = (r: RenderResult, type: string) => r.conditions.find((c) => c.type === type);

describe("render", () => {
  const aws = compiled(webstackComposition("aws"));
  const gcp = compiled(webstackComposition("gcp"));

  it("with nothing observed: wave 0 rendered, the CDN waits for the load balancer's DNS name", () => {
    const r = render({ instance: AWS, composition: aws });
    expect(r.resources.map((x) => [x.id, x.wave, x.state])).toEqual([["db", 0, "rendered"], ["lb", 0, "rendered"], ["cdn", 1, "waiting"]]);
    expect(byId(r, "cdn")?.waitingFor).toEqual(["lb.status.atProvider.dnsName"]);
    expect(byId(r, "db")?.manifest).toMatchObject({
      metadata: { name: "shop-db", namespace: "team-a", labels: { "compose.terraplane.dev/composite": "shop", "compose.terraplane.dev/composition": "webstack-aws", "compose.terraplane.dev/resource-id": "db" }, ownerReferences: [{ kind: "WebStack", name: "shop", uid: "u-1", controller: true }] },
      spec: { forProvider: { instanceClass: "db.t3.micro", allocatedStorage: 20 } },
    });
    expect(byId(r, "lb")?.manifest).toMatchObject({ spec: { forProvider: { targetGroups: [{ port: 8080, targets: [{ id: "10.0.0.1" }], healthCheck: { path: "/healthz" } }] } } });
    expect(condition(r, "Ready")).toMatchObject({ status: "False", reason: "Waiting" });
    expect(condition(r, "Ready")?.message).toMatch(/^3 of 3 resources not ready: db \(Database shop-db\): not created yet; lb .*; cdn \(CDN shop-cdn\): waiting for lb.status.atProvider.dnsName$/);
    expect(condition(r, "Synced")).toMatchObject({ status: "True" });
    expect(r.connection.missing).toContain("password");
  });

  it("once the load balancer has a DNS name, the CDN is rendered with it; the blocking message puts the root cause first", () => {
    const first = render({ instance: AWS, composition: aws });
    const lb = observed(byId(first, "lb")?.manifest, { dnsName: "shop-lb-1.elb.amazonaws.com" }, ["True", "Available"]);
    const db = observed(byId(first, "db")?.manifest, { status: "creating" }, ["False", "Creating", "RDS status creating"]);
    const r = render({ instance: AWS, composition: aws, observed: new Map([["lb", lb], ["db", db]]) });
    expect(byId(r, "cdn")?.manifest).toMatchObject({ spec: { forProvider: { origins: [{ domainName: "shop-lb-1.elb.amazonaws.com" }] } } });
    expect(condition(r, "Ready")?.message).toBe("2 of 3 resources not ready: db (Database shop-db): Creating: RDS status creating; cdn (CDN shop-cdn): not created yet");
    expect(r.status).toMatchObject({ loadBalancerAddress: "shop-lb-1.elb.amazonaws.com" });
    expect(r.status.url).toBeUndefined();
  });

  it("all ready: Ready=True, status fields and connection details filled (values not in status)", () => {
    const first = render({ instance: AWS, composition: aws });
    const lbObs = observed(byId(first, "lb")?.manifest, { dnsName: "lb.example" }, ["True", "Available"]);
    const cdnManifest = render({ instance: AWS, composition: aws, observed: new Map([["lb", lbObs]]) }).resources[2]?.manifest;
    const observedAll = new Map([
      ["db", observed(byId(first, "db")?.manifest, { endpoint: { address: "db.example", port: 5432 } }, ["True", "Available"], { host: "db.example", port: "5432", username: "app", password: "s3cret", uri: "postgres://..." })],
      ["lb", lbObs],
      ["cdn", observed(cdnManifest, { domainName: "d1.cloudfront.net" }, ["True", "Available"])],
    ]);
    const r = render({ instance: AWS, composition: aws, observed: observedAll });
    expect(condition(r, "Ready")).toMatchObject({ status: "True" });
    expect(r.status).toMatchObject({ url: "https://d1.cloudfront.net", databaseHost: "db.example", composition: { name: "webstack-aws", revision: aws.revision } });
    expect(r.connection).toEqual({ data: { host: "db.example", port: "5432", username: "app", password: "s3cret", uri: "postgres://...", url: "https://d1.cloudfront.net" }, missing: [] });
    expect(JSON.stringify(r.status)).not.toContain("s3cret");
  });

  it("gcp: the CDN waits for the load balancer's health check, then uses it", () => {
    const first = render({ instance: GCP, composition: gcp });
    expect(byId(first, "cdn")?.waitingFor).toEqual(["lb.status.atProvider.healthCheck.name"]);
    expect(byId(first, "db")?.manifest).toMatchObject({ spec: { forProvider: { tier: "db-custom-1-3840", diskSizeGb: 20, region: "europe-west1" } } });
    const lb = observed(byId(first, "lb")?.manifest, { ipAddress: "34.1.2.3", healthCheck: { name: "shop-lb-hc", exists: true } }, ["False", "Creating", "forwarding rule pending"]);
    const r = render({ instance: GCP, composition: gcp, observed: new Map([["lb", lb]]) });
    expect(byId(r, "cdn")?.manifest).toMatchObject({ spec: { forProvider: { origin: { backendService: { healthCheck: "projects/terraplane-sandbox/global/healthChecks/shop-lb-hc", backends: [{ group: "projects/p/zones/europe-west1-b/instanceGroups/web" }] } } } } });
    expect(condition(r, "Ready")?.message).toMatch(/lb \(LoadBalancer shop-lb\): Creating: forwarding rule pending/);
  });

  it("an expression that fails at run time is an error for that resource only: no partial manifest", () => {
    const c = structuredClone(webstackComposition("aws"));
    const db = c.spec.resources[0]!.template.spec as { forProvider: Record<string, unknown> };
    db.forProvider.dbName = "${spec.backends[5]}";
    const r = render({ instance: AWS, composition: compiled(c) });
    expect(byId(r, "db")).toMatchObject({ state: "error", problems: [{ resource: "db", expression: "spec.backends[5]" }] });
    expect(byId(r, "db")?.manifest).toBeUndefined();
    expect(byId(r, "lb")?.state).toBe("rendered");
    expect(condition(r, "Synced")).toMatchObject({ status: "False", reason: "ComposeError" });
    expect(condition(r, "Synced")?.message).toMatch(/db template \$\{spec.backends\[5\]\}: .*index out of bounds/);
  });

  it("an instance that breaks the definition's schema gets Ready=False naming the field, and nothing is rendered", () => {
    const r = render({ instance: { ...AWS, spec: { ...AWS.spec, backends: ["10.0.0.1"], appPort: 70000 } }, composition: aws });
    expect(condition(r, "Ready")).toMatchObject({ status: "False", reason: "InvalidSpec" });
    expect(condition(r, "Ready")?.message).toMatch(/spec.appPort: instance must be at most 65535/);
    expect(r.resources).toEqual([]);
  });
});
