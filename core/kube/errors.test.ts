import { ApiException } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { describeKubeError, httpStatus, isForbidden, isTooManyRequests, retryAfterMs, statusBody } from "./errors.ts";

const status = (code: number, reason: string, message: string, details?: object): ApiException<unknown> =>
  new ApiException(code, "Unknown API Status Code!", JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason, message, code, details }), {});

function watchError(code: number, text: string): Error {
  return Object.assign(new Error(text), { statusCode: code });
}

describe("describeKubeError", () => {
  const cases: Record<string, { reason: string; err: unknown; want: string }> = {
    "Status body": {
      reason: "an API error reads as code, reason and the server's message",
      err: status(404, "NotFound", 'namespaces "terraplane-system" not found', { name: "terraplane-system", kind: "namespaces" }),
      want: '404 NotFound: namespaces "terraplane-system" not found',
    },
    "parsed body": {
      reason: "client-node sometimes hands over the body already parsed",
      err: new ApiException(403, "Unknown API Status Code!", { reason: "Forbidden", message: "leases is forbidden" }, {}),
      want: "403 Forbidden: leases is forbidden",
    },
    "plain-text body": {
      reason: "a path the API server does not serve (yet) answers with text",
      err: new ApiException(404, "Unknown API Status Code!", "404 page not found\n", {}),
      want: "404 NotFound: 404 page not found",
    },
    "empty 429": {
      reason: "a throttling proxy may send no body",
      err: new ApiException(429, "Unknown API Status Code!", "", { "retry-after": "3" }),
      want: "429 TooManyRequests",
    },
    "watch error": { reason: "the Watch fails with statusCode on a plain Error", err: watchError(410, "Gone"), want: "410 Gone" },
    "connection refused": {
      reason: "a network error names its system code",
      err: new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }) }),
      want: "fetch failed (ECONNREFUSED)",
    },
    "not an error": { reason: "anything else is stringified", err: "boom", want: "boom" },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: ${c.reason}`, () => {
      const got = describeKubeError(c.err);
      expect(got).toBe(c.want);
      expect(got).not.toContain("Unknown API Status Code");
    });
  }
});

describe("classification", () => {
  it("reads statuses from ApiException and watch errors, Retry-After from headers, details from the body", () => {
    expect(httpStatus(status(429, "TooManyRequests", "slow down"))).toBe(429);
    expect(httpStatus(watchError(404, "Not Found"))).toBe(404);
    expect(httpStatus(new Error("x"))).toBeUndefined();
    expect(isTooManyRequests(watchError(429, "Too Many Requests"))).toBe(true);
    expect(isForbidden(status(403, "Forbidden", "no"))).toBe(true);
    expect(isForbidden(watchError(403, "Forbidden"))).toBe(false); // only API calls, as kubeStatus
    expect(retryAfterMs(new ApiException(429, "", "", { "Retry-After": "2" }))).toBe(2_000);
    expect(retryAfterMs(new ApiException(429, "", "", {}))).toBeUndefined();
    expect(statusBody(status(404, "NotFound", "x", { kind: "namespaces" }))?.details?.kind).toBe("namespaces");
  });
});
