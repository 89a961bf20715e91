import assert from "node:assert/strict";
import {
  CloudFrontClient,
  DeleteDistributionCommand,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UpdateDistributionCommand,
} from "@aws-sdk/client-cloudfront";
import type { DistributionConfig } from "@aws-sdk/client-cloudfront";
import {
  AddTagsCommand,
  DeleteLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  ModifyTargetGroupCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { LoadBalancer, TargetGroup } from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Annotations } from "../core/managed.ts";
import { cdn } from "../providers/aws/cdn/index.ts";
import { loadBalancer } from "../providers/aws/loadbalancer/index.ts";
import { targetGroupName } from "../providers/aws/loadbalancer/names.ts";
import { OwnerTags, tagsToMap } from "../providers/aws/tags.ts";
import type { FaultProxy } from "../sandbox/faultproxy/index.ts";
import { awsClientConfig } from "./harness/aws.ts";
import { awsEnvironment, installAwsCrds } from "./harness/aws-provider.ts";
import type { AwsEnvironment } from "./harness/aws-provider.ts";
import { mutatingCalls, operationsDuring, resourceOf, settledAndObserved } from "./harness/environment.ts";
import { kubectlOk } from "./harness/kube.ts";
import { condition } from "./harness/managed.ts";
import { uniqueName } from "./harness/names.ts";

// Batch observe against per-resource observe for aws LoadBalancer and aws CDN, side by side on the
// sandbox (API server, the controller, a fault proxy of each environment's own, moto): the same
// scenario runs once with the ProviderConfig's batchObserve on and once with it off. The verdicts
// must be the same; the calls counted at the proxy must show the listing instead of the per-resource
// reads it replaces (and the per-resource reads that remain, docs/ARCHITECTURE.md "Batch observe").

const POLL_MS = 2_000;
const WAIT = { timeout: 60_000, interval: 250 };
const POLLS = 5;

/** What one mode concluded, to compare the two; `reads` (calls per poll by operation) is compared separately. */
interface Verdicts {
  readonly ready: number;
  readonly driftFields: string[];
  readonly driftCorrected: boolean;
  readonly recreated: boolean;
  /** A read by itself answered not-found before the resource was made again (a listing page never does). */
  readonly confirmedMissing: boolean;
  readonly quietMutations: Record<string, number>;
}

interface Outcome {
  readonly verdicts: Verdicts;
  readonly reads: Record<string, number>;
}

/** Requests for `operation` that moto answered with a 4xx (not found), as the proxy saw them since its last reset. */
function notFoundAnswers(proxy: FaultProxy, service: string, operation: string): number {
  return proxy.stats().services[service]?.operations[operation]?.upstream["4xx"] ?? 0;
}

function perPoll(steady: Record<string, { requests: number }>, ops: readonly string[]): Record<string, number> {
  return Object.fromEntries(ops.map((op) => [op, (steady[op]?.requests ?? 0) / POLLS]));
}

async function settled(env: AwsEnvironment<FaultProxy>, name: string): Promise<boolean> {
  const mr = await env.view(name);
  return condition(mr, "Ready")?.status === "True" && condition(mr, "Synced")?.status === "True" && mr?.status?.observedGeneration === mr?.metadata.generation;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Pauses reconciling `name` while `change` is made in the cloud, so the whole change is seen by one
 * observation in either mode. It stays paused for longer than a listing may be old: the first
 * observation after reads a listing started after the change (batch), as a Get would (per resource).
 * Otherwise a listing from just before the change could show part of it and a per-resource read
 * (tags) the rest, and the drift would be reported in two steps.
 */
async function whilePaused(env: AwsEnvironment<FaultProxy>, resource: string, name: string, change: () => Promise<void>): Promise<void> {
  await kubectlOk(["annotate", `${resource}/${name}`, "-n", env.ns, `${Annotations.paused}=true`]);
  await expect.poll(async () => condition(await env.view(name), "Synced")?.reason, WAIT).toBe("ReconcilePaused");
  await change();
  await sleep(POLL_MS + 500);
  await kubectlOk(["annotate", `${resource}/${name}`, "-n", env.ns, `${Annotations.paused}-`]);
}

function expectSameVerdicts(outcomes: ReadonlyMap<boolean, Outcome>): { batch: Outcome; single: Outcome } {
  const batch = outcomes.get(true);
  const single = outcomes.get(false);
  assert(batch && single, "both modes ran their scenario");
  expect(batch.verdicts).toEqual(single.verdicts);
  return { batch, single };
}

// ---------------------------------------------------------------------------------------------
// LoadBalancer: moto keeps ELB state per region, and a listing is per region: a region per mode.

const LB_COUNT = 3;
const LB_RESOURCE = resourceOf(loadBalancer);
const LB_READS = ["DescribeLoadBalancers", "DescribeTargetGroups", "DescribeTags", "DescribeListeners", "DescribeTargetHealth"];
const ELB_MUTATING = (op: string): boolean => !op.startsWith("Describe");

interface LbEnv extends AwsEnvironment<FaultProxy> {
  readonly elb: ElasticLoadBalancingV2Client;
  readonly subnets: string[];
}

async function defaultSubnets(region: string): Promise<string[]> {
  const ec2 = new EC2Client(awsClientConfig({ region, direct: true }));
  try {
    const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "isDefault", Values: ["true"] }] }));
    const subnets = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcs.Vpcs?.[0]?.VpcId ?? ""] }] }));
    const byZone = new Map((subnets.Subnets ?? []).map((s) => [s.AvailabilityZone ?? "", s.SubnetId ?? ""]));
    return [...byZone.values()].sort().slice(0, 2);
  } finally {
    ec2.destroy();
  }
}

async function lbEnvironment(region: string, batchObserve: boolean): Promise<LbEnv> {
  const env = await awsEnvironment(loadBalancer, { nsPrefix: "lbbatch", region, proxySeed: 13, pollIntervalMs: POLL_MS, deleteTimeout: "30s", batchObserve });
  const elb = new ElasticLoadBalancingV2Client(awsClientConfig({ region, direct: true }));
  return {
    ...env,
    elb,
    subnets: await defaultSubnets(region),
    async close() {
      await env.close();
      elb.destroy();
    },
  };
}

const lbSpec = (env: LbEnv): Record<string, unknown> => ({
  region: env.region,
  type: "application",
  scheme: "internet-facing",
  subnets: env.subnets,
  tags: { team: "web" },
  targetGroups: [{ name: "web", protocol: "HTTP", port: 80, targetType: "ip", healthCheck: { path: "/healthz" }, targets: [{ id: "172.31.0.10" }, { id: "172.31.0.11" }] }],
  listeners: [
    { port: 80, protocol: "HTTP", defaultAction: { forward: { targetGroupName: "web" } } },
    { port: 8080, protocol: "HTTP", defaultAction: { fixedResponse: { statusCode: "404", contentType: "text/plain", messageBody: "nothing here" } } },
  ],
});

async function describeLb(elb: ElasticLoadBalancingV2Client, name: string): Promise<LoadBalancer | undefined> {
  try {
    return (await elb.send(new DescribeLoadBalancersCommand({ Names: [name] }))).LoadBalancers?.[0];
  } catch (err) {
    if (err instanceof Error && err.name === "LoadBalancerNotFoundException") return undefined;
    throw err;
  }
}

async function describeTg(elb: ElasticLoadBalancingV2Client, name: string): Promise<TargetGroup | undefined> {
  return (await elb.send(new DescribeTargetGroupsCommand({ Names: [name] }))).TargetGroups?.[0];
}

async function elbTags(elb: ElasticLoadBalancingV2Client, arn: string): Promise<Record<string, string>> {
  return tagsToMap((await elb.send(new DescribeTagsCommand({ ResourceArns: [arn] }))).TagDescriptions?.[0]?.Tags);
}

const lbOutcomes = new Map<boolean, Outcome>();

describe("batch observe gives per-resource observe's verdicts (aws LoadBalancer on moto)", () => {
  beforeAll(async () => {
    await installAwsCrds([loadBalancer]);
  });

  for (const [batch, region] of [[true, "ap-east-1"], [false, "me-central-1"]] as const) {
    describe(batch ? "batch observe" : "per-resource observe", () => {
      let env: LbEnv;
      const names = Array.from({ length: LB_COUNT }, (_, i) => uniqueName(`lb${i}`));
      beforeAll(async () => {
        env = await lbEnvironment(region, batch);
      });
      afterAll(async () => env.close());

      it("create → Ready, drift corrected, out-of-band delete recreated, then quiet", { timeout: 240_000 }, async () => {
        for (const name of names) await env.apply(name, lbSpec(env));
        for (const name of names) await settledAndObserved(env, name, () => settled(env, name), WAIT);

        const steady = await operationsDuring(env.proxy, "elasticloadbalancing", POLLS * POLL_MS);
        const quietBefore = Object.fromEntries(Object.entries(steady).filter(([op]) => ELB_MUTATING(op)).map(([op, c]) => [op, c.requests]));

        // Drift made out of band, straight at moto: a tag on the load balancer, a target group's health check.
        const [drifty = "", doomed = ""] = names;
        const lbArn = (await describeLb(env.elb, drifty))?.LoadBalancerArn ?? "";
        const tgArn = (await describeTg(env.elb, targetGroupName(drifty, "web")))?.TargetGroupArn ?? "";
        await whilePaused(env, LB_RESOURCE, drifty, async () => {
          await env.elb.send(new AddTagsCommand({ ResourceArns: [lbArn], Tags: [{ Key: "team", Value: "someone-else" }] }));
          await env.elb.send(new ModifyTargetGroupCommand({ TargetGroupArn: tgArn, HealthCheckPath: "/other" }));
        });
        await expect.poll(async () => (await env.view(drifty))?.status?.drift?.corrected, WAIT).toBe(true);
        const drift = (await env.view(drifty))?.status?.drift;
        await expect.poll(async () => (await elbTags(env.elb, lbArn)).team, WAIT).toBe("web");
        await expect.poll(async () => (await describeTg(env.elb, targetGroupName(drifty, "web")))?.HealthCheckPath, WAIT).toBe("/healthz");

        // Deleted out of band (its listeners go with it, its target group stays): confirmed missing, made again.
        const original = (await describeLb(env.elb, doomed))?.LoadBalancerArn ?? "";
        env.proxy.resetStats();
        await env.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: original }));
        await expect.poll(async () => (await describeLb(env.elb, doomed))?.LoadBalancerArn ?? original, WAIT).not.toBe(original);
        const again = (await describeLb(env.elb, doomed))?.LoadBalancerArn ?? "";
        const recreated = (await elbTags(env.elb, again))[OwnerTags.resource] === `LoadBalancer/${env.ns}/${doomed}`;
        // Observe's confirming Get and create's look-up by name are both DescribeLoadBalancers by name
        // (the unit tests tell them apart); a listing page never answers not-found.
        const confirmedMissing = notFoundAnswers(env.proxy, "elasticloadbalancing", "DescribeLoadBalancers") > 0;
        for (const name of names) await settledAndObserved(env, name, () => settled(env, name), WAIT);

        // No perpetual diff: nothing more to change over a few polls.
        await operationsDuring(env.proxy, "elasticloadbalancing", 3 * POLL_MS);
        const quietAfter = mutatingCalls(env.proxy, "elasticloadbalancing", ELB_MUTATING);

        const ready = (await Promise.all(names.map((n) => settled(env, n)))).filter(Boolean).length;
        const reads = perPoll(steady, LB_READS);
        lbOutcomes.set(batch, {
          verdicts: {
            ready,
            driftFields: (drift?.fields ?? []).map((f) => f.path),
            driftCorrected: drift?.corrected === true,
            recreated,
            confirmedMissing,
            quietMutations: { ...quietBefore, ...quietAfter },
          },
          reads,
        });
        console.info(`LoadBalancer ${batch ? "batch" : "per-resource"}: ELBv2 reads per ${POLL_MS} ms poll for ${LB_COUNT} load balancers: ${JSON.stringify(reads)}`);
      });
    });
  }

  it("both modes agree; batch lists load balancers, target groups and tags once per poll and reads only listeners and target health per load balancer", () => {
    const { batch, single } = expectSameVerdicts(lbOutcomes);
    expect(batch.verdicts).toMatchObject({ ready: LB_COUNT, driftCorrected: true, recreated: true, confirmedMissing: true, quietMutations: {} });
    expect(batch.verdicts.driftFields.sort()).toEqual(["tags", "targetGroups[web].healthCheck.path"]);
    // Per resource: each of the five reads about once per load balancer per poll.
    for (const op of LB_READS) expect(single.reads[op], op).toBeGreaterThanOrEqual(LB_COUNT * 0.7);
    // Batch: one listing a poll (one page of each list, one DescribeTags per 20 ARNs) ...
    expect(batch.reads.DescribeLoadBalancers).toBeGreaterThan(0);
    expect(batch.reads.DescribeLoadBalancers).toBeLessThanOrEqual(2);
    expect(batch.reads.DescribeTargetGroups).toBeLessThanOrEqual(2);
    expect(batch.reads.DescribeTags).toBeLessThanOrEqual(4);
    // ... and what no list serves still per load balancer.
    expect(batch.reads.DescribeListeners).toBeGreaterThanOrEqual(LB_COUNT * 0.7);
    expect(batch.reads.DescribeTargetHealth).toBeGreaterThanOrEqual(LB_COUNT * 0.7);
  });
});

// ---------------------------------------------------------------------------------------------
// CDN: CloudFront is global (moto keeps one distribution list for every region), so each mode is
// told apart by its namespace, ProviderConfig and fault proxy, and only looks at its own distributions.

const CDN_COUNT = 3;
const CDN_RESOURCE = resourceOf(cdn);
const CDN_READS = ["ListDistributions", "GetDistribution", "ListTagsForResource"];
const CLOUDFRONT_MUTATING = (op: string): boolean => /^(Create|Update|Delete|TagResource|UntagResource)/.test(op);
const cloudFront = new CloudFrontClient(awsClientConfig({ region: "us-east-1", direct: true }));

const cdnSpec = (logging: boolean): Record<string, unknown> => ({
  origins: [{ id: "web", domainName: "origin.example.com", custom: { originProtocolPolicy: "https-only" } }],
  defaultCacheBehavior: { targetOriginId: "web", viewerProtocolPolicy: "redirect-to-https" },
  comment: "batch observe",
  tags: { team: "edge" },
  // One sets logging, which no summary carries: moto's summaries have no ETag, so it is read by a Get each poll.
  ...(logging ? { logging: { bucket: "logs.s3.amazonaws.com", prefix: "cdn/" } } : {}),
});

async function cdnConfig(id: string): Promise<{ config: DistributionConfig; etag: string }> {
  const out = await cloudFront.send(new GetDistributionConfigCommand({ Id: id }));
  assert(out.DistributionConfig, `distribution ${id} has a config`);
  return { config: out.DistributionConfig, etag: out.ETag ?? "" };
}

async function cdnTags(id: string): Promise<Record<string, string>> {
  const d = await cloudFront.send(new GetDistributionCommand({ Id: id }));
  return tagsToMap((await cloudFront.send(new ListTagsForResourceCommand({ Resource: d.Distribution?.ARN ?? "" }))).Tags?.Items);
}

async function idOf(env: AwsEnvironment<FaultProxy>, name: string): Promise<string> {
  return (await env.view(name))?.metadata.annotations?.[Annotations.externalName] ?? "";
}

const cdnOutcomes = new Map<boolean, Outcome>();

describe("batch observe gives per-resource observe's verdicts (aws CDN on moto)", () => {
  beforeAll(async () => {
    await installAwsCrds([cdn]);
  });
  afterAll(() => cloudFront.destroy());

  for (const batch of [true, false]) {
    describe(batch ? "batch observe" : "per-resource observe", () => {
      let env: AwsEnvironment<FaultProxy>;
      const names = Array.from({ length: CDN_COUNT }, (_, i) => uniqueName(`cdn${i}`));
      beforeAll(async () => {
        env = await awsEnvironment(cdn, { nsPrefix: "cdnbatch", region: "us-east-1", proxySeed: 17, pollIntervalMs: POLL_MS, deleteTimeout: "60s", batchObserve: batch });
      });
      afterAll(async () => env.close());

      it("create → Ready, drift corrected, out-of-band delete recreated, then quiet", { timeout: 240_000 }, async () => {
        for (const [i, name] of names.entries()) await env.apply(name, cdnSpec(i === CDN_COUNT - 1));
        for (const name of names) await settledAndObserved(env, name, () => settled(env, name), WAIT);

        const steady = await operationsDuring(env.proxy, "cloudfront", POLLS * POLL_MS);
        const quietBefore = Object.fromEntries(Object.entries(steady).filter(([op]) => CLOUDFRONT_MUTATING(op)).map(([op, c]) => [op, c.requests]));

        // Drift made out of band, straight at moto: a summary field (price class) and a tag.
        const [drifty = "", doomed = ""] = names;
        const id = await idOf(env, drifty);
        await whilePaused(env, CDN_RESOURCE, drifty, async () => {
          const { config, etag } = await cdnConfig(id);
          await cloudFront.send(new UpdateDistributionCommand({ Id: id, IfMatch: etag, DistributionConfig: { ...config, PriceClass: "PriceClass_200" } }));
          const arn = (await cloudFront.send(new GetDistributionCommand({ Id: id }))).Distribution?.ARN ?? "";
          await cloudFront.send(new TagResourceCommand({ Resource: arn, Tags: { Items: [{ Key: "team", Value: "someone-else" }] } }));
        });
        await expect.poll(async () => (await env.view(drifty))?.status?.drift?.corrected, WAIT).toBe(true);
        const drift = (await env.view(drifty))?.status?.drift;
        await expect.poll(async () => (await cdnConfig(id)).config.PriceClass, WAIT).toBe("PriceClass_All");
        await expect.poll(async () => (await cdnTags(id)).team, WAIT).toBe("edge");

        // Deleted out of band: confirmed missing, made again (a new id, found by its ownership tags).
        const gone = await idOf(env, doomed);
        env.proxy.resetStats();
        await cloudFront.send(new DeleteDistributionCommand({ Id: gone, IfMatch: (await cdnConfig(gone)).etag }));
        await expect.poll(async () => idOf(env, doomed), WAIT).not.toBe(gone);
        const again = await idOf(env, doomed);
        await expect.poll(async () => (await cdnTags(again))[OwnerTags.resource], WAIT).toBe(`CDN/${env.ns}/${doomed}`);
        // Only observe reads GetDistribution here (create does not look first): this is its confirming Get.
        const confirmedMissing = notFoundAnswers(env.proxy, "cloudfront", "GetDistribution") > 0;
        for (const name of names) await settledAndObserved(env, name, () => settled(env, name), WAIT);

        await operationsDuring(env.proxy, "cloudfront", 3 * POLL_MS);
        const quietAfter = mutatingCalls(env.proxy, "cloudfront", CLOUDFRONT_MUTATING);

        const ready = (await Promise.all(names.map((n) => settled(env, n)))).filter(Boolean).length;
        const reads = perPoll(steady, CDN_READS);
        cdnOutcomes.set(batch, {
          verdicts: { ready, driftFields: (drift?.fields ?? []).map((f) => f.path), driftCorrected: drift?.corrected === true, recreated: again !== "" && again !== gone, confirmedMissing, quietMutations: { ...quietBefore, ...quietAfter } },
          reads,
        });
        console.info(`CDN ${batch ? "batch" : "per-resource"}: CloudFront reads per ${POLL_MS} ms poll for ${CDN_COUNT} distributions: ${JSON.stringify(reads)}`);
      });
    });
  }

  it("both modes agree; batch lists distributions once per poll, Gets only the one whose spec compares logging, and reads tags per distribution", () => {
    const { batch, single } = expectSameVerdicts(cdnOutcomes);
    expect(batch.verdicts).toMatchObject({ ready: CDN_COUNT, driftFields: ["priceClass", "tags"], driftCorrected: true, recreated: true, confirmedMissing: true, quietMutations: {} });
    expect(single.reads.ListDistributions).toBe(0);
    expect(single.reads.GetDistribution).toBeGreaterThanOrEqual(CDN_COUNT * 0.7);
    expect(batch.reads.ListDistributions).toBeGreaterThan(0);
    expect(batch.reads.ListDistributions).toBeLessThanOrEqual(2);
    // Only the distribution whose spec sets logging (one of three) is read by itself each poll.
    expect(batch.reads.GetDistribution).toBeLessThanOrEqual(1.6);
    expect(batch.reads.GetDistribution).toBeLessThan(single.reads.GetDistribution ?? 0);
    // Tags are in no list: per distribution in both modes.
    expect(batch.reads.ListTagsForResource).toBeGreaterThanOrEqual(CDN_COUNT * 0.7);
  });
});
