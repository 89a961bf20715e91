import {
  AddTagsCommand,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ModifyListenerCommand,
  ModifyTargetGroupCommand,
  RegisterTargetsCommand,
  RemoveTagsCommand,
  SetIpAddressTypeCommand,
  SetSecurityGroupsCommand,
  SetSubnetsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type {
  CreateListenerInput,
  CreateLoadBalancerInput,
  CreateTargetGroupInput,
  ElasticLoadBalancingV2Client,
  IpAddressType,
  Listener,
  LoadBalancer,
  ModifyListenerInput,
  ModifyTargetGroupInput,
  TargetDescription,
  TargetGroup,
  TargetHealthDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { errorClassOf } from "../../../core/errors.ts";
import { tagsToMap } from "../tags.ts";
import { elbCall } from "./elb-call.ts";

// The ELBv2 operations this kind uses, as a small typed facade over the cached SDK client: every
// call goes through `elbCall` (classified errors, the SDK's own retries, nothing more) with the
// reconcile's signal, "not found"
// becomes undefined where the caller asks a question, and list calls follow their markers. Tests
// substitute an in-memory implementation of `ElbApi`.

/** One page of an account+region-wide list, and the marker of the next (undefined: the last). */
export interface ElbPage<T> {
  readonly items: T[];
  readonly next?: string | undefined;
}

/** ELBv2's largest page for DescribeLoadBalancers and DescribeTargetGroups. */
export const ELB_PAGE_SIZE = 400;

export interface ElbApi {
  describeLoadBalancer(name: string): Promise<LoadBalancer | undefined>;
  /** Every load balancer of the account and region, a page at a time (batch observe). */
  describeLoadBalancersPage(marker: string | undefined): Promise<ElbPage<LoadBalancer>>;
  /** Every target group of the account and region, a page at a time (batch observe). */
  describeTargetGroupsPage(marker: string | undefined): Promise<ElbPage<TargetGroup>>;
  createLoadBalancer(input: CreateLoadBalancerInput): Promise<LoadBalancer>;
  deleteLoadBalancer(arn: string): Promise<void>;
  setSubnets(arn: string, subnets: readonly string[]): Promise<void>;
  setSecurityGroups(arn: string, groups: readonly string[]): Promise<void>;
  setIpAddressType(arn: string, type: IpAddressType): Promise<void>;
  describeTags(arns: readonly string[]): Promise<Map<string, Record<string, string>>>;
  addTags(arn: string, tags: Readonly<Record<string, string>>): Promise<void>;
  removeTags(arn: string, keys: readonly string[]): Promise<void>;
  describeListeners(lbArn: string): Promise<Listener[]>;
  createListener(input: CreateListenerInput): Promise<Listener>;
  modifyListener(input: ModifyListenerInput): Promise<void>;
  /** False when it was already gone. */
  deleteListener(arn: string): Promise<boolean>;
  /** The target groups of these names that exist (missing names are left out). */
  describeTargetGroupsByName(names: readonly string[]): Promise<TargetGroup[]>;
  /** The target groups of these ARNs that exist (missing ones are left out). */
  describeTargetGroupsByArn(arns: readonly string[]): Promise<TargetGroup[]>;
  createTargetGroup(input: CreateTargetGroupInput): Promise<TargetGroup>;
  modifyTargetGroup(input: ModifyTargetGroupInput): Promise<void>;
  /** False when it was already gone. */
  deleteTargetGroup(arn: string): Promise<boolean>;
  describeTargetHealth(arn: string): Promise<TargetHealthDescription[]>;
  registerTargets(arn: string, targets: readonly TargetDescription[]): Promise<void>;
  deregisterTargets(arn: string, targets: readonly TargetDescription[]): Promise<void>;
}

/** DescribeTags takes at most 20 ARNs per call. */
const TAG_BATCH = 20;

async function orUndefined<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (err) {
    if (errorClassOf(err) === "NotFound") return undefined;
    throw err;
  }
}

function only<T>(items: readonly T[] | undefined, what: string): T {
  const [first] = items ?? [];
  if (first === undefined) throw new Error(`${what} returned nothing`);
  return first;
}

/** ElbApi over the cached SDK client, built per reconcile: every request carries that reconcile's signal. */
export class SdkElbApi implements ElbApi {
  readonly #elb: ElasticLoadBalancingV2Client;
  readonly #opts: { readonly abortSignal: AbortSignal };

  constructor(elb: ElasticLoadBalancingV2Client, signal: AbortSignal) {
    this.#elb = elb;
    this.#opts = { abortSignal: signal };
  }

  async describeLoadBalancer(name: string): Promise<LoadBalancer | undefined> {
    const out = await orUndefined(elbCall("DescribeLoadBalancers", () => this.#elb.send(new DescribeLoadBalancersCommand({ Names: [name] }), this.#opts)));
    return out?.LoadBalancers?.find((lb) => lb.LoadBalancerName === name);
  }

  async describeLoadBalancersPage(marker: string | undefined): Promise<ElbPage<LoadBalancer>> {
    const out = await elbCall("DescribeLoadBalancers", () => this.#elb.send(new DescribeLoadBalancersCommand({ PageSize: ELB_PAGE_SIZE, ...(marker ? { Marker: marker } : {}) }), this.#opts));
    return { items: out.LoadBalancers ?? [], next: out.NextMarker || undefined };
  }

  /** moto (5.2.5) ignores PageSize here and answers every target group in one page; AWS pages by 400. */
  async describeTargetGroupsPage(marker: string | undefined): Promise<ElbPage<TargetGroup>> {
    const out = await elbCall("DescribeTargetGroups", () => this.#elb.send(new DescribeTargetGroupsCommand({ PageSize: ELB_PAGE_SIZE, ...(marker ? { Marker: marker } : {}) }), this.#opts));
    return { items: out.TargetGroups ?? [], next: out.NextMarker || undefined };
  }

  async createLoadBalancer(input: CreateLoadBalancerInput): Promise<LoadBalancer> {
    const out = await elbCall("CreateLoadBalancer", () => this.#elb.send(new CreateLoadBalancerCommand(input), this.#opts));
    return only(out.LoadBalancers, "CreateLoadBalancer");
  }

  async deleteLoadBalancer(arn: string): Promise<void> {
    await orUndefined(elbCall("DeleteLoadBalancer", () => this.#elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }), this.#opts)));
  }

  async setSubnets(arn: string, subnets: readonly string[]): Promise<void> {
    await elbCall("SetSubnets", () => this.#elb.send(new SetSubnetsCommand({ LoadBalancerArn: arn, Subnets: [...subnets] }), this.#opts));
  }

  async setSecurityGroups(arn: string, groups: readonly string[]): Promise<void> {
    await elbCall("SetSecurityGroups", () => this.#elb.send(new SetSecurityGroupsCommand({ LoadBalancerArn: arn, SecurityGroups: [...groups] }), this.#opts));
  }

  async setIpAddressType(arn: string, type: IpAddressType): Promise<void> {
    await elbCall("SetIpAddressType", () => this.#elb.send(new SetIpAddressTypeCommand({ LoadBalancerArn: arn, IpAddressType: type }), this.#opts));
  }

  async describeTags(arns: readonly string[]): Promise<Map<string, Record<string, string>>> {
    const batches: string[][] = [];
    for (let i = 0; i < arns.length; i += TAG_BATCH) batches.push(arns.slice(i, i + TAG_BATCH));
    const outs = await Promise.all(batches.map((batch) => elbCall("DescribeTags", () => this.#elb.send(new DescribeTagsCommand({ ResourceArns: batch }), this.#opts))));
    const tags = new Map<string, Record<string, string>>();
    for (const d of outs.flatMap((o) => o.TagDescriptions ?? [])) if (d.ResourceArn) tags.set(d.ResourceArn, tagsToMap(d.Tags));
    return tags;
  }

  async addTags(arn: string, tags: Readonly<Record<string, string>>): Promise<void> {
    const list = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
    await elbCall("AddTags", () => this.#elb.send(new AddTagsCommand({ ResourceArns: [arn], Tags: list }), this.#opts));
  }

  async removeTags(arn: string, keys: readonly string[]): Promise<void> {
    await elbCall("RemoveTags", () => this.#elb.send(new RemoveTagsCommand({ ResourceArns: [arn], TagKeys: [...keys] }), this.#opts));
  }

  async describeListeners(lbArn: string): Promise<Listener[]> {
    const listeners: Listener[] = [];
    let marker: string | undefined;
    do {
      const out = await elbCall("DescribeListeners", () => this.#elb.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn, ...(marker ? { Marker: marker } : {}) }), this.#opts));
      listeners.push(...(out.Listeners ?? []));
      marker = out.NextMarker;
    } while (marker);
    return listeners;
  }

  async createListener(input: CreateListenerInput): Promise<Listener> {
    const out = await elbCall("CreateListener", () => this.#elb.send(new CreateListenerCommand(input), this.#opts));
    return only(out.Listeners, "CreateListener");
  }

  async modifyListener(input: ModifyListenerInput): Promise<void> {
    await elbCall("ModifyListener", () => this.#elb.send(new ModifyListenerCommand(input), this.#opts));
  }

  async deleteListener(arn: string): Promise<boolean> {
    const out = await orUndefined(elbCall("DeleteListener", () => this.#elb.send(new DeleteListenerCommand({ ListenerArn: arn }), this.#opts)));
    return out !== undefined;
  }

  /** One call for all names; only when some are missing (the call then fails as a whole) one call per name. */
  async describeTargetGroupsByName(names: readonly string[]): Promise<TargetGroup[]> {
    if (names.length === 0) return [];
    const all = await orUndefined(this.#describeTargetGroups({ Names: [...names] }));
    if (all !== undefined || names.length === 1) return all ?? [];
    const each = await Promise.all(names.map((name) => orUndefined(this.#describeTargetGroups({ Names: [name] }))));
    return each.flatMap((tgs) => tgs ?? []);
  }

  async describeTargetGroupsByArn(arns: readonly string[]): Promise<TargetGroup[]> {
    if (arns.length === 0) return [];
    const all = await orUndefined(this.#describeTargetGroups({ TargetGroupArns: [...arns] }));
    if (all !== undefined || arns.length === 1) return all ?? [];
    const each = await Promise.all(arns.map((arn) => orUndefined(this.#describeTargetGroups({ TargetGroupArns: [arn] }))));
    return each.flatMap((tgs) => tgs ?? []);
  }

  async #describeTargetGroups(filter: { Names?: string[]; TargetGroupArns?: string[] }): Promise<TargetGroup[]> {
    const out = await elbCall("DescribeTargetGroups", () => this.#elb.send(new DescribeTargetGroupsCommand(filter), this.#opts));
    return out.TargetGroups ?? [];
  }

  async createTargetGroup(input: CreateTargetGroupInput): Promise<TargetGroup> {
    const out = await elbCall("CreateTargetGroup", () => this.#elb.send(new CreateTargetGroupCommand(input), this.#opts));
    return only(out.TargetGroups, "CreateTargetGroup");
  }

  async modifyTargetGroup(input: ModifyTargetGroupInput): Promise<void> {
    await elbCall("ModifyTargetGroup", () => this.#elb.send(new ModifyTargetGroupCommand(input), this.#opts));
  }

  async deleteTargetGroup(arn: string): Promise<boolean> {
    const out = await orUndefined(elbCall("DeleteTargetGroup", () => this.#elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn }), this.#opts)));
    return out !== undefined;
  }

  async describeTargetHealth(arn: string): Promise<TargetHealthDescription[]> {
    const out = await orUndefined(elbCall("DescribeTargetHealth", () => this.#elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }), this.#opts)));
    return out?.TargetHealthDescriptions ?? [];
  }

  async registerTargets(arn: string, targets: readonly TargetDescription[]): Promise<void> {
    await elbCall("RegisterTargets", () => this.#elb.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [...targets] }), this.#opts));
  }

  async deregisterTargets(arn: string, targets: readonly TargetDescription[]): Promise<void> {
    await elbCall("DeregisterTargets", () => this.#elb.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [...targets] }), this.#opts));
  }
}
