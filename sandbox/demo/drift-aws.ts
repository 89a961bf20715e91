import { CloudFrontClient, GetDistributionConfigCommand, UpdateDistributionCommand } from "@aws-sdk/client-cloudfront";
import { AddTagsCommand, DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ModifyDBInstanceCommand, RDSClient } from "@aws-sdk/client-rds";
import { Annotations } from "../../core/managed.ts";
import { cloudName } from "./drift-types.ts";
import type { DriftContext, DriftMaker } from "./drift-types.ts";

// One out-of-band change per AWS kind, made straight against moto (not through the fault proxy).

const credentials = { accessKeyId: "testing", secretAccessKey: "testing" };
const config = (ctx: DriftContext): { region: string; endpoint: string; credentials: typeof credentials } => ({
  region: ctx.target.spec.forProvider.region ?? "us-east-1",
  endpoint: ctx.sandbox.motoEndpoint,
  credentials,
});

export const awsDriftMakers: Readonly<Record<string, DriftMaker>> = {
  "aws.terraplane.dev/Database": async (ctx) => {
    const id = cloudName(ctx);
    const to = ctx.target.spec.forProvider.instanceClass === "db.t3.small" ? "db.t3.medium" : "db.t3.small";
    await new RDSClient(config(ctx)).send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, DBInstanceClass: to, ApplyImmediately: true }));
    return { field: "instanceClass", change: `RDS ModifyDBInstance ${id}: DBInstanceClass → ${to}` };
  },
  "aws.terraplane.dev/LoadBalancer": async (ctx) => {
    const elb = new ElasticLoadBalancingV2Client(config(ctx));
    const name = cloudName(ctx);
    const arn = (await elb.send(new DescribeLoadBalancersCommand({ Names: [name] }))).LoadBalancers?.[0]?.LoadBalancerArn;
    if (!arn) throw new Error(`no load balancer named ${name} in moto`);
    await elb.send(new AddTagsCommand({ ResourceArns: [arn], Tags: [{ Key: "changed-by", Value: "someone-else" }] }));
    return { field: "tags", change: `ELBv2 AddTags on ${name}: changed-by=someone-else` };
  },
  "aws.terraplane.dev/CDN": async (ctx) => {
    const id = ctx.target.metadata.annotations?.[Annotations.externalName];
    if (!id) throw new Error(`${ctx.target.metadata.name} has no distribution yet (no ${Annotations.externalName} annotation)`);
    const cf = new CloudFrontClient({ ...config(ctx), region: "us-east-1" }); // CloudFront's API lives in us-east-1
    const current = await cf.send(new GetDistributionConfigCommand({ Id: id }));
    if (!current.DistributionConfig) throw new Error(`distribution ${id} has no config`);
    const to = current.DistributionConfig.PriceClass === "PriceClass_All" ? "PriceClass_200" : "PriceClass_All";
    await cf.send(new UpdateDistributionCommand({ Id: id, IfMatch: current.ETag, DistributionConfig: { ...current.DistributionConfig, PriceClass: to } }));
    return { field: "priceClass", change: `CloudFront UpdateDistribution ${id}: PriceClass → ${to}` };
  },
};
