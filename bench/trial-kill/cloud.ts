// What the emulators hold of one trial run, read straight from moto and the GCP emulator (never
// through the fault proxies, never through the controller): the ground truth the trial's verdict
// compares the cluster with.
import { CloudFrontClient, ListDistributionsCommand, ListTagsForResourceCommand } from "@aws-sdk/client-cloudfront";
import { DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { DescribeLoadBalancersCommand, DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import { z } from "zod";
import { OwnerTags } from "../../providers/aws/tags.ts";
import { ownerOf, TRIAL_KINDS } from "./kinds.ts";
import type { KindId, TrialKind, TrialScope } from "./kinds.ts";

/** One cloud resource of the run: which kind and managed object it belongs to, and what it is. */
export interface CloudResource {
  readonly kind: KindId;
  readonly owner: string;
  /** e.g. `rds/<id>`, `compute/healthChecks/<name>`. */
  readonly what: string;
  /** The resource that stands for the whole object (an RDS instance, a distribution, a forwarding rule): counted against the managed objects. */
  readonly top: boolean;
}

export interface CloudEndpoints {
  readonly motoEndpoint: string;
  readonly gcpEmulatorEndpoint: string;
  readonly gcpProject: string;
}

const CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };
const COMPUTE_COLLECTIONS = ["healthChecks", "backendServices", "backendBuckets", "urlMaps", "targetHttpProxies", "targetHttpsProxies", "sslCertificates", "addresses", "forwardingRules"];
const Named = z.looseObject({ name: z.string() });
const Page = z.looseObject({ items: z.array(Named).optional(), nextPageToken: z.string().optional() });

export class TrialCloud {
  readonly #scope: TrialScope;
  readonly #e: CloudEndpoints;
  readonly #rds: RDSClient;
  readonly #elb: ElasticLoadBalancingV2Client;
  readonly #cloudfront: CloudFrontClient;
  readonly #ec2: EC2Client;

  constructor(scope: Omit<TrialScope, "awsSubnets">, endpoints: CloudEndpoints) {
    this.#scope = { ...scope, awsSubnets: [] };
    this.#e = endpoints;
    const aws = { region: scope.awsRegion, endpoint: endpoints.motoEndpoint, credentials: CREDENTIALS };
    this.#rds = new RDSClient(aws);
    this.#elb = new ElasticLoadBalancingV2Client(aws);
    this.#ec2 = new EC2Client(aws);
    this.#cloudfront = new CloudFrontClient({ ...aws, region: "us-east-1" });
  }

  /** Two default subnets of the region in different Availability Zones (moto makes a default VPC per region). */
  async defaultSubnets(): Promise<string[]> {
    const vpcs = await this.#ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "isDefault", Values: ["true"] }] }));
    const vpcId = vpcs.Vpcs?.[0]?.VpcId;
    if (!vpcId) throw new Error(`moto has no default VPC in ${this.#scope.awsRegion}`);
    const subnets = (await this.#ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }))).Subnets ?? [];
    const byZone = new Map(subnets.filter((s) => s.SubnetId && s.AvailabilityZone).map((s) => [s.AvailabilityZone, s.SubnetId ?? ""]));
    const ids = [...byZone.values()].slice(0, 2);
    if (ids.length < 2) throw new Error(`moto's default VPC in ${this.#scope.awsRegion} has fewer than two Availability Zones`);
    return ids;
  }

  /** Everything of this run in both emulators. */
  async inventory(): Promise<CloudResource[]> {
    const parts = await Promise.all([this.#rdsInstances(), this.#loadBalancers(), this.#distributions(), this.#sqlInstances(), this.#compute()]);
    return parts.flat();
  }

  close(): void {
    for (const c of [this.#rds, this.#elb, this.#cloudfront, this.#ec2]) c.destroy();
  }

  #kind(id: KindId): TrialKind {
    const kind = TRIAL_KINDS.find((k) => k.id === id);
    if (!kind) throw new Error(`no trial kind ${id}`);
    return kind;
  }

  /** Resources named after one of the run's objects of `id`. */
  #owned(id: KindId, names: readonly string[], what: (name: string) => string, top: boolean): CloudResource[] {
    const kind = this.#kind(id);
    return names.flatMap((name) => {
      const owner = ownerOf(this.#scope, kind, name);
      return owner ? [{ kind: id, owner, what: what(name), top }] : [];
    });
  }

  async #rdsInstances(): Promise<CloudResource[]> {
    const ids: string[] = [];
    let Marker: string | undefined;
    do {
      const page = await this.#rds.send(new DescribeDBInstancesCommand({ Marker }));
      ids.push(...(page.DBInstances ?? []).flatMap((d) => (d.DBInstanceIdentifier ? [d.DBInstanceIdentifier] : [])));
      Marker = page.Marker;
    } while (Marker);
    return this.#owned("aws/Database", ids, (n) => `rds/${n}`, true);
  }

  async #loadBalancers(): Promise<CloudResource[]> {
    const lbs: string[] = [];
    const tgs: string[] = [];
    let Marker: string | undefined;
    do {
      const page = await this.#elb.send(new DescribeLoadBalancersCommand({ Marker }));
      lbs.push(...(page.LoadBalancers ?? []).flatMap((l) => (l.LoadBalancerName ? [l.LoadBalancerName] : [])));
      Marker = page.NextMarker;
    } while (Marker);
    do {
      const page = await this.#elb.send(new DescribeTargetGroupsCommand({ Marker }));
      tgs.push(...(page.TargetGroups ?? []).flatMap((t) => (t.TargetGroupName ? [t.TargetGroupName] : [])));
      Marker = page.NextMarker;
    } while (Marker);
    return [...this.#owned("aws/LoadBalancer", lbs, (n) => `elbv2/loadbalancer/${n}`, true), ...this.#owned("aws/LoadBalancer", tgs, (n) => `elbv2/targetgroup/${n}`, false)];
  }

  /** CloudFront is global (one list for every region and test): the run's are those whose ownership tag names its namespace. */
  async #distributions(): Promise<CloudResource[]> {
    const found: CloudResource[] = [];
    let Marker: string | undefined;
    const mine = `CDN/${this.#scope.namespace}/`;
    do {
      const page = (await this.#cloudfront.send(new ListDistributionsCommand({ Marker }))).DistributionList;
      for (const d of page?.Items ?? []) {
        const resource = d.ARN ? await this.#ownerTag(d.ARN) : "";
        if (resource.startsWith(mine)) found.push(...this.#owned("aws/CDN", [resource.slice(mine.length)], () => `cloudfront/${d.Id ?? ""}`, true));
      }
      Marker = page?.IsTruncated ? page.NextMarker : undefined;
    } while (Marker);
    return found;
  }

  async #ownerTag(arn: string): Promise<string> {
    const tags = (await this.#cloudfront.send(new ListTagsForResourceCommand({ Resource: arn }))).Tags?.Items ?? [];
    return tags.find((t) => t.Key === OwnerTags.resource)?.Value ?? "";
  }

  async #sqlInstances(): Promise<CloudResource[]> {
    const names = await this.#gcpList(`/v1/projects/${this.#e.gcpProject}/instances`);
    return this.#owned("gcp/Database", names, (n) => `sql/${n}`, true);
  }

  /** Every compute resource of the project; a LoadBalancer or CDN counts once per forwarding rule. */
  async #compute(): Promise<CloudResource[]> {
    const out: CloudResource[] = [];
    for (const collection of COMPUTE_COLLECTIONS) {
      const names = await this.#gcpList(`/compute/v1/projects/${this.#e.gcpProject}/global/${collection}`);
      for (const id of ["gcp/LoadBalancer", "gcp/CDN"] as const) out.push(...this.#owned(id, names, (n) => `compute/${collection}/${n}`, collection === "forwardingRules"));
    }
    return out;
  }

  async #gcpList(path: string): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const url = new URL(`${this.#e.gcpEmulatorEndpoint.replace(/\/+$/, "")}${path}`);
      if (token) url.searchParams.set("pageToken", token);
      const res = await fetch(url, { headers: { authorization: "Bearer trial-kill" }, signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`GET ${path} on the GCP emulator: HTTP ${res.status} ${await res.text()}`);
      const page = Page.parse(await res.json());
      names.push(...(page.items ?? []).map((i) => i.name));
      token = page.nextPageToken || undefined;
    } while (token);
    return names;
  }
}
