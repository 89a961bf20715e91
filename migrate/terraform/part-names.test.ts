import { describe, expect, it } from "vitest";
import { Annotations } from "../../core/managed.ts";
import type { Managed } from "../../core/provider.ts";
import { namingOf } from "../../providers/aws/loadbalancer/part-names.ts";
import { namesOf } from "../../providers/gcp/compute/names.ts";
import { fixture } from "./_fixtures.ts";
import { importTerraform } from "./import.ts";
import type { Manifest } from "./manifest.ts";

// The composite kinds' parts keep the names Terraform gave them (ADR 0012): the import records them
// per part key in terraplane.dev/external-names, and the providers' own naming resolves each part
// to exactly that name, so the first plan reads the parts Terraform made instead of planning new ones.

const OPTS = { namespace: "migrated", providerConfig: { kind: "ClusterProviderConfig", name: "default" } } as const;

function manifest(file: string, apiGroup: string, kind: string, name: string): Manifest {
  const found = importTerraform(fixture(file), file, OPTS).manifests.find((m) => m.apiVersion.startsWith(apiGroup) && m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`${file}: no ${kind}/${name}`);
  return found;
}

const partNamesOf = (m: Manifest): unknown => JSON.parse(m.metadata.annotations[Annotations.externalNames] ?? "null");

/** The manifest as the controller hands it to a provider (only metadata and the kind matter for naming). */
function asManaged(m: Manifest): Managed {
  return {
    kind: m.kind,
    metadata: { name: m.metadata.name, namespace: "migrated", uid: "u-1", annotations: { ...m.metadata.annotations } },
    spec: { forProvider: m.spec.forProvider, managementPolicies: ["Observe"], providerConfigRef: { kind: "ClusterProviderConfig", name: "default" } },
  };
}

const targetGroupKeys = (m: Manifest): string[] => {
  const fp = m.spec.forProvider as { targetGroups?: { name: string }[] };
  return (fp.targetGroups ?? []).map((tg) => tg.name);
};

describe("aws LoadBalancer: target groups keep their Terraform names", () => {
  const cases = [
    { file: "anzam-alb.tfstate", name: "this", want: { "targetGroups[web-alb-tg]": "web-alb-tg" } },
    { file: "driftctl-aws_lb_listener.tfstate", name: "test", want: { "targetGroups[tf-example-lb-tg]": "tf-example-lb-tg" } },
    { file: "aws-provider-v6.tfstate", name: "web-0", want: { "targetGroups[shop-blue]": "shop-blue", "targetGroups[shop-green]": "shop-green" } },
    { file: "aws-provider-v6.tfstate", name: "tcp", want: { "targetGroups[shop-tcp-tg]": "shop-tcp-tg" } },
  ];
  it.each(cases)("$file $name", ({ file, name, want }) => {
    const m = manifest(file, "aws.", "LoadBalancer", name);
    expect(partNamesOf(m)).toEqual(want);
    const lbName = m.metadata.annotations[Annotations.externalName] ?? "";
    const naming = namingOf(asManaged(m), lbName, targetGroupKeys(m));
    expect(Object.fromEntries(targetGroupKeys(m).map((key) => [`targetGroups[${key}]`, naming.nameOf(key)]))).toEqual(want);
  });

  it("a load balancer with no target groups in the state names none", () => {
    expect(manifest("driftctl-aws_alb.tfstate", "aws.", "LoadBalancer", "test").metadata.annotations[Annotations.externalNames]).toBeUndefined();
  });
});

describe("gcp LoadBalancer: every part of the chain keeps its Terraform name", () => {
  const cases = [
    {
      file: "otus-alex-k812-gcp-http-lb.tfstate",
      name: "http",
      want: { healthCheck: "reddit-app-hc", "backendServices[reddit-app-backend]": "reddit-app-backend", urlMap: "reddit-app-url-map", targetProxy: "reddit-app-http-proxy", forwardingRule: "reddit-app-http-rule" },
    },
    {
      file: "google-provider-v6.tfstate",
      name: "web-fr",
      want: {
        healthCheck: "shop-hc",
        "backendServices[shop-web-backend]": "shop-web-backend",
        "backendServices[shop-api-backend]": "shop-api-backend",
        urlMap: "shop-um",
        targetProxy: "shop-proxy",
        forwardingRule: "shop-fr",
      },
    },
  ];
  it.each(cases)("$file $name", ({ file, name, want }) => {
    const m = manifest(file, "gcp.", "LoadBalancer", name);
    expect(partNamesOf(m)).toEqual(want);
    const names = namesOf(asManaged(m), "LoadBalancer");
    const services = (m.spec.forProvider as { backendServices: { name: string }[] }).backendServices.map((b) => b.name);
    const resolved = {
      healthCheck: names.healthCheck,
      ...Object.fromEntries(services.map((key) => [`backendServices[${key}]`, names.backendService(key)])),
      urlMap: names.urlMap,
      targetProxy: names.targetProxy,
      forwardingRule: names.forwardingRule,
    };
    expect(resolved).toEqual(want);
  });
});

describe("gcp CDN: the backend and the front end keep their Terraform names", () => {
  const cases = [
    { file: "ronaldo-gcp-cdn-https.tfstate", name: "cdn-backend-bucket-tatic-vero", want: { backend: "web-admin-backend-bucket", urlMap: "teste-admin-https-lb", targetProxy: "cdn-https-proxy", forwardingRule: "teste-https-lb-forwarding-rule" } },
    {
      file: "ronaldo-gcp-cdn-http-and-https.tfstate",
      name: "cdn-backend-bucket-tatic-vero-prod",
      want: { backend: "web-admin-backend-bucket", urlMap: "teste-admin-https-lb", targetProxy: "cdn-https-proxy", forwardingRule: "teste-https-lb-forwarding-rule" },
    },
    { file: "google-provider-v6.tfstate", name: "static", want: { backend: "shop-static", urlMap: "static-um", targetProxy: "static-proxy", forwardingRule: "static-fr" } },
  ];
  it.each(cases)("$file $name", ({ file, name, want }) => {
    const m = manifest(file, "gcp.", "CDN", name);
    expect(partNamesOf(m)).toEqual(want);
    const names = namesOf(asManaged(m), "CDN");
    expect({ backend: names.backendBucket(), urlMap: names.urlMap, targetProxy: names.targetProxy, forwardingRule: names.forwardingRule }).toEqual(want);
  });
});

describe("kinds that are not composites name no parts", () => {
  it.each([
    ["anzam-rds.tfstate", "aws.", "Database"],
    ["anzam-cdn.tfstate", "aws.", "CDN"],
    ["subbachaudhary-cloudsql.tfstate", "gcp.", "Database"],
  ])("%s %s%s", (file, group, kind) => {
    const all = importTerraform(fixture(file), file, OPTS).manifests.filter((m) => m.apiVersion.startsWith(group) && m.kind === kind);
    expect(all.length).toBeGreaterThan(0);
    for (const m of all) expect(m.metadata.annotations[Annotations.externalNames]).toBeUndefined();
  });
});
