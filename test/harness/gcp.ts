import { setTimeout as sleep } from "node:timers/promises";
import {
  BackendBucketsClient,
  BackendServicesClient,
  GlobalAddressesClient,
  GlobalForwardingRulesClient,
  GlobalOperationsClient,
  HealthChecksClient,
  SslCertificatesClient,
  TargetHttpProxiesClient,
  TargetHttpsProxiesClient,
  UrlMapsClient,
} from "@google-cloud/compute";
import type { protos as sqlProtos } from "@google-cloud/sql";
import { v1 as sql } from "@google-cloud/sql";
import { inject } from "vitest";
import { googleClientOptions } from "../../providers/gcp/client-options.ts";
import type { GoogleClientOptions, RetrySettings } from "../../providers/gcp/client-options.ts";
import { GcpEmulatorClient } from "../../sandbox/gcp-emulator/control-client.ts";
import { uniqueName } from "./names.ts";

export interface GcpClientOptions {
  /** Talk to the emulator directly, bypassing the sandbox's fault proxy. */
  readonly direct?: boolean;
  /** Any other endpoint, e.g. a test's own fault proxy. */
  readonly endpoint?: string;
  /** Backoff overrides; tests default to short delays so retries do not slow them down. */
  readonly retry?: Partial<RetrySettings> | false;
}

const TEST_RETRY: Partial<RetrySettings> = { initialDelayMs: 20, maxDelayMs: 200, totalTimeoutMs: 20_000 };

/** Options for an official Google client: production's googleClientOptions, pointed at the sandbox. */
export function gcpClientOptions(opts: GcpClientOptions = {}): GoogleClientOptions {
  const sandbox = inject("sandbox");
  const endpoint = opts.endpoint ?? (opts.direct ? sandbox.gcpEmulatorEndpoint : sandbox.gcpEndpoint);
  return googleClientOptions({ endpoint, retry: opts.retry === false ? false : { ...TEST_RETRY, ...opts.retry } });
}

/** The Cloud SQL Admin v1 clients the provider uses. */
export function sqlClients(opts: GcpClientOptions = {}): {
  instances: sql.SqlInstancesServiceClient;
  operations: sql.SqlOperationsServiceClient;
  users: sql.SqlUsersServiceClient;
} {
  const options = gcpClientOptions(opts);
  return {
    instances: new sql.SqlInstancesServiceClient(options),
    operations: new sql.SqlOperationsServiceClient(options),
    users: new sql.SqlUsersServiceClient(options),
  };
}

/** The compute v1 clients of a global external Application Load Balancer. */
export function computeClients(opts: GcpClientOptions = {}): {
  healthChecks: HealthChecksClient;
  backendServices: BackendServicesClient;
  backendBuckets: BackendBucketsClient;
  urlMaps: UrlMapsClient;
  targetHttpProxies: TargetHttpProxiesClient;
  targetHttpsProxies: TargetHttpsProxiesClient;
  sslCertificates: SslCertificatesClient;
  globalAddresses: GlobalAddressesClient;
  globalForwardingRules: GlobalForwardingRulesClient;
  globalOperations: GlobalOperationsClient;
} {
  const options = gcpClientOptions(opts);
  return {
    healthChecks: new HealthChecksClient(options),
    backendServices: new BackendServicesClient(options),
    backendBuckets: new BackendBucketsClient(options),
    urlMaps: new UrlMapsClient(options),
    targetHttpProxies: new TargetHttpProxiesClient(options),
    targetHttpsProxies: new TargetHttpsProxiesClient(options),
    sslCertificates: new SslCertificatesClient(options),
    globalAddresses: new GlobalAddressesClient(options),
    globalForwardingRules: new GlobalForwardingRulesClient(options),
    globalOperations: new GlobalOperationsClient(options),
  };
}

/** The sandbox emulator's control API (direct, never through the proxy). */
export function gcpEmulatorControl(): GcpEmulatorClient {
  return new GcpEmulatorClient(inject("sandbox").gcpEmulatorEndpoint);
}

/** A GCP project id of its own, so parallel tests never share emulator state. */
export function uniqueProject(prefix = "tp"): string {
  return uniqueName(prefix);
}

/** Polls a Cloud SQL operation with SqlOperationsServiceClient.get until it is DONE. */
export async function waitForSqlOperation(
  operations: sql.SqlOperationsServiceClient,
  project: string,
  operation: string,
  timeoutMs = 30_000,
): Promise<sqlProtos.google.cloud.sql.v1.IOperation> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [op] = await operations.get({ project, operation });
    if (op.status === "DONE") return op;
    if (Date.now() > deadline) throw new Error(`operation ${operation} not DONE after ${timeoutMs} ms (status ${String(op.status)})`);
    await sleep(50);
  }
}

/** gRPC NOT_FOUND, as the official clients report a missing resource. */
export function isNotFound(err: unknown): boolean {
  return typeof err === "object" && err !== null && "code" in err && err.code === 5;
}

/** The resource an official client's get returns, or undefined when it is NOT_FOUND. */
export async function orUndefined<T>(call: () => Promise<readonly [T, ...unknown[]]>): Promise<T | undefined> {
  try {
    return (await call())[0];
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Closes every client of a set (computeClients, sqlClients). */
export async function closeClients(clients: Record<string, { close(): Promise<void> }>): Promise<void> {
  await Promise.all(Object.values(clients).map((c) => c.close()));
}
