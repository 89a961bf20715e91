import { parseDuration } from "../core/policies.ts";

/** The flags of `terraplane run` that time leader election, as typed. */
export interface LeaseFlags {
  readonly leaseDuration: string;
  readonly renewDeadline: string;
  readonly retryPeriod: string;
}

export interface LeaseTimings {
  readonly leaseDurationSeconds: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

/**
 * The lease's timings, checked as client-go checks them: a leader must give up (renew deadline)
 * before a standby may take over (lease duration), and try more than once (retry period) meanwhile.
 */
export function leaseTimings(opts: LeaseFlags): LeaseTimings {
  const durationMs = parseDuration(opts.leaseDuration);
  const renewDeadlineMs = parseDuration(opts.renewDeadline);
  const retryPeriodMs = parseDuration(opts.retryPeriod);
  if (durationMs === undefined || durationMs < 1000 || durationMs % 1000 !== 0) throw new Error(`--lease-duration "${opts.leaseDuration}" is not a whole number of seconds, at least 1s (e.g. 15s)`);
  if (renewDeadlineMs === undefined || renewDeadlineMs <= 0) throw new Error(`--renew-deadline "${opts.renewDeadline}" is not a positive duration (e.g. 10s)`);
  if (retryPeriodMs === undefined || retryPeriodMs <= 0) throw new Error(`--retry-period "${opts.retryPeriod}" is not a positive duration (e.g. 2s)`);
  if (renewDeadlineMs >= durationMs) throw new Error(`--renew-deadline (${opts.renewDeadline}) must be shorter than --lease-duration (${opts.leaseDuration}), or two replicas could both lead`);
  if (retryPeriodMs >= renewDeadlineMs) throw new Error(`--retry-period (${opts.retryPeriod}) must be shorter than --renew-deadline (${opts.renewDeadline}), or the leader gives up after a single failed renewal`);
  return { leaseDurationSeconds: durationMs / 1000, renewDeadlineMs, retryPeriodMs };
}
