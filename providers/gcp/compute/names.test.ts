import { describe, expect, it } from "vitest";
import { chainNames, computeName, isComputeName, MAX_NAME, normalizeRef, selfLinkOf } from "./names.ts";

describe("computeName", () => {
  const cases: Record<string, { base: string; suffix: string[]; want?: string }> = {
    "short names are kept as they are": { base: "shop", suffix: ["um"], want: "shop-um" },
    "a backend service key is appended": { base: "shop", suffix: ["bs", "web"], want: "shop-bs-web" },
    "dots (valid in Kubernetes names) are replaced": { base: "shop.prod", suffix: ["um"] },
    "a leading digit is dropped": { base: "1shop", suffix: ["fr"] },
    "long names are cut and hashed": { base: "a".repeat(70), suffix: ["proxy"] },
    "63 characters exactly fit": { base: "b".repeat(60), suffix: ["um"], want: `${"b".repeat(60)}-um` },
  };
  for (const [reason, c] of Object.entries(cases)) {
    it(reason, () => {
      const got = computeName(c.base, ...c.suffix);
      expect(isComputeName(got), got).toBe(true);
      expect(got.length).toBeLessThanOrEqual(MAX_NAME);
      if (c.want) expect(got).toBe(c.want);
      expect(computeName(c.base, ...c.suffix)).toBe(got); // deterministic
    });
  }

  it("keeps distinct long names distinct", () => {
    const a = computeName(`${"x".repeat(60)}-one`, "um");
    const b = computeName(`${"x".repeat(60)}-two`, "um");
    expect(a).not.toBe(b);
  });

  it("names every part of a chain", () => {
    const n = chainNames("shop");
    expect([n.healthCheck, n.backendService("web"), n.backendBucket(), n.urlMap, n.targetProxy, n.address, n.forwardingRule]).toEqual([
      "shop-hc",
      "shop-bs-web",
      "shop-bb",
      "shop-um",
      "shop-proxy",
      "shop-ip",
      "shop-fr",
    ]);
  });
});

describe("normalizeRef", () => {
  const cases: Record<string, { ref: string; want: string }> = {
    "a v1 self-link": { ref: selfLinkOf("p", "backendServices", "web"), want: "projects/p/global/backendServices/web" },
    "a beta self-link": { ref: "https://compute.googleapis.com/compute/beta/projects/p/global/urlMaps/u", want: "projects/p/global/urlMaps/u" },
    "a project path": { ref: "projects/p/global/sslCertificates/c", want: "projects/p/global/sslCertificates/c" },
    "a global path takes the default project": { ref: "global/addresses/a", want: "projects/p/global/addresses/a" },
    "a zonal instance group keeps its path": {
      ref: "https://www.googleapis.com/compute/v1/projects/p/zones/europe-west1-b/instanceGroups/ig",
      want: "projects/p/zones/europe-west1-b/instanceGroups/ig",
    },
  };
  for (const [reason, c] of Object.entries(cases)) {
    it(reason, () => expect(normalizeRef(c.ref, "p")).toBe(c.want));
  }
});
