import { setTimeout as sleep } from "node:timers/promises";
import { BackendBucketsClient, BackendServicesClient, GlobalOperationsClient } from "@google-cloud/compute";
import { v1 as sql } from "@google-cloud/sql";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { z } from "zod";
import { googleClientOptions } from "../../providers/gcp/client-options.ts";
import type { GoogleClientOptions } from "../../providers/gcp/client-options.ts";
import { chainNames } from "../../providers/gcp/compute/names.ts";
import { cloudName } from "./drift-types.ts";
import type { DriftContext, DriftMaker } from "./drift-types.ts";

// One out-of-band change per GCP kind, made with the official clients straight against the GCP
// emulator (not through the fault proxy), waiting for the operation to finish.

const OPERATION_TIMEOUT_MS = 120_000;
const options = (ctx: DriftContext): GoogleClientOptions => googleClientOptions({ endpoint: ctx.sandbox.gcpEmulatorEndpoint });

export const gcpDriftMakers: Readonly<Record<string, DriftMaker>> = {
  "gcp.terraplane.dev/Database": async (ctx) => {
    const instances = new sql.SqlInstancesServiceClient(options(ctx));
    const project = await projectOf(ctx);
    const instance = cloudName(ctx);
    const to = ctx.target.spec.forProvider.tier === "db-custom-2-7680" ? "db-custom-4-15360" : "db-custom-2-7680";
    const [op] = await instances.patch({ project, instance, body: { settings: { tier: to } } });
    await untilDone(() => new sql.SqlOperationsServiceClient(options(ctx)).get({ project, operation: op.name ?? "" }));
    return { field: "tier", change: `Cloud SQL instances.patch ${project}/${instance}: settings.tier → ${to}` };
  },
  "gcp.terraplane.dev/LoadBalancer": async (ctx) => {
    const key = ctx.target.spec.forProvider.backendServices?.[0]?.name;
    if (!key) throw new Error(`${ctx.target.metadata.name} has no backend service to change`);
    const project = await projectOf(ctx);
    const backendService = chainNames(cloudName(ctx)).backendService(key);
    const client = new BackendServicesClient(options(ctx));
    const [current] = await client.get({ project, backendService });
    const to = current.timeoutSec === 90 ? 120 : 90;
    const [lro] = await client.patch({ project, backendService, backendServiceResource: { timeoutSec: to, fingerprint: current.fingerprint } });
    await computeDone(ctx, project, lro.latestResponse?.name);
    return { field: `backendServices[${key}].timeoutSec`, change: `compute backendServices.patch ${project}/${backendService}: timeoutSec → ${to}` };
  },
  "gcp.terraplane.dev/CDN": async (ctx) => {
    if (!ctx.target.spec.forProvider.origin?.bucketName) throw new Error("only a CDN with a bucket origin (origin.bucketName) is supported");
    const project = await projectOf(ctx);
    const backendBucket = chainNames(cloudName(ctx)).backendBucket();
    const [lro] = await new BackendBucketsClient(options(ctx)).patch({ project, backendBucket, backendBucketResource: { enableCdn: false } });
    await computeDone(ctx, project, lro.latestResponse?.name);
    return { field: "enableCdn", change: `compute backendBuckets.patch ${project}/${backendBucket}: enableCdn → false` };
  },
};

async function computeDone(ctx: DriftContext, project: string, operation: string | null | undefined): Promise<void> {
  if (!operation) throw new Error("the compute API returned no operation");
  const operations = new GlobalOperationsClient(options(ctx));
  await untilDone(() => operations.get({ project, operation }));
}

/** Polls an operation (Cloud SQL or compute) until DONE; fails with its error if it has one. */
async function untilDone(get: () => Promise<[{ status?: unknown; error?: unknown }, ...unknown[]]>): Promise<void> {
  const deadline = Date.now() + OPERATION_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const [op] = await get();
    if (String(op.status) === "DONE") {
      if (op.error) throw new Error(`the operation failed: ${JSON.stringify(op.error)}`);
      return;
    }
    await sleep(250);
  }
  throw new Error(`the operation is not DONE after ${OPERATION_TIMEOUT_MS / 1000} s`);
}

const ProviderConfig = z.object({ spec: z.looseObject({ project: z.string() }) });

/** The project from the resource's (Cluster)ProviderConfig. */
async function projectOf(ctx: DriftContext): Promise<string> {
  const ref = ctx.target.spec.providerConfigRef ?? { kind: "ClusterProviderConfig", name: "default" };
  const api = ctx.kc.makeApiClient(CustomObjectsApi);
  const where = { group: "gcp.terraplane.dev", version: "v1alpha1", plural: `${ref.kind.toLowerCase()}s`, name: ref.name };
  const pc: unknown = ref.kind === "ProviderConfig" ? await api.getNamespacedCustomObject({ ...where, namespace: ctx.namespace }) : await api.getClusterCustomObject(where);
  return ProviderConfig.parse(pc).spec.project;
}
