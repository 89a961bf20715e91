import { ModifyDBInstanceCommand, RDSClient } from "@aws-sdk/client-rds";
import { CloudFrontClient, GetDistributionConfigCommand, UpdateDistributionCommand } from "@aws-sdk/client-cloudfront";
import { AddTagsCommand, DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { v1 as sql } from "@google-cloud/sql";
import { CustomObjectsApi } from "@kubernetes/client-node";
import type { KubeConfig } from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { resolveKind } from "../../cli/inspect/explain.ts";
import { isNotFound } from "../../core/kube/errors.ts";
import { Annotations } from "../../core/managed.ts";
import { googleClientOptions } from "../../providers/gcp/client-options.ts";
import type { SandboxInfo } from "../launcher/sandbox.ts";

// `terraplane sandbox drift <kind>/<name>`: one change to the cloud resource behind a managed
// resource, made with the official SDK straight against the emulator (not through Terraplane, not
// through the fault proxy), so that the next poll reports DriftDetected and corrects it.

const Target = z.object({
  metadata: z.object({ name: z.string(), annotations: z.record(z.string(), z.string()).optional() }),
  spec: z.looseObject({
    providerConfigRef: z.object({ kind: z.string(), name: z.string() }).optional(),
    forProvider: z.looseObject({ region: z.string().optional(), instanceClass: z.string().optional(), tier: z.string().optional(), priceClass: z.string().optional() }),
  }),
});
type Target = z.infer<typeof Target>;

interface DriftContext {
  readonly kc: KubeConfig;
  readonly sandbox: SandboxInfo;
  readonly namespace: string;
  readonly target: Target;
}

/** What a drift maker changed, in words: the field as Terraplane names it, and how. */
export interface Drift {
  readonly field: string;
  readonly change: string;
}

type DriftMaker = (ctx: DriftContext) => Promise<Drift>;

const awsCredentials = { accessKeyId: "testing", secretAccessKey: "testing" };
const awsConfig = (ctx: DriftContext): { region: string; endpoint: string; credentials: typeof awsCredentials } => ({
  region: ctx.target.spec.forProvider.region ?? "us-east-1",
  endpoint: ctx.sandbox.motoEndpoint,
  credentials: awsCredentials,
});
const cloudName = (ctx: DriftContext): string => ctx.target.metadata.annotations?.[Annotations.externalName] ?? ctx.target.metadata.name;

const makers: Readonly<Record<string, DriftMaker>> = {
  "aws.terraplane.dev/Database": async (ctx) => {
    const rds = new RDSClient(awsConfig(ctx));
    const id = cloudName(ctx);
    const to = ctx.target.spec.forProvider.instanceClass === "db.t3.small" ? "db.t3.medium" : "db.t3.small";
    await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, DBInstanceClass: to, ApplyImmediately: true }));
    return { field: "instanceClass", change: `RDS ModifyDBInstance ${id}: DBInstanceClass → ${to}` };
  },
  "aws.terraplane.dev/LoadBalancer": async (ctx) => {
    const elb = new ElasticLoadBalancingV2Client(awsConfig(ctx));
    const name = cloudName(ctx);
    const arn = (await elb.send(new DescribeLoadBalancersCommand({ Names: [name] }))).LoadBalancers?.[0]?.LoadBalancerArn;
    if (!arn) throw new Error(`no load balancer named ${name} in moto`);
    await elb.send(new AddTagsCommand({ ResourceArns: [arn], Tags: [{ Key: "changed-by", Value: "someone-else" }] }));
    return { field: "tags", change: `ELBv2 AddTags on ${name}: changed-by=someone-else` };
  },
  "aws.terraplane.dev/CDN": async (ctx) => {
    const id = ctx.target.metadata.annotations?.[Annotations.externalName];
    if (!id) throw new Error(`${ctx.target.metadata.name} has no distribution yet (no ${Annotations.externalName} annotation)`);
    const cf = new CloudFrontClient({ ...awsConfig(ctx), region: "us-east-1" });
    const current = await cf.send(new GetDistributionConfigCommand({ Id: id }));
    if (!current.DistributionConfig) throw new Error(`distribution ${id} has no config`);
    const to = current.DistributionConfig.PriceClass === "PriceClass_All" ? "PriceClass_200" : "PriceClass_All";
    await cf.send(new UpdateDistributionCommand({ Id: id, IfMatch: current.ETag, DistributionConfig: { ...current.DistributionConfig, PriceClass: to } }));
    return { field: "priceClass", change: `CloudFront UpdateDistribution ${id}: PriceClass → ${to}` };
  },
  "gcp.terraplane.dev/Database": async (ctx) => {
    const options = googleClientOptions({ endpoint: ctx.sandbox.gcpEmulatorEndpoint });
    const instances = new sql.SqlInstancesServiceClient(options);
    const operations = new sql.SqlOperationsServiceClient(options);
    const project = await gcpProject(ctx);
    const instance = cloudName(ctx);
    const to = ctx.target.spec.forProvider.tier === "db-custom-2-7680" ? "db-custom-4-15360" : "db-custom-2-7680";
    const [op] = await instances.patch({ project, instance, body: { settings: { tier: to } } });
    await untilDone(operations, project, op.name ?? "");
    return { field: "tier", change: `Cloud SQL instances.patch ${project}/${instance}: settings.tier → ${to}` };
  },
};

export const driftKinds = Object.keys(makers);

async function untilDone(operations: sql.SqlOperationsServiceClient, project: string, operation: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const [op] = await operations.get({ project, operation });
    if (String(op.status) === "DONE") return;
    await sleep(500);
  }
  throw new Error(`Cloud SQL operation ${operation} is not DONE after 120 s`);
}

const ProviderConfig = z.object({ spec: z.looseObject({ project: z.string() }) });

async function gcpProject(ctx: DriftContext): Promise<string> {
  const ref = ctx.target.spec.providerConfigRef ?? { kind: "ClusterProviderConfig", name: "default" };
  const api = ctx.kc.makeApiClient(CustomObjectsApi);
  const where = { group: "gcp.terraplane.dev", version: "v1alpha1", plural: `${ref.kind.toLowerCase()}s`, name: ref.name };
  const pc: unknown = ref.kind === "ProviderConfig" ? await api.getNamespacedCustomObject({ ...where, namespace: ctx.namespace }) : await api.getClusterCustomObject(where);
  return ProviderConfig.parse(pc).spec.project;
}

/** Makes the change for `<kind>/<name>` (any name kubectl knows the kind by) and says what it did. */
export async function makeDrift(kc: KubeConfig, sandbox: SandboxInfo, typed: string, namespace: string): Promise<Drift & { kind: string }> {
  const slash = typed.indexOf("/");
  if (slash <= 0 || slash === typed.length - 1) throw new Error(`expected <kind>/<name>, got "${typed}"`);
  const kind = await resolveKind(kc, typed.slice(0, slash));
  const maker = makers[`${kind.group}/${kind.kind}`];
  if (!maker) throw new Error(`no drift maker for ${kind.kind}.${kind.group}; there is one for: ${driftKinds.join(", ")}`);
  const name = typed.slice(slash + 1);
  let raw: unknown;
  try {
    raw = await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group: kind.group, version: kind.version, plural: kind.plural, namespace, name });
  } catch (err) {
    if (isNotFound(err)) throw new Error(`${kind.kind} "${name}" not found in namespace "${namespace}"`, { cause: err });
    throw err;
  }
  const drift = await maker({ kc, sandbox, namespace, target: Target.parse(raw) });
  return { ...drift, kind: `${kind.plural}.${kind.group}` };
}
