import { isDeepStrictEqual } from "node:util";
import type { CreateTargetGroupInput, ModifyTargetGroupInput, TargetDescription } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ProviderError, errorClassOf } from "../../../core/errors.ts";
import { OwnerTags, mapToTags } from "../tags.ts";
import type { ConvergeContext } from "./context.ts";
import { HEALTH_CHECK_FIELDS, desiredTargets, observedTargets } from "./normalize.ts";
import type { Matched } from "./normalize.ts";
import { TARGET_GROUP_KEY_TAG, compact, observeTargetGroup } from "./observed.ts";
import type { ObservedTargetGroup } from "./observed.ts";
import { mayUse, targetGroupPart } from "./part-names.ts";
import type { HealthCheck, TargetGroupSpec } from "./schema.ts";

// Target groups: created under their derived name (tagged with the ownership tags and their key),
// health checks modified in place, targets registered and deregistered as a set, and deleted once
// spec no longer lists them and no listener forwards to them.

function healthCheckInput(hc: HealthCheck | undefined): Omit<ModifyTargetGroupInput, "TargetGroupArn"> {
  if (!hc) return {};
  return compact({
    HealthCheckProtocol: hc.protocol,
    HealthCheckPath: hc.path,
    HealthCheckPort: hc.port,
    HealthCheckIntervalSeconds: hc.intervalSeconds,
    HealthCheckTimeoutSeconds: hc.timeoutSeconds,
    HealthyThresholdCount: hc.healthyThresholdCount,
    UnhealthyThresholdCount: hc.unhealthyThresholdCount,
    Matcher: hc.matcher !== undefined ? { HttpCode: hc.matcher } : undefined,
  });
}

export function createTargetGroupInput(ctx: ConvergeContext, spec: TargetGroupSpec, lbVpcId: string | undefined): CreateTargetGroupInput {
  const vpcId = spec.targetType === "lambda" ? undefined : (spec.vpcId ?? lbVpcId);
  return compact({
    Name: ctx.naming.nameOf(spec.name),
    Protocol: spec.protocol,
    Port: spec.port,
    VpcId: vpcId,
    TargetType: spec.targetType,
    ...healthCheckInput(spec.healthCheck),
    Tags: mapToTags({ ...ctx.ownerTags, [TARGET_GROUP_KEY_TAG]: spec.name }),
  });
}

/** Creates a missing target group; one that turns out to exist already (a create retried after a timeout) is used if it is ours. */
async function createTargetGroup(ctx: ConvergeContext, spec: TargetGroupSpec, lbVpcId: string | undefined): Promise<string> {
  const input = createTargetGroupInput(ctx, spec, lbVpcId);
  try {
    return (await ctx.api.createTargetGroup(input)).TargetGroupArn ?? "";
  } catch (err) {
    if (errorClassOf(err) !== "AlreadyExists") throw err;
    return existingTargetGroup(ctx, input.Name ?? "", spec.name, err);
  }
}

/** The ARN of the target group already under `name`, when this resource may use it. */
async function existingTargetGroup(ctx: ConvergeContext, name: string, key: string, cause: unknown): Promise<string> {
  const [existing] = await ctx.api.describeTargetGroupsByName([name]);
  const arn = existing?.TargetGroupArn;
  const tags = arn ? ((await ctx.api.describeTags([arn])).get(arn) ?? {}) : {};
  if (!existing || !arn || !mayUse(observeTargetGroup(existing, tags, []), ctx.uid, ctx.naming)) throw notOurs(name, key, tags[OwnerTags.uid], cause);
  return arn;
}

/** A target group this resource may not use: another Terraplane resource's, or one nobody named (found under the derived name). */
export function notOurs(name: string, key: string, owner: string | undefined, cause?: unknown): ProviderError {
  const message =
    owner !== undefined
      ? `target group "${name}" (targetGroups[${key}]) is managed by another Terraplane resource (its ${OwnerTags.uid} tag is ${owner}): use another name`
      : `target group "${name}" (targetGroups[${key}]) already exists and was not created by this LoadBalancer: to adopt exactly this one, ` +
        `name it in the annotation terraplane.dev/external-names, e.g. {"${targetGroupPart(key)}": "${name}"}; otherwise delete or rename it, or rename the target group in spec`;
  return new ProviderError("InvalidParameter", message, { code: "DuplicateTargetGroupName", cause });
}

function healthCheckDiffers(spec: HealthCheck | undefined, observed: HealthCheck): boolean {
  return HEALTH_CHECK_FIELDS.some((field) => spec?.[field] !== undefined && !isDeepStrictEqual(spec[field], observed[field]));
}

/** Creates missing target groups and corrects health checks; returns the ARN of every target group in spec, by key. */
export async function convergeTargetGroups(ctx: ConvergeContext, matched: Matched, lbVpcId: string | undefined): Promise<Map<string, string>> {
  const arnByKey = new Map<string, string>();
  for (const spec of ctx.desired.targetGroups ?? []) {
    const observed = matched.targetGroups.get(spec.name);
    if (!observed) {
      arnByKey.set(spec.name, await createTargetGroup(ctx, spec, lbVpcId));
      continue;
    }
    arnByKey.set(spec.name, observed.arn);
    if (healthCheckDiffers(spec.healthCheck, observed.healthCheck)) await ctx.api.modifyTargetGroup({ TargetGroupArn: observed.arn, ...healthCheckInput(spec.healthCheck) });
  }
  return arnByKey;
}

const targetKey = (t: { id: string; port?: number }): string => `${t.id}:${t.port ?? ""}`;

function toDescription(t: { id: string; port?: number }): TargetDescription {
  return t.port === undefined ? { Id: t.id } : { Id: t.id, Port: t.port };
}

/** Registers and deregisters targets so each target group in spec that lists targets has exactly those. */
export async function convergeTargets(ctx: ConvergeContext, matched: Matched, arnByKey: ReadonlyMap<string, string>): Promise<void> {
  for (const spec of ctx.desired.targetGroups ?? []) {
    const arn = arnByKey.get(spec.name);
    if (spec.targets === undefined || !arn) continue;
    const observed = matched.targetGroups.get(spec.name);
    const have = observed ? observedTargets(observed) : [];
    const want = desiredTargets(spec);
    const haveKeys = new Set(have.map(targetKey));
    const wantKeys = new Set(want.map(targetKey));
    const register = want.filter((t) => !haveKeys.has(targetKey(t)));
    const deregister = have.filter((t) => !wantKeys.has(targetKey(t)));
    if (register.length > 0) await ctx.api.registerTargets(arn, register.map(toDescription));
    if (deregister.length > 0) await ctx.api.deregisterTargets(arn, deregister.map(toDescription));
  }
}

/**
 * Deletes target groups this resource created that spec no longer lists. A target group still in
 * use (the cloud detaches it from a deleted listener or load balancer a little later) is a Conflict:
 * thrown when `tolerateInUse` is false, skipped (for the next reconcile) when true.
 */
export async function deleteTargetGroups(ctx: Pick<ConvergeContext, "api">, groups: readonly ObservedTargetGroup[], tolerateInUse: boolean): Promise<number> {
  let remaining = 0;
  for (const tg of groups) {
    try {
      await ctx.api.deleteTargetGroup(tg.arn);
    } catch (err) {
      if (!tolerateInUse || errorClassOf(err) !== "Conflict") throw err;
      remaining++;
    }
  }
  return remaining;
}
