// What a reliability trial sets up around its objects, shared by `make trial-kill` and `make trial-faults`:
// a namespace of its own with an AWS ProviderConfig (credentials from a Secret, the run's region) and
// a GCP one (the run's project), optionally pointing at endpoints of the trial's own (its fault
// proxies); and the controllers earlier, SIGKILLed trials left running, stopped.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import type { KubeConfig } from "@kubernetes/client-node";
import { AWS_GROUP } from "../../providers/aws/provider-config.ts";
import { GCP_GROUP, GCP_VERSION } from "../../providers/gcp/provider-config.ts";
import { stopLeftover } from "../../sandbox/demo/controller.ts";
import type { TrialScope } from "./kinds.ts";

export interface TrialConfig {
  readonly gcpProject: string;
  /** The `terraplane.dev/test` label of the namespace (which trial made it). */
  readonly label: string;
  /** ProviderConfig endpoint overrides; absent: the controller's environment (the sandbox's proxies). */
  readonly awsEndpoint?: string;
  readonly gcpEndpoint?: string;
}

export async function configureTrial(kc: KubeConfig, scope: TrialScope, c: TrialConfig): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: scope.namespace, labels: { "terraplane.dev/test": c.label } } } });
  await core.createNamespacedSecret({ namespace: scope.namespace, body: { metadata: { name: "trial-aws-creds" }, stringData: { accessKeyId: "testing", secretAccessKey: "testing" } } });
  const custom = kc.makeApiClient(CustomObjectsApi);
  await custom.createNamespacedCustomObject({
    group: AWS_GROUP,
    version: "v1alpha1",
    namespace: scope.namespace,
    plural: "providerconfigs",
    body: {
      apiVersion: `${AWS_GROUP}/v1alpha1`,
      kind: "ProviderConfig",
      metadata: { name: scope.awsProviderConfig },
      spec: { credentials: { source: "Secret", secretRef: { name: "trial-aws-creds" } }, region: scope.awsRegion, callBudget: emulatorPace(["rds", "elbv2", "cloudfront"]), ...(c.awsEndpoint ? { endpoint: c.awsEndpoint } : {}) },
    },
  });
  await custom.createNamespacedCustomObject({
    group: GCP_GROUP,
    version: GCP_VERSION,
    namespace: scope.namespace,
    plural: "providerconfigs",
    body: {
      apiVersion: `${GCP_GROUP}/${GCP_VERSION}`,
      kind: "ProviderConfig",
      metadata: { name: scope.gcpProviderConfig },
      spec: { project: c.gcpProject, region: "europe-west1", credentials: { source: "ApplicationDefault" }, callBudget: emulatorPace(["sqladmin", "compute"]), ...(c.gcpEndpoint ? { endpoint: c.gcpEndpoint } : {}) },
    },
  });
}

/**
 * A call budget at the emulators' pace, not a cloud account's: the trials measure kills and faults
 * with hundreds of objects polled every few seconds, which the default budgets (ADR 0014) would
 * rightly slow to what a real account allows.
 */
function emulatorPace(services: readonly string[]): Record<string, { ratePerSecond: number; burst: number }> {
  return Object.fromEntries(services.map((service) => [service, { ratePerSecond: 1_000, burst: 1_000 }]));
}

/** Controllers of earlier trials under `root` that were SIGKILLed themselves (their trial.pid is gone): stopped now. */
export async function stopLeftovers(root: string, log: (line: string) => void): Promise<void> {
  let runs: string[];
  try {
    runs = readdirSync(root);
  } catch {
    return;
  }
  for (const run of runs) {
    const owner = Number(readFileSafe(join(root, run, "trial.pid")));
    if (Number.isInteger(owner) && owner > 0 && alive(owner)) continue;
    const pid = await stopLeftover(join(root, run, "controller.json"));
    if (pid) log(`stopped controller pid ${pid}, left running by trial ${run}`);
  }
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
