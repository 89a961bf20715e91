import { ApiException } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { WatchFailures } from "./watch-failures.ts";

const notServed = (): ApiException<unknown> => new ApiException(404, "Unknown API Status Code!", "404 page not found", {});
const throttled = (retryAfter?: string): ApiException<unknown> =>
  new ApiException(429, "Unknown API Status Code!", JSON.stringify({ reason: "TooManyRequests", message: "Too many requests, please try again later." }), retryAfter ? { "retry-after": retryAfter } : {});

function tracker(): { failures: WatchFailures; advance: (ms: number) => void } {
  let now = 1_000_000;
  return { failures: new WatchFailures({ resource: "things.x.test", notServedGraceMs: 10_000, now: () => now, random: () => 0.5 }), advance: (ms) => (now += ms) };
}

describe("WatchFailures", () => {
  it("retries a 404 quietly and briskly, reports it once when it lasts, and says when it is over", () => {
    const { failures, advance } = tracker();
    const first = failures.failed(notServed());
    expect(first).toMatchObject({ kind: "not-served", log: { level: "debug" } });
    expect(first.delayMs).toBeLessThanOrEqual(5_000);
    advance(1_000);
    expect(failures.failed(notServed()).log).toBeUndefined();
    advance(10_000);
    const lasting = failures.failed(notServed());
    expect(lasting.log?.level).toBe("warn");
    expect(lasting.log?.msg).toContain("still not served by the API server after 11s (404)");
    expect(lasting.delayMs).toBeLessThanOrEqual(5_000);
    advance(2_000);
    expect(failures.failed(notServed()).log).toBeUndefined();
    expect(failures.recovered()).toMatchObject({ level: "info", fields: { failures: 4, seconds: 13 } });
    expect(failures.recovered()).toBeUndefined();
  });

  it("a short 404 that goes away leaves no line above debug", () => {
    const { failures, advance } = tracker();
    failures.failed(notServed());
    advance(500);
    expect(failures.recovered()).toBeUndefined();
  });

  it("honours Retry-After on a 429 and reports the throttling once", () => {
    const { failures } = tracker();
    const first = failures.failed(throttled("7"));
    expect(first).toMatchObject({ kind: "throttled", delayMs: 7_000, log: { level: "warn" } });
    expect(first.log?.msg).toBe("the API server is throttling requests for things.x.test (429 TooManyRequests); retrying after 7.0s as it asks (Retry-After)");
    expect(failures.failed(throttled("7")).log).toBeUndefined();
    expect(failures.failed(throttled()).delayMs).toBeGreaterThan(0);
  });

  it("logs other errors once per distinct description, never the raw client-node text", () => {
    const { failures } = tracker();
    const forbidden = new ApiException(403, "Unknown API Status Code!", JSON.stringify({ reason: "Forbidden", message: "things is forbidden" }), {});
    const a = failures.failed(forbidden);
    expect(a.log?.msg).toMatch(/^list\/watch of things.x.test failed: 403 Forbidden: things is forbidden; retrying in /);
    expect(JSON.stringify(a.log)).not.toContain("Unknown API Status Code");
    expect(failures.failed(forbidden).log).toBeUndefined();
    expect(failures.failed(new Error("socket hang up")).log?.level).toBe("warn");
  });
});
