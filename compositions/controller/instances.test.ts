import type { KubernetesObject } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { APPLIED_HASH, contains, needsWrite } from "./instances.ts";

describe("contains", () => {
  const cases: Record<string, { reason: string; have: unknown; want: unknown; ok: boolean }> = {
    extraFields: { reason: "fields others added (late init, defaults) are no difference", have: { region: "eu", size: 1, color: "red" }, want: { region: "eu", size: 1 }, ok: true },
    changedValue: { reason: "a desired value edited by hand is a difference", have: { size: 2 }, want: { size: 1 }, ok: false },
    arrayItems: { reason: "arrays compare item by item, items may carry more", have: [{ id: "a", port: 80 }], want: [{ id: "a" }], ok: true },
    arrayLength: { reason: "an array of another length differs", have: [{ id: "a" }, { id: "b" }], want: [{ id: "a" }], ok: false },
    missing: { reason: "a missing field differs", have: {}, want: { tags: { a: "b" } }, ok: false },
  };
  for (const [name, c] of Object.entries(cases)) it(`${name}: ${c.reason}`, () => expect(contains(c.have, c.want)).toBe(c.ok));
});

describe("needsWrite", () => {
  const desired = { apiVersion: "x/v1", kind: "Thing", metadata: { name: "a", labels: { l: "1" }, annotations: { [APPLIED_HASH]: "h1" } }, spec: { forProvider: { size: 1 } } };
  const observed = (hash: string, size: number): KubernetesObject & { spec: unknown } => ({
    apiVersion: "x/v1",
    kind: "Thing",
    metadata: { name: "a", labels: { l: "1", other: "x" }, annotations: { [APPLIED_HASH]: hash } },
    spec: { forProvider: { size, color: "red" }, providerConfigRef: { name: "default" } },
  });
  it("writes what does not exist", () => expect(needsWrite(desired, undefined)).toBe(true));
  it("does not write what holds the same content (no write per poll)", () => expect(needsWrite(desired, observed("h1", 1))).toBe(false));
  it("writes when the desired content changed (a removed field too: another hash)", () => expect(needsWrite(desired, observed("h0", 1))).toBe(true));
  it("writes back a hand edit", () => expect(needsWrite(desired, observed("h1", 5))).toBe(true));
});
