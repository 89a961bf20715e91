import { describe, expect, it } from "vitest";
import { isApiError } from "./errors.ts";
import { paginate } from "./pagination.ts";
import type { PageLimits } from "./pagination.ts";

const names = ["a", "b", "c", "d", "e"];
const key = (s: string): string => s;
const compute: PageLimits = { defaultSize: 500, maxSize: 500, overMax: "reject" };

describe("paginate", () => {
  it("walks every item exactly once across pages", () => {
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = paginate(names, key, { maxResults: 2, pageToken: token }, compute);
      seen.push(...page.items);
      token = page.nextPageToken;
    } while (token !== undefined);
    expect(seen).toEqual(names);
  });

  const cases: Record<string, { maxResults?: number; limits: PageLimits; want: number }> = {
    "absent maxResults gives the default size": { limits: { defaultSize: 3, maxSize: 10, overMax: "reject" }, want: 3 },
    "0 means the default": { maxResults: 0, limits: { defaultSize: 2, maxSize: 10, overMax: "reject" }, want: 2 },
    "Cloud SQL coerces an oversized page": { maxResults: 50, limits: { defaultSize: 2, maxSize: 4, overMax: "coerce" }, want: 4 },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      expect(paginate(names, key, { maxResults: c.maxResults }, c.limits).items).toHaveLength(c.want);
    });
  }

  it("compute rejects maxResults above 500 with 400 invalid", () => {
    const err: unknown = (() => {
      try {
        paginate(names, key, { maxResults: 501 }, compute);
      } catch (e) {
        return e;
      }
    })();
    expect(isApiError(err) && { status: err.httpStatus, reason: err.reason }).toEqual({ status: 400, reason: "invalid" });
  });

  it("keeps its place when an earlier item is deleted between pages", () => {
    const first = paginate(names, key, { maxResults: 2 }, compute);
    const second = paginate(["b", "c", "d", "e"], key, { maxResults: 2, pageToken: first.nextPageToken }, compute);
    expect(second.items).toEqual(["c", "d"]);
  });

  it("refuses a token it did not mint", () => {
    expect(() => paginate(names, key, { pageToken: "bm90LWEtdG9rZW4" }, compute)).toThrow(/Invalid page token/);
  });
});
