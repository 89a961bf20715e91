import { inject } from "vitest";
import type { RegisteredKind } from "../../core/controller.ts";
import { crdFor, managedCrd } from "../../core/crd/generate.ts";
import { nopLogger } from "../../core/log.ts";
import { Manager } from "../../core/manager.ts";
import { AWS_GROUP, awsConfigKinds } from "../../providers/aws/provider-config.ts";
import { testCredentials } from "./aws.ts";
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
export async function createAwsProviderConfig(namespace: string, opts: { endpoint?: string; region?: string; name?: string } = {}): Promise<string> {
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

export interface ManifestExtra {
  readonly spec?: Record<string, unknown>;
  readonly annotations?: Record<string, string>;
}

/** An AWS managed resource as a user writes it, using the namespaced ProviderConfig from createAwsProviderConfig. */
export function awsManifest(kind: string, namespace: string, name: string, forProvider: Record<string, unknown>, extra: ManifestExtra = {}): string {
  return JSON.stringify({
    apiVersion: `${AWS_GROUP}/v1alpha1`,
    kind,
    metadata: { name, namespace, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    spec: { forProvider, providerConfigRef: { kind: "ProviderConfig", name: "default-aws" }, ...extra.spec },
  });
}
