import { generateKeyPairSync } from "node:crypto";
import { inject } from "vitest";
import type { RegisteredKind } from "../../core/provider.ts";
import { crdFor, managedCrd } from "../../core/crd/generate.ts";
import { nopLogger } from "../../core/log.ts";
import { Manager } from "../../core/manager.ts";
import { GCP_GROUP, GCP_VERSION, gcpConfigKinds } from "../../providers/gcp/provider-config.ts";
import type { FaultConfigInput, FaultProxy } from "../../sandbox/faultproxy/index.ts";
import { managedEnvironment } from "./environment.ts";
import type { ManagedEnvironment } from "./environment.ts";
import { gcpEmulatorControl, uniqueProject } from "./gcp.ts";
import { kubeConfig, kubectlOk } from "./kube.ts";
import { applyCrds } from "./managed.ts";

/** Installs the GCP provider's CRDs (idempotent, safe from parallel test files). */
export async function installGcpCrds(kinds: readonly RegisteredKind[]): Promise<void> {
  await applyCrds([...kinds.map((k) => managedCrd(k.managed)), ...gcpConfigKinds.map(crdFor)]);
}

/**
 * A service-account JSON key with a freshly generated RSA key, for `credentials.source: Secret`.
 * The official clients sign a self-signed JWT with it and send that as the bearer token (no call to
 * Google's token endpoint), and the emulator accepts any token: so the Secret path works offline.
 */
export function fakeServiceAccountKey(project: string): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
  return JSON.stringify({ type: "service_account", project_id: project, client_email: `terraplane@${project}.iam.gserviceaccount.com`, private_key: privateKey });
}

/**
 * A namespaced ProviderConfig named `default-gcp` for `project`, pointing at `endpoint` (default:
 * the sandbox's fault proxy in front of the GCP emulator), as a user would write it.
 *
 * Credentials: by default a Secret holding a (fake) service-account key — see fakeServiceAccountKey.
 * `ApplicationDefault` also works against an http:// endpoint: googleClientOptions then uses a fixed
 * bearer token and never looks for real credentials.
 */
export async function createGcpProviderConfig(
  namespace: string,
  project: string,
  opts: { endpoint?: string; region?: string; name?: string; credentials?: "Secret" | "ApplicationDefault"; batchObserve?: boolean } = {},
): Promise<string> {
  const name = opts.name ?? "default-gcp";
  const source = opts.credentials ?? "Secret";
  if (source === "Secret") {
    await kubectlOk(["create", "secret", "generic", `${name}-creds`, "-n", namespace, `--from-literal=credentials.json=${fakeServiceAccountKey(project)}`]);
  }
  await kubectlOk(
    ["apply", "-f", "-"],
    JSON.stringify({
      apiVersion: `${GCP_GROUP}/${GCP_VERSION}`,
      kind: "ProviderConfig",
      metadata: { name, namespace },
      spec: {
        project,
        credentials: source === "Secret" ? { source, secretRef: { name: `${name}-creds` } } : { source },
        endpoint: opts.endpoint ?? inject("sandbox").gcpEndpoint,
        ...(opts.region ? { region: opts.region } : {}),
        ...(opts.batchObserve !== undefined ? { batchObserve: opts.batchObserve } : {}),
      },
    }),
  );
  return name;
}

/** The controller manager for the given GCP kinds, watching one namespace, with short intervals for tests. */
export function gcpManager(kinds: readonly RegisteredKind[], namespace: string, opts: { pollIntervalMs?: number } = {}): Manager {
  return new Manager({
    kc: kubeConfig(),
    kinds,
    log: nopLogger,
    namespace,
    concurrency: 4,
    pollIntervalMs: opts.pollIntervalMs ?? 2_000,
    progressIntervalMs: 500,
  });
}

export interface GcpEnvironment extends ManagedEnvironment<FaultProxy> {
  /** The environment's own GCP project: isolated state in the shared emulator. */
  readonly project: string;
}

export interface GcpEnvironmentOptions {
  readonly nsPrefix: string;
  readonly projectPrefix: string;
  /** How long the emulator keeps the project's operations RUNNING. */
  readonly operationDelayMs: number;
  /** Seed of the fault proxy's rolls. */
  readonly seed: number;
  readonly faults?: FaultConfigInput;
  readonly pollIntervalMs?: number;
  readonly region?: string;
  readonly credentials?: "Secret" | "ApplicationDefault";
  readonly deleteTimeout?: string;
  /** The ProviderConfig's batchObserve (unset: the default, off). */
  readonly batchObserve?: boolean;
}

/**
 * managedEnvironment for one GCP kind: a project of its own (reset on close) with the given
 * operation delay, a fault proxy of its own in front of the emulator and a ProviderConfig using it.
 */
export async function gcpEnvironment(kind: RegisteredKind, opts: GcpEnvironmentOptions): Promise<GcpEnvironment> {
  const project = uniqueProject(opts.projectPrefix);
  await gcpEmulatorControl().setConfig({ operationDelayMs: opts.operationDelayMs }, project);
  const env = await managedEnvironment({
    kind,
    nsPrefix: opts.nsPrefix,
    proxy: { upstream: inject("sandbox").gcpEmulatorEndpoint, seed: opts.seed, faults: opts.faults },
    providerConfig: (ns, endpoint) => createGcpProviderConfig(ns, project, {
        endpoint,
        region: opts.region,
        credentials: opts.credentials,
        ...(opts.batchObserve !== undefined ? { batchObserve: opts.batchObserve } : {}),
      }),
    manager: (ns) => gcpManager([kind], ns, { pollIntervalMs: opts.pollIntervalMs }),
    deleteTimeout: opts.deleteTimeout,
  });
  return {
    ...env,
    project,
    async close() {
      await env.close();
      await gcpEmulatorControl().reset(project);
    },
  };
}
