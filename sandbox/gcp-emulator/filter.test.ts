import { describe, expect, it } from "vitest";
import { parseFilter } from "./filter.ts";
import type { JsonObject } from "./json.ts";

const web: JsonObject = { name: "web-1", state: "RUNNABLE", settings: { userLabels: { env: "prod" } }, hosts: ["a.example.com", "b.example.com"] };
const db: JsonObject = { name: "db-1", state: "PENDING_CREATE", settings: { userLabels: { env: "dev" } } };

describe("parseFilter", () => {
  const cases: Record<string, { filter: string; want: string[] }> = {
    "empty matches all": { filter: "", want: ["web-1", "db-1"] },
    "= with quotes": { filter: 'name = "web-1"', want: ["web-1"] },
    "= with a wildcard": { filter: "name = web-*", want: ["web-1"] },
    "!=": { filter: "name != web-1", want: ["db-1"] },
    "eq is a whole-string regex": { filter: "name eq 'w.*'", want: ["web-1"] },
    "eq does not match a substring": { filter: "name eq 'web'", want: [] },
    "ne": { filter: "name ne 'web-.*'", want: ["db-1"] },
    "Cloud SQL field:value on a nested field": { filter: "settings.userLabels.env:prod", want: ["web-1"] },
    "list fields match any element": { filter: "hosts = b.example.com", want: ["web-1"] },
    "parenthesized terms are ANDed": { filter: "(state = RUNNABLE) (name = web-1)", want: ["web-1"] },
    "AND": { filter: "state:RUNNABLE AND name:db-1", want: [] },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      expect([web, db].filter(parseFilter(c.filter)).map((r) => r.name)).toEqual(c.want);
    });
  }

  it("refuses what it does not support instead of guessing", () => {
    expect(() => parseFilter("name = a OR name = b")).toThrow(/Invalid list filter expression/);
    expect(() => parseFilter("(name = a")).toThrow(/Invalid list filter expression/);
  });
});
