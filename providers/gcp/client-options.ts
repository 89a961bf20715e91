// Options for the official Google Cloud clients (@google-cloud/sql v1, @google-cloud/compute v1):
// where they connect, how they authenticate, and how they retry. The GCP provider builds every
// client with exactly these, so production and the sandbox differ only in the endpoint.
//
//   new SqlInstancesServiceClient(googleClientOptions({ endpoint: process.env.TERRAPLANE_GCP_ENDPOINT }))
//
// - No endpoint: Google's own (sqladmin.googleapis.com, compute.googleapis.com) over HTTPS.
// - An http:// endpoint is an emulator: a fixed bearer token stands in for credentials, so nothing
//   ever calls Google's token endpoint (the sandbox has no internet).
// - Credentials: a service-account key; otherwise Application Default Credentials.
// - Always the REST transport: it is what compute offers, and for Cloud SQL it is the transport
//   that asks for numeric enums (`$alt=json;enum-encoding=int`), which the emulator speaks.
// - Retries: the clients retry almost nothing by default (never 429). Reads retry throttling,
//   unavailability and deadlines; mutations retry only throttling, which Google answers before
//   doing anything, so a retried mutation can never apply twice.
import type { v1 as sqlV1 } from "@google-cloud/sql";
import { JWT, OAuth2Client } from "google-auth-library";
import { z } from "zod";
import { checkAnswers } from "./answer-check.ts";

/** The constructor options of the official clients (google-gax ClientOptions). */
export type GoogleClientOptions = NonNullable<ConstructorParameters<typeof sqlV1.SqlInstancesServiceClient>[0]>;
type ClientConfig = NonNullable<GoogleClientOptions["clientConfig"]>;
type ServiceConfig = NonNullable<ClientConfig["interfaces"]>[string];
type RetryParams = NonNullable<ServiceConfig["retry_params"]>[string];
type MethodConfig = NonNullable<ServiceConfig["methods"][string]>;

/** The fields of a service-account JSON key that authentication needs. */
export const ServiceAccountKeySchema = z.object({
  type: z.literal("service_account").optional(),
  project_id: z.string().min(1).optional(),
  client_email: z.string().min(1),
  private_key: z.string().min(1),
});
export type ServiceAccountKey = z.infer<typeof ServiceAccountKeySchema>;

/** Exponential backoff of one client's retries. */
export interface RetrySettings {
  readonly initialDelayMs: number;
  readonly multiplier: number;
  readonly maxDelayMs: number;
  /** Per-attempt deadline. */
  readonly attemptTimeoutMs: number;
  /** Budget for all attempts of one call. */
  readonly totalTimeoutMs: number;
}

export const DEFAULT_RETRY: RetrySettings = {
  initialDelayMs: 250,
  multiplier: 2,
  maxDelayMs: 30_000,
  attemptTimeoutMs: 60_000,
  totalTimeoutMs: 120_000,
};

export interface GoogleClientOptionsInput {
  /** Endpoint override, e.g. the sandbox's `http://127.0.0.1:PORT`; default Google's. */
  readonly endpoint?: string;
  /** A service-account key; default Application Default Credentials (or, for an emulator, none). */
  readonly credentials?: ServiceAccountKey;
  /** Backoff overrides, or false to keep the clients' own (next to no) retries. */
  readonly retry?: Partial<RetrySettings> | false;
}

/** The scope Google's own clients ask for by default; IAM roles, not scopes, narrow what a key may do. */
const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";

/** The bearer token sent to an emulator; emulators accept any. */
export const EMULATOR_ACCESS_TOKEN = "terraplane-emulator-token";

export function googleClientOptions(input: GoogleClientOptionsInput = {}): GoogleClientOptions {
  const options: GoogleClientOptions = { fallback: true, ...endpointOptions(input.endpoint) };
  if (input.credentials !== undefined) {
    const key = ServiceAccountKeySchema.parse(input.credentials);
    options.authClient = checkAnswers(serviceAccountAuthClient(key));
    if (key.project_id !== undefined) options.projectId = key.project_id;
  } else if (options.protocol === "http") {
    options.authClient = checkAnswers(emulatorAuthClient());
  }
  if (input.retry !== false) options.clientConfig = retryConfig({ ...DEFAULT_RETRY, ...input.retry });
  return options;
}

function endpointOptions(endpoint: string | undefined): Pick<GoogleClientOptions, "apiEndpoint" | "port" | "protocol"> {
  if (endpoint === undefined || endpoint === "") return {};
  const url = URL.canParse(endpoint) ? new URL(endpoint) : undefined;
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new Error(`Google endpoint must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
  }
  const protocol = url.protocol.slice(0, -1);
  return { apiEndpoint: url.hostname, port: Number(url.port || (protocol === "http" ? 80 : 443)), protocol };
}

// A JWT client rather than the `credentials` option, which google-auth-library deprecates (and warns
// about). Like the clients' own default it signs a self-signed JWT carrying the scope, so no token
// endpoint is called: Google's APIs accept it, and it works offline against an emulator.
function serviceAccountAuthClient(key: ServiceAccountKey): JWT {
  const client = new JWT({ email: key.client_email, key: key.private_key, scopes: [CLOUD_PLATFORM_SCOPE] });
  client.useJWTAccessWithScope = true;
  return client;
}

// An OAuth2 client holding a token that never expires, so it never tries to refresh one.
function emulatorAuthClient(): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: EMULATOR_ACCESS_TOKEN, token_type: "Bearer" });
  return client;
}

/**
 * The gax service interfaces Terraplane calls, with their methods. The clients only apply retry
 * overrides to methods named here; client-options.test.ts checks the list against the installed
 * clients, so a method added by a client upgrade cannot silently go without retries.
 */
export const RETRIED_METHODS: Readonly<Record<string, readonly string[]>> = {
  "google.cloud.sql.v1.SqlInstancesService": [
    "AddServerCa", "AddServerCertificate", "AddEntraIdCertificate", "Clone", "Delete", "DemoteMaster", "Demote", "Export", "Failover",
    "Reencrypt", "Get", "Import", "Insert", "List", "ListServerCas", "ListServerCertificates", "ListEntraIdCertificates", "Patch",
    "PromoteReplica", "Switchover", "ResetSslConfig", "Restart", "RestoreBackup", "RotateServerCa", "RotateServerCertificate",
    "RotateEntraIdCertificate", "StartReplica", "StopReplica", "TruncateLog", "Update", "CreateEphemeral", "RescheduleMaintenance",
    "VerifyExternalSyncSettings", "StartExternalSync", "PerformDiskShrink", "GetDiskShrinkConfig", "ResetReplicaSize",
    "GetLatestRecoveryTime", "ExecuteSql", "AcquireSsrsLease", "ReleaseSsrsLease", "PreCheckMajorVersionUpgrade", "PointInTimeRestore",
  ],
  "google.cloud.sql.v1.SqlOperationsService": ["Get", "List", "Cancel"],
  "google.cloud.sql.v1.SqlUsersService": ["Delete", "Get", "Insert", "List", "Update"],
  "google.cloud.sql.v1.SqlDatabasesService": ["Delete", "Get", "Insert", "List", "Patch", "Update"],
  "google.cloud.compute.v1.HealthChecks": ["AggregatedList", "Delete", "Get", "Insert", "List", "Patch", "TestIamPermissions", "Update"],
  "google.cloud.compute.v1.BackendServices": [
    "AddSignedUrlKey", "AggregatedList", "Delete", "DeleteSignedUrlKey", "Get", "GetEffectiveSecurityPolicies", "GetHealth", "GetIamPolicy",
    "Insert", "List", "ListUsable", "Patch", "SetEdgeSecurityPolicy", "SetIamPolicy", "SetSecurityPolicy", "TestIamPermissions", "Update",
  ],
  "google.cloud.compute.v1.BackendBuckets": [
    "AddSignedUrlKey", "AggregatedList", "Delete", "DeleteSignedUrlKey", "Get", "GetIamPolicy", "Insert", "List", "ListUsable", "Patch",
    "SetEdgeSecurityPolicy", "SetIamPolicy", "TestIamPermissions", "Update",
  ],
  "google.cloud.compute.v1.UrlMaps": ["AggregatedList", "Delete", "Get", "Insert", "InvalidateCache", "List", "Patch", "TestIamPermissions", "Update", "Validate"],
  "google.cloud.compute.v1.TargetHttpProxies": ["AggregatedList", "Delete", "Get", "Insert", "List", "Patch", "SetUrlMap"],
  "google.cloud.compute.v1.TargetHttpsProxies": [
    "AggregatedList", "Delete", "Get", "Insert", "List", "Patch", "SetCertificateMap", "SetQuicOverride", "SetSslCertificates", "SetSslPolicy", "SetUrlMap",
  ],
  "google.cloud.compute.v1.SslCertificates": ["AggregatedList", "Delete", "Get", "Insert", "List"],
  "google.cloud.compute.v1.GlobalAddresses": ["Delete", "Get", "Insert", "List", "Move", "SetLabels", "TestIamPermissions"],
  "google.cloud.compute.v1.GlobalForwardingRules": ["Delete", "Get", "Insert", "List", "Patch", "SetLabels", "SetTarget"],
  "google.cloud.compute.v1.GlobalOperations": ["AggregatedList", "Delete", "Get", "List", "Wait"],
};

/** Methods that only read (and so may be retried after any transient failure). */
export function isReadMethod(method: string): boolean {
  return /^(Get|List|AggregatedList|Wait|TestIamPermissions|VerifyExternalSyncSettings)/.test(method);
}

const READ_CODES = ["RESOURCE_EXHAUSTED", "UNAVAILABLE", "DEADLINE_EXCEEDED"];
const WRITE_CODES = ["RESOURCE_EXHAUSTED"];

// compute's operations.wait holds the call open for up to two minutes: its attempts need longer.
const WAIT_ATTEMPT_TIMEOUT_MS = 150_000;

function retryParams(retry: RetrySettings, attemptTimeoutMs: number): RetryParams {
  return {
    initial_retry_delay_millis: retry.initialDelayMs,
    retry_delay_multiplier: retry.multiplier,
    max_retry_delay_millis: retry.maxDelayMs,
    initial_rpc_timeout_millis: attemptTimeoutMs,
    rpc_timeout_multiplier: 1,
    max_rpc_timeout_millis: attemptTimeoutMs,
    total_timeout_millis: Math.max(retry.totalTimeoutMs, attemptTimeoutMs),
  };
}

function methodConfig(method: string, retry: RetrySettings): MethodConfig {
  const wait = method === "Wait";
  return {
    retry_codes_name: isReadMethod(method) ? "terraplane_read" : "terraplane_write",
    retry_params_name: wait ? "terraplane_wait" : "terraplane",
    timeout_millis: wait ? WAIT_ATTEMPT_TIMEOUT_MS : retry.attemptTimeoutMs,
  };
}

function retryConfig(retry: RetrySettings): ClientConfig {
  const interfaces = Object.entries(RETRIED_METHODS).map(([name, methods]) => {
    const service: ServiceConfig = {
      retry_codes: { terraplane_read: READ_CODES, terraplane_write: WRITE_CODES },
      retry_params: { terraplane: retryParams(retry, retry.attemptTimeoutMs), terraplane_wait: retryParams(retry, WAIT_ATTEMPT_TIMEOUT_MS) },
      methods: Object.fromEntries(methods.map((m) => [m, methodConfig(m, retry)])),
    };
    return [name, service] as const;
  });
  return { interfaces: Object.fromEntries(interfaces) };
}
