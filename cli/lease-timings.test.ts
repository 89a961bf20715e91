import { describe, expect, it } from "vitest";
import { leaseTimings } from "./lease-timings.ts";

describe("leaseTimings", () => {
  it("turns the defaults and short test timings into the elector's units", () => {
    expect(leaseTimings({ leaseDuration: "15s", renewDeadline: "10s", retryPeriod: "2s" })).toEqual({ leaseDurationSeconds: 15, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 });
    expect(leaseTimings({ leaseDuration: "4s", renewDeadline: "3s", retryPeriod: "500ms" })).toEqual({ leaseDurationSeconds: 4, renewDeadlineMs: 3_000, retryPeriodMs: 500 });
  });

  const refused: Record<string, [{ leaseDuration: string; renewDeadline: string; retryPeriod: string }, RegExp]> = {
    "a lease duration that is not a duration": [{ leaseDuration: "soon", renewDeadline: "10s", retryPeriod: "2s" }, /--lease-duration "soon" is not a whole number of seconds/],
    "a lease duration with a fraction of a second (the Lease counts whole seconds)": [{ leaseDuration: "1500ms", renewDeadline: "1s", retryPeriod: "200ms" }, /--lease-duration "1500ms"/],
    "a renew deadline that is not a duration": [{ leaseDuration: "15s", renewDeadline: "-1s", retryPeriod: "2s" }, /--renew-deadline "-1s" is not a positive duration/],
    "a zero retry period": [{ leaseDuration: "15s", renewDeadline: "10s", retryPeriod: "0s" }, /--retry-period "0s" is not a positive duration/],
    "a renew deadline as long as the lease (two leaders at once)": [{ leaseDuration: "10s", renewDeadline: "10s", retryPeriod: "2s" }, /must be shorter than --lease-duration \(10s\), or two replicas could both lead/],
    "a retry period as long as the renew deadline": [{ leaseDuration: "15s", renewDeadline: "2s", retryPeriod: "2s" }, /--retry-period \(2s\) must be shorter than --renew-deadline \(2s\)/],
  };
  for (const [name, [flags, message]] of Object.entries(refused)) {
    it(`refuses ${name}, naming the flag`, () => {
      expect(() => leaseTimings(flags)).toThrow(message);
    });
  }
});
