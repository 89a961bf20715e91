import { inject } from "vitest";
import type { RegisteredKind } from "../../core/provider.ts";
import { crdFor, managedCrd } from "../../core/crd/generate.ts";
import { nopLogger } from "../../core/log.ts";
import { Manager } from "../../core/manager.ts";
import { AWS_GROUP, awsConfigKinds } from "../../providers/aws/provider-config.ts";
import type { FaultConfigInput, FaultProxy } from "../../sandbox/faultproxy/index.ts";
import { testCredentials } from "./aws.ts";
import { managedEnvironment } from "./environment.ts";
import type { ManagedEnvironment } from "./environment.ts";
import { kubeConfig, kubectlOk } from "./kube.ts";
import { applyCrds } from "./managed.ts";

/** Installs the AWS provider's CRDs (idempotent, safe from parallel test files). */
export async function installAwsCrds(kinds: readonly RegisteredKind[]): Promise<void> {
  await applyCrds([...kinds.map((k) => managedCrd(k.managed)), ...awsConfigKinds.map(crdFor)]);
}

/**
 * A namespaced ProviderConfig named `default-aws` whose credentials come from a Secret, pointing at
 * `endpoint` (default: the sandbox's fault proxy in front of moto), as a user would write it.
 */
export async function createAwsProviderConfig(
  namespace: string,
  opts: { endpoint?: string; region?: string; name?: string; batchObserve?: boolean; spec?: Record<string, unknown> } = {},
): Promise<string> {
  const name = opts.name ?? "default-aws";
  await kubectlOk(["create", "secret", "generic", `${name}-creds`, "-n", namespace, `--from-literal=accessKeyId=${testCredentials.accessKeyId}`, `--from-literal=secretAccessKey=${testCredentials.secretAccessKey}`]);
  await kubectlOk(
    ["apply", "-f", "-"],
    JSON.stringify({
      apiVersion: `${AWS_GROUP}/v1alpha1`,
      kind: "ProviderConfig",
      metadata: { name, namespace },
      spec: {
        credentials: { source: "Secret", secretRef: { name: `${name}-creds` } },
        endpoint: opts.endpoint ?? inject("sandbox").awsEndpoint,
        ...(opts.region ? { region: opts.region } : {}),
        ...(opts.batchObserve !== undefined ? { batchObserve: opts.batchObserve } : {}),
        ...opts.spec,
      },
    }),
  );
  return name;
}

/** The controller manager for the given AWS kinds, watching one namespace, with short intervals for tests. */
export function awsManager(kinds: readonly RegisteredKind[], namespace: string, opts: { pollIntervalMs?: number } = {}): Manager {
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

export interface AwsEnvironment<P extends FaultProxy | undefined = FaultProxy | undefined> extends ManagedEnvironment<P> {
  /** moto keeps most state per region, so each environment has a region of its own. */
  readonly region: string;
}

export interface AwsEnvironmentOptions {
  readonly nsPrefix: string;
  readonly region: string;
  /** Seed of a fault proxy of the environment's own in front of moto; without it the ProviderConfig uses the sandbox's. */
  readonly proxySeed?: number;
  readonly faults?: FaultConfigInput;
  readonly pollIntervalMs?: number;
  readonly deleteTimeout?: string;
  /** The ProviderConfig's batchObserve (unset: the default, off). */
  readonly batchObserve?: boolean;
}

/** managedEnvironment for one AWS kind in one region, optionally with a fault proxy of its own in front of moto. */
export function awsEnvironment(kind: RegisteredKind, opts: AwsEnvironmentOptions & { proxySeed: number }): Promise<AwsEnvironment<FaultProxy>>;
export function awsEnvironment(kind: RegisteredKind, opts: AwsEnvironmentOptions): Promise<AwsEnvironment>;
export async function awsEnvironment(kind: RegisteredKind, opts: AwsEnvironmentOptions): Promise<AwsEnvironment> {
  const { region } = opts;
  const env = await managedEnvironment({
    kind,
    nsPrefix: opts.nsPrefix,
    proxy: opts.proxySeed === undefined ? undefined : { upstream: inject("sandbox").motoEndpoint, seed: opts.proxySeed, faults: opts.faults },
    providerConfig: (ns, endpoint) => createAwsProviderConfig(ns, { region, endpoint, ...(opts.batchObserve !== undefined ? { batchObserve: opts.batchObserve } : {}) }),
    manager: (ns) => awsManager([kind], ns, { pollIntervalMs: opts.pollIntervalMs }),
    deleteTimeout: opts.deleteTimeout,
  });
  return { ...env, region };
}
