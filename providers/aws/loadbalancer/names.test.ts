import { describe, expect, it } from "vitest";
import { isProviderError } from "../../../core/errors.ts";
import type { Managed } from "../../../core/provider.ts";
import { assertLoadBalancerName, loadBalancerNameProblem, targetGroupName } from "./names.ts";

describe("targetGroupName", () => {
  const cases: Record<string, { reason: string; args: [string, string]; want: RegExp }> = {
    short: { reason: "fits as <lb>-<key>-<hash>", args: ["web", "api"], want: /^web-api-[0-9a-f]{6}$/ },
    long: { reason: "cut to 32 characters, hash kept", args: ["a-very-long-load-balancer-name-32", "backend"], want: /^a-very-long-load-balancer-[0-9a-f]{6}$/ },
    noDoubleHyphen: { reason: "a cut that ends on a hyphen is trimmed", args: ["abcdefghijklmnopqrstuvwx", "k"], want: /^abcdefghijklmnopqrstuvwx-[0-9a-f]{6}$/ },
    collapsed: { reason: "runs of hyphens collapse (AWS refuses --)", args: ["web--x", "api"], want: /^web-x-api-[0-9a-f]{6}$/ },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: ${c.reason}`, () => {
      const got = targetGroupName(...c.args);
      expect(got).toMatch(c.want);
      expect(got.length).toBeLessThanOrEqual(32);
      expect(got).not.toContain("--");
      expect(got).toMatch(/^[A-Za-z0-9].*[A-Za-z0-9]$/);
    });
  }

  it("is deterministic, and tells apart keys that read the same once joined", () => {
    expect(targetGroupName("lb", "web")).toBe(targetGroupName("lb", "web"));
    expect(targetGroupName("a-b", "c")).not.toBe(targetGroupName("a", "b-c"));
    expect(targetGroupName("x".repeat(32), "one")).not.toBe(targetGroupName("x".repeat(32), "two"));
  });
});

describe("load balancer names", () => {
  const cases: Record<string, { name: string; problem?: RegExp }> = {
    plain: { name: "web-prod-1" },
    max: { name: "a".repeat(32) },
    tooLong: { name: "a".repeat(33), problem: /33 characters long; the limit is 32/ },
    dotted: { name: "web.example", problem: /only letters, digits and single hyphens/ },
    leadingHyphen: { name: "-web", problem: /may not start or end with a hyphen/ },
    trailingHyphen: { name: "web-", problem: /may not start or end with a hyphen/ },
    doubleHyphen: { name: "web--prod", problem: /single hyphens/ },
    internal: { name: "internal-web", problem: /may not start with "internal-"/ },
  };
  for (const [label, c] of Object.entries(cases)) {
    it(label, () => {
      const problem = loadBalancerNameProblem(c.name);
      if (c.problem) expect(problem).toMatch(c.problem);
      else expect(problem).toBeUndefined();
    });
  }

  it("fails with a terminal error that says where the name came from and what to do", () => {
    const mr: Managed = {
      metadata: { name: "web.example", namespace: "ns", annotations: {} },
      spec: { forProvider: {}, managementPolicies: ["*"], providerConfigRef: { kind: "ClusterProviderConfig", name: "default" } },
    };
    let thrown: unknown;
    try {
      assertLoadBalancerName(mr);
    } catch (err) {
      thrown = err;
    }
    expect(isProviderError(thrown) && thrown.errorClass).toBe("InvalidParameter");
    expect(String(thrown)).toContain('"web.example" (from metadata.name) cannot be an ELB load balancer name');
    expect(String(thrown)).toContain("terraplane.dev/external-name");
  });
});
