import { isDeepStrictEqual } from "node:util";
import type { CreateLoadBalancerInput } from "@aws-sdk/client-elastic-load-balancing-v2";
import { mapToTags, tagChanges } from "../tags.ts";
import type { ConvergeContext } from "./context.ts";
import { convergeListeners } from "./listeners.ts";
import { manageableTags } from "./normalize.ts";
import type { Matched } from "./normalize.ts";
import { compact, sortedUnique } from "./observed.ts";
import type { CloudState, ObservedLoadBalancer } from "./observed.ts";
import { convergeTargetGroups, convergeTargets, deleteTargetGroups } from "./target-groups.ts";

// Brings the cloud to spec, in dependency order: the load balancer's own settings, then target
// groups (created before anything points at them), listeners (which forward to them), target
// registrations, and last the target groups spec dropped (once no listener uses them). Each step
// calls the cloud only for what differs, so converging an up-to-date set makes no call at all.

export function createLoadBalancerInput(ctx: ConvergeContext): CreateLoadBalancerInput {
  const d = ctx.desired;
  return compact({
    Name: ctx.lbName,
    Type: d.type,
    Scheme: d.scheme,
    Subnets: sortedUnique(d.subnets),
    SecurityGroups: d.type === "application" && d.securityGroups !== undefined ? sortedUnique(d.securityGroups) : undefined,
    IpAddressType: d.ipAddressType,
    Tags: mapToTags({ ...d.tags, ...ctx.ownerTags }),
  });
}

/** Subnets, security groups, IP address type and tags of the load balancer itself. */
export async function convergeLoadBalancer(ctx: ConvergeContext, lb: ObservedLoadBalancer): Promise<void> {
  const d = ctx.desired;
  if (!isDeepStrictEqual(sortedUnique(d.subnets), lb.subnets)) await ctx.api.setSubnets(lb.arn, sortedUnique(d.subnets));
  if (d.securityGroups !== undefined && !isDeepStrictEqual(sortedUnique(d.securityGroups), lb.securityGroups)) await ctx.api.setSecurityGroups(lb.arn, sortedUnique(d.securityGroups));
  if (d.ipAddressType !== undefined && d.ipAddressType !== lb.ipAddressType) await ctx.api.setIpAddressType(lb.arn, d.ipAddressType);
  if (d.tags !== undefined) {
    const { set, remove } = tagChanges(d.tags, manageableTags(lb.tags));
    if (Object.keys(set).length > 0) await ctx.api.addTags(lb.arn, set);
    if (remove.length > 0) await ctx.api.removeTags(lb.arn, remove);
  }
}

/** Everything that differs, in dependency order. */
export async function converge(ctx: ConvergeContext, cloud: CloudState, matched: Matched): Promise<void> {
  await convergeLoadBalancer(ctx, cloud.lb);
  const arnByKey = await convergeTargetGroups(ctx, matched, cloud.lb.vpcId);
  await convergeListeners(ctx, cloud.lb.arn, cloud.listeners, arnByKey);
  await convergeTargets(ctx, matched, arnByKey);
  if (ctx.desired.targetGroups !== undefined) await deleteTargetGroups(ctx, matched.extraTargetGroups, false);
}
