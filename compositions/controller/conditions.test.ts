import { describe, expect, it } from "vitest";
import { mergeConditions, stable, statusPatch } from "./conditions.ts";
import { keyOf, parseKey } from "./keys.ts";
import type { ComposeKey } from "./keys.ts";

describe("statusPatch", () => {
  const cases: Record<string, { reason: string; current: unknown; next: Record<string, unknown>; want: Record<string, unknown> | undefined }> = {
    unchanged: { reason: "an equal status is never written, whatever the key order", current: { a: 1, b: { x: 1, y: 2 } }, next: { b: { y: 2, x: 1 }, a: 1 }, want: undefined },
    changed: { reason: "only the keys that changed are sent", current: { a: 1, b: 2 }, next: { a: 1, b: 3 }, want: { b: 3 } },
    removed: { reason: "a key that is gone becomes null (merge patch removes it)", current: { url: "https://x", a: 1 }, next: { a: 1 }, want: { url: null } },
    fromNothing: { reason: "no status yet: everything is sent", current: undefined, next: { a: 1 }, want: { a: 1 } },
  };
  for (const [name, c] of Object.entries(cases)) it(`${name}: ${c.reason}`, () => expect(statusPatch(c.current, c.next)).toEqual(c.want));
});

describe("mergeConditions", () => {
  it("moves lastTransitionTime only when the status changes, and stamps the generation", () => {
    const first = mergeConditions([], [{ type: "Ready", status: "False", reason: "Waiting", message: "waiting for lb" }], 1, "t1");
    const same = mergeConditions(first, [{ type: "Ready", status: "False", reason: "Creating", message: "cdn creating" }], 2, "t2");
    expect(same).toEqual([{ type: "Ready", status: "False", reason: "Creating", message: "cdn creating", lastTransitionTime: "t1", observedGeneration: 2 }]);
    const flipped = mergeConditions(same, [{ type: "Ready", status: "True", reason: "Available" }], 2, "t3");
    expect(flipped).toEqual([{ type: "Ready", status: "True", reason: "Available", lastTransitionTime: "t3", observedGeneration: 2 }]);
  });
});

describe("stable", () => {
  it("is the same for the same value in any key order, and drops undefined", () => {
    expect(stable({ b: [1, { d: 1, c: 2 }], a: undefined })).toBe(stable({ b: [1, { c: 2, d: 1 }] }));
  });
});

describe("work-queue keys", () => {
  const keys: ComposeKey[] = [
    { type: "definition", name: "webstacks.platform.terraplane.dev" },
    { type: "composition", name: "webstack-aws" },
    { type: "instance", definition: "webstacks.platform.terraplane.dev", namespace: "shop", name: "web" },
  ];
  for (const k of keys) it(`round-trips a ${k.type} key`, () => expect(parseKey(keyOf(k))).toEqual(k));
  it("refuses keys of other controllers", () => expect(parseKey("aws.terraplane.dev/Database/ns/db")).toBeUndefined());
});
