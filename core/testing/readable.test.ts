import { describe, expect, it } from "vitest";
import { unreadable } from "./readable.ts";

describe("unreadable", () => {
  const cases: Record<string, { message: string | undefined; want: string | undefined }> = {
    "a field path and the rule": { message: "spec is invalid: spec.forProvider.port: Too big: expected number to be <=65535", want: undefined },
    missing: { message: undefined, want: "is missing" },
    empty: { message: " ", want: "is empty" },
    "a stringified object": { message: "cannot create: [object Object]", want: 'contains "[object Object]"' },
    "an unset value printed": { message: "engine undefined is not supported", want: 'contains "undefined"' },
    "a stack trace": { message: "boom\n    at f (/x/y.ts:1:2)", want: "contains a stack trace" },
    "a pasted blob": { message: "x".repeat(4_001), want: "is longer than 4,000 characters" },
  };
  for (const [name, c] of Object.entries(cases)) it(name, () => expect(unreadable(c.message)).toBe(c.want));
});
