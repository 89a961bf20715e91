import { describe, expect, it } from "vitest";
import { diffField, diffFields, sameSet } from "./diff.ts";

describe("diffField", () => {
  const cases: Record<string, { reason: string; got: ReturnType<typeof diffField>; want: ReturnType<typeof diffField> }> = {
    "unset is not managed": { reason: "late-initialised fields are never fought", got: diffField("size", undefined, 3), want: [] },
    "equal is no difference": { reason: "deep equality by default", got: diffField("tags", { a: "1" }, { a: "1" }), want: [] },
    "different": { reason: "the observed value is reported beside the desired one", got: diffField("size", 2, 3), want: [{ path: "size", desired: 2, observed: 3 }] },
    "missing in the cloud": { reason: "observed undefined differs from a set value", got: diffField("size", 2, undefined), want: [{ path: "size", desired: 2, observed: undefined }] },
    "own equality": { reason: "a set compares without order", got: diffField("sgs", ["b", "a"], ["a", "b"], sameSet), want: [] },
  };
  for (const [name, c] of Object.entries(cases)) it(`${name} (${c.reason})`, () => expect(c.got).toEqual(c.want));
});

describe("diffFields", () => {
  it("compares each named field under the prefix, with per-field equality", () => {
    const desired = { port: 80, host: "A.example", unset: undefined };
    const observed = { port: 81, host: "a.example" };
    const got = diffFields("origin", ["port", "host", "unset"], desired, observed, { host: (d, o) => d.toLowerCase() === o?.toLowerCase() });
    expect(got).toEqual([{ path: "origin.port", desired: 80, observed: 81 }]);
  });

  it("reports nothing when the whole object is unset", () => {
    expect(diffFields<{ enabled: boolean }>("backup", ["enabled"], undefined, { enabled: true })).toEqual([]);
  });
});
