import { inject } from "vitest";

/** Fixed credentials: moto accepts any, and SigV4 still runs end to end through the fault proxy. */
export const testCredentials = { accessKeyId: "testing", secretAccessKey: "testing" } as const;

export interface AwsClientOptions {
  readonly region: string;
  /** Talk to moto directly, bypassing the sandbox's fault proxy (a change "behind Terraplane's back"). */
  readonly direct?: boolean;
  /** Any other endpoint, e.g. a test's own fault proxy. */
  readonly endpoint?: string;
  readonly maxAttempts?: number;
}

/** Config for an official AWS SDK v3 client: the only change from production is the endpoint. */
export function awsClientConfig(opts: AwsClientOptions): {
  region: string;
  endpoint: string;
  credentials: typeof testCredentials;
  maxAttempts?: number;
} {
  const sandbox = inject("sandbox");
  const endpoint = opts.endpoint ?? (opts.direct ? sandbox.motoEndpoint : sandbox.awsEndpoint);
  return { region: opts.region, endpoint, credentials: testCredentials, ...(opts.maxAttempts ? { maxAttempts: opts.maxAttempts } : {}) };
}
