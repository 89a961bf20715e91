import type { LoadBalancer, TargetGroup } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { ElbApi } from "./api.ts";
import { observeListener, observeLoadBalancer, observeTargetGroup, sortedUnique } from "./observed.ts";
import type { CloudState, ObservedListener, ObservedTargetGroup } from "./observed.ts";

// Reads one load balancer and its set, without changing anything: the load balancer by name, its
// listeners, the target groups this resource names (derived or recorded names) plus any its
// listeners forward to, their tags (one batched call) and their targets' health.
//
// Calls per read, steady state: DescribeLoadBalancers, DescribeListeners, DescribeTargetGroups,
// DescribeTags, and DescribeTargetHealth per target group. With batch observe (listing.ts) the
// target groups and every tag come from the shared listing; DescribeListeners and
// DescribeTargetHealth stay per resource.

/** The reads of a load balancer's set: the ElbApi's, or (batch observe) the listing's where it can answer. */
export type ReadApi = Pick<ElbApi, "describeListeners" | "describeTargetGroupsByName" | "describeTargetGroupsByArn" | "describeTags" | "describeTargetHealth">;

/** Everything about the load balancer `name`, or undefined when it does not exist. */
export async function readCloud(api: ElbApi, name: string, targetGroupNames: readonly string[]): Promise<CloudState | undefined> {
  const lb = await api.describeLoadBalancer(name);
  if (!lb?.LoadBalancerArn) return undefined;
  return readAround(api, lb, targetGroupNames);
}

/** The rest of the set around an already described load balancer. */
export async function readAround(api: ReadApi, lb: LoadBalancer, targetGroupNames: readonly string[]): Promise<CloudState> {
  const lbArn = lb.LoadBalancerArn ?? "";
  const [listeners, named] = await Promise.all([api.describeListeners(lbArn), api.describeTargetGroupsByName(sortedUnique(targetGroupNames))]);
  const observedListeners = listeners.map(observeListener);
  const known = new Set(named.map((tg) => tg.TargetGroupArn));
  const referenced = sortedUnique(observedListeners.flatMap(forwardedTo)).filter((arn) => !known.has(arn));
  const others = await api.describeTargetGroupsByArn(referenced);
  const groups = [...named, ...others];
  const [tags, targetGroups] = await Promise.all([api.describeTags([lbArn, ...groups.map((tg) => tg.TargetGroupArn ?? "")]), observeTargetGroups(api, groups)]);
  return {
    lb: observeLoadBalancer(lb, tags.get(lbArn) ?? {}),
    listeners: observedListeners.sort((a, b) => a.port - b.port),
    targetGroups: targetGroups.map((tg) => ({ ...tg, tags: tags.get(tg.arn) ?? {} })),
  };
}

function forwardedTo(listener: ObservedListener): readonly string[] {
  return listener.defaultAction?.type === "forward" ? listener.defaultAction.targetGroupArns : [];
}

async function observeTargetGroups(api: ReadApi, groups: readonly TargetGroup[]): Promise<ObservedTargetGroup[]> {
  return Promise.all(groups.map(async (tg) => observeTargetGroup(tg, {}, await api.describeTargetHealth(tg.TargetGroupArn ?? ""))));
}

/** Target groups of these names that exist, with their tags (no health): what is left to delete once the load balancer is gone. */
export async function readTargetGroups(api: ElbApi, names: readonly string[]): Promise<ObservedTargetGroup[]> {
  const groups = await api.describeTargetGroupsByName(sortedUnique(names));
  if (groups.length === 0) return [];
  const tags = await api.describeTags(groups.map((tg) => tg.TargetGroupArn ?? ""));
  return groups.map((tg) => observeTargetGroup(tg, tags.get(tg.TargetGroupArn ?? "") ?? {}, []));
}
