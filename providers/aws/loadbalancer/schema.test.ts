import { describe, expect, it } from "vitest";
import { managedCrd } from "../../../core/crd/generate.ts";
import { LoadBalancerParameters, loadBalancerKind } from "./schema.ts";

// The API server judges the CRD in the integration tests; here: it generates (structural), carries
// its CEL rules where they belong, and the zod schema applies the same defaults as the CRD.

describe("LoadBalancer schema", () => {
  const crd = managedCrd(loadBalancerKind);
  const forProvider = crd.spec.versions[0]?.schema.openAPIV3Schema.properties?.spec?.properties?.forProvider;

  it("generates a structural CRD with list-type maps keyed by name and port, and sets", () => {
    expect(crd.metadata.name).toBe("loadbalancers.aws.terraplane.dev");
    expect(forProvider?.properties?.targetGroups).toMatchObject({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"] });
    expect(forProvider?.properties?.listeners).toMatchObject({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["port"] });
    expect(forProvider?.properties?.subnets).toMatchObject({ "x-kubernetes-list-type": "set" });
    expect(forProvider?.properties?.targetGroups?.items?.properties?.targets).toMatchObject({ "x-kubernetes-list-type": "atomic", items: { "x-kubernetes-map-type": "atomic" } });
  });

  it("makes region, type and scheme immutable, and checks the cross-field rules, at admission", () => {
    const rules = (forProvider?.["x-kubernetes-validations"] ?? []).map((r) => r.message);
    expect(rules).toEqual(
      expect.arrayContaining([
        "region is immutable: create a new LoadBalancer with the new region (and delete this one) instead of changing it",
        "type is immutable: create a new LoadBalancer with the new type (and delete this one) instead of changing it",
        "scheme is immutable: create a new LoadBalancer with the new scheme (and delete this one) instead of changing it",
        "securityGroups apply to application load balancers only: remove them for type network",
        "defaultAction.forward.targetGroupName must name one of this LoadBalancer's targetGroups",
      ]),
    );
    const tgRules = (forProvider?.properties?.targetGroups?.items?.["x-kubernetes-validations"] ?? []).map((r) => r.rule);
    expect(tgRules.filter((r) => r.includes("oldSelf"))).toHaveLength(4);
  });

  it("defaults type, scheme and targetType like the CRD does", () => {
    const parsed = LoadBalancerParameters.parse({ region: "us-east-1", subnets: ["subnet-a"], targetGroups: [{ name: "a", protocol: "TCP", port: 80 }] });
    expect(parsed).toMatchObject({ type: "application", scheme: "internet-facing", targetGroups: [{ targetType: "instance" }] });
    expect(parsed.listeners).toBeUndefined();
  });
});
