import { isDeepStrictEqual } from "node:util";
import { diffField } from "../../../core/diff.ts";
import type { FieldDiff, Readiness } from "../../../core/provider.ts";
import { userTags } from "../tags.ts";
import { mayUse, naming } from "./part-names.ts";
import type { TargetGroupNaming } from "./part-names.ts";
import { REDIRECT_DEFAULTS, TARGET_GROUP_KEY_TAG, compact, compareTargets, sortedUnique } from "./observed.ts";
import type { CloudState, ObservedAction, ObservedFixedResponse, ObservedListener, ObservedLoadBalancer, ObservedRedirect, ObservedTargetGroup } from "./observed.ts";
import type { DefaultAction, FixedResponseAction, HealthCheck, ListenerSpec, LoadBalancerObservation, LoadBalancerParameters, RedirectAction, TargetGroupSpec } from "./schema.ts";

// Desired (spec.forProvider) against observed (the cloud), field by field after normalisation:
// lists that are sets compare as sets, enum case is the cloud's, tags compare as maps without
// Terraplane's ownership tags, unset optional fields are "no opinion" (late-initialised instead),
// the cloud's placeholder defaults of redirects are filled in on both sides, and forward actions
// compare by target group name rather than ARN. Pure functions: see normalize.test.ts.

export const SECURE_PROTOCOLS: ReadonlySet<string> = new Set(["HTTPS", "TLS"]);
export const HEALTH_CHECK_FIELDS = ["protocol", "path", "port", "intervalSeconds", "timeoutSeconds", "healthyThresholdCount", "unhealthyThresholdCount", "matcher"] as const;

/**
 * The tags a user manages: the cloud's, less Terraplane's ownership tags and the reserved `aws:`
 * ones (CloudFormation and the like set those; nobody can change or remove them).
 */
export function manageableTags(observed: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(userTags(observed)).filter(([k]) => !k.startsWith("aws:")));
}

/** The desired set matched against what was found in the cloud. */
export interface Matched {
  /** Every target group key in spec, with the cloud's target group of its name (the user's or the derived one) when it exists. */
  readonly targetGroups: ReadonlyMap<string, ObservedTargetGroup | undefined>;
  /** Target groups this resource created (its uid tag) or the user named, that spec no longer lists: to delete. */
  readonly extraTargetGroups: readonly ObservedTargetGroup[];
  /** Spec key (or, for the extra ones, the key they were created under) of each known target group ARN. */
  readonly keyByArn: ReadonlyMap<string, string>;
}

/** Matches spec's target groups to the cloud's by name, and finds this resource's leftovers. */
export function matchTargetGroups(desired: LoadBalancerParameters, cloud: CloudState, uid: string, names: TargetGroupNaming = naming(cloud.lb.name)): Matched {
  const byName = new Map(cloud.targetGroups.map((tg) => [tg.name, tg]));
  const targetGroups = new Map<string, ObservedTargetGroup | undefined>();
  const keyByArn = new Map<string, string>();
  for (const spec of desired.targetGroups ?? []) {
    const observed = byName.get(names.nameOf(spec.name));
    targetGroups.set(spec.name, observed);
    if (observed) keyByArn.set(observed.arn, spec.name);
  }
  const extraTargetGroups = cloud.targetGroups.filter((tg) => !keyByArn.has(tg.arn) && mayUse(tg, uid, names));
  for (const tg of extraTargetGroups) keyByArn.set(tg.arn, tg.tags[TARGET_GROUP_KEY_TAG] ?? names.keyByNamed.get(tg.name) ?? tg.name);
  return { targetGroups, extraTargetGroups, keyByArn };
}

// ---------------------------------------------------------------------------------------------
// Diff

/** Every difference between spec and cloud, as field paths under spec.forProvider. */
export function diffAll(desired: LoadBalancerParameters, cloud: CloudState, matched: Matched): FieldDiff[] {
  return [...diffLoadBalancer(desired, cloud.lb), ...diffTargetGroups(desired, matched), ...diffListeners(desired, cloud.listeners, matched)];
}

// Observed values the cloud leaves unset are reported as null (what describeImmutable and drift show).

export function diffLoadBalancer(d: LoadBalancerParameters, lb: ObservedLoadBalancer): FieldDiff[] {
  return [
    ...diffField<string | null>("type", d.type, lb.type ?? null),
    ...diffField<string | null>("scheme", d.scheme, lb.scheme ?? null),
    ...diffField("subnets", sortedUnique(d.subnets), [...lb.subnets]),
    ...diffField("securityGroups", d.securityGroups === undefined ? undefined : sortedUnique(d.securityGroups), [...lb.securityGroups]),
    ...diffField<string | null>("ipAddressType", d.ipAddressType, lb.ipAddressType ?? null),
    ...diffField("tags", d.tags === undefined ? undefined : { ...d.tags }, manageableTags(lb.tags)),
  ];
}

export function diffTargetGroups(d: LoadBalancerParameters, matched: Matched): FieldDiff[] {
  const out: FieldDiff[] = [];
  for (const spec of d.targetGroups ?? []) out.push(...diffTargetGroup(spec, matched.targetGroups.get(spec.name)));
  if (d.targetGroups !== undefined) {
    for (const tg of matched.extraTargetGroups) out.push({ path: `targetGroups[${matched.keyByArn.get(tg.arn) ?? tg.name}]`, desired: null, observed: tg.name });
  }
  return out;
}

/** The targets spec asks for, as the cloud lists them: the port defaults to the target group's (none for lambda). */
export function desiredTargets(spec: TargetGroupSpec): { id: string; port?: number }[] {
  const defaultPort = spec.targetType === "lambda" ? undefined : spec.port;
  const seen = new Map<string, { id: string; port?: number }>();
  for (const t of spec.targets ?? []) {
    const port = t.port ?? defaultPort;
    const target = port === undefined ? { id: t.id } : { id: t.id, port };
    seen.set(`${target.id}:${target.port ?? ""}`, target);
  }
  return [...seen.values()].sort(compareTargets);
}

export function observedTargets(tg: ObservedTargetGroup): { id: string; port?: number }[] {
  return tg.targets.map((t) => (t.port === undefined ? { id: t.id } : { id: t.id, port: t.port }));
}

export function diffTargetGroup(spec: TargetGroupSpec, observed: ObservedTargetGroup | undefined): FieldDiff[] {
  const path = `targetGroups[${spec.name}]`;
  if (!observed) return [{ path, desired: spec, observed: null }];
  const field = <T>(name: string, desired: T | undefined, actual: T | undefined): FieldDiff[] => diffField<T | null>(`${path}.${name}`, desired, actual ?? null);
  return [
    ...field<string>("protocol", spec.protocol, observed.protocol),
    ...field("port", spec.port, observed.port),
    ...field("vpcId", spec.vpcId, observed.vpcId),
    ...field<string>("targetType", spec.targetType, observed.targetType),
    ...HEALTH_CHECK_FIELDS.flatMap((name) => field<unknown>(`healthCheck.${name}`, spec.healthCheck?.[name], observed.healthCheck[name])),
    ...field("targets", spec.targets === undefined ? undefined : desiredTargets(spec), observedTargets(observed)),
  ];
}

/** A default action in comparable form: forwards by target group name when the ARN is one of ours. */
export type ActionView =
  | { readonly forward: { readonly targetGroupName: string } }
  | { readonly forward: { readonly targetGroupArns: readonly string[] } }
  | { readonly redirect: ObservedRedirect }
  | { readonly fixedResponse: ObservedFixedResponse }
  | { readonly other: string };

function desiredRedirect(r: RedirectAction): ObservedRedirect {
  return {
    protocol: r.protocol ?? REDIRECT_DEFAULTS.protocol,
    port: r.port ?? REDIRECT_DEFAULTS.port,
    host: r.host ?? REDIRECT_DEFAULTS.host,
    path: r.path ?? REDIRECT_DEFAULTS.path,
    query: r.query ?? REDIRECT_DEFAULTS.query,
    statusCode: r.statusCode,
  };
}

function desiredFixedResponse(f: FixedResponseAction | undefined, observed: ObservedAction | undefined): ObservedFixedResponse {
  // An unset contentType is no opinion: whatever the cloud has (it may fill one in).
  const observedType = observed?.type === "fixed-response" ? observed.fixedResponse.contentType : undefined;
  return compact({ statusCode: f?.statusCode ?? "", contentType: f?.contentType ?? observedType, messageBody: f?.messageBody ?? "" });
}

export function desiredActionView(action: DefaultAction, observed: ObservedAction | undefined): ActionView {
  if (action.forward) return { forward: { targetGroupName: action.forward.targetGroupName } };
  if (action.redirect) return { redirect: desiredRedirect(action.redirect) };
  return { fixedResponse: desiredFixedResponse(action.fixedResponse, observed) };
}

export function observedActionView(action: ObservedAction | undefined, keyByArn: ReadonlyMap<string, string>): ActionView | null {
  if (!action) return null;
  switch (action.type) {
    case "forward": {
      const [only] = action.targetGroupArns;
      const key = action.targetGroupArns.length === 1 && only !== undefined ? keyByArn.get(only) : undefined;
      return key !== undefined ? { forward: { targetGroupName: key } } : { forward: { targetGroupArns: action.targetGroupArns } };
    }
    case "redirect":
      return { redirect: action.redirect };
    case "fixed-response":
      return { fixedResponse: action.fixedResponse };
    default:
      return { other: action.name };
  }
}

export function diffListeners(d: LoadBalancerParameters, listeners: readonly ObservedListener[], matched: Matched): FieldDiff[] {
  if (d.listeners === undefined) return [];
  const byPort = new Map(listeners.map((l) => [l.port, l]));
  const out: FieldDiff[] = [];
  for (const spec of d.listeners) out.push(...diffListener(spec, byPort.get(spec.port), matched.keyByArn));
  const wanted = new Set(d.listeners.map((l) => l.port));
  for (const l of listeners) {
    if (!wanted.has(l.port)) out.push({ path: `listeners[${l.port}]`, desired: null, observed: { protocol: l.protocol, defaultAction: observedActionView(l.defaultAction, matched.keyByArn) } });
  }
  return out;
}

export function diffListener(spec: ListenerSpec, observed: ObservedListener | undefined, keyByArn: ReadonlyMap<string, string>): FieldDiff[] {
  const path = `listeners[${spec.port}]`;
  if (!observed) return [{ path, desired: spec, observed: null }];
  const secure = SECURE_PROTOCOLS.has(spec.protocol);
  return [
    ...diffField<string | null>(`${path}.protocol`, spec.protocol, observed.protocol ?? null),
    // A secure listener's certificate is always managed (admission requires one): unset on either side is null.
    ...(secure ? diffField(`${path}.certificateArn`, spec.certificateArn ?? null, observed.certificateArn ?? null) : []),
    ...(secure ? diffField(`${path}.sslPolicy`, spec.sslPolicy, observed.sslPolicy ?? null) : []),
    ...diffField<ActionView | null>(`${path}.defaultAction`, desiredActionView(spec.defaultAction, observed.defaultAction), observedActionView(observed.defaultAction, keyByArn)),
  ];
}

const IMMUTABLE_PATH = /^(type|scheme|targetGroups\[[^\]]+\]\.(protocol|port|vpcId|targetType))$/;

/** Differences no update can fix: the resource would have to be replaced. */
export function immutableDiffs(diff: readonly FieldDiff[]): FieldDiff[] {
  return diff.filter((d) => IMMUTABLE_PATH.test(d.path));
}

// ---------------------------------------------------------------------------------------------
// Late initialisation

/** forProvider fields the user left unset that the cloud has filled in, or undefined when there are none. */
export function lateInit(d: LoadBalancerParameters, cloud: CloudState, matched: Matched): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  const ip = cloud.lb.ipAddressType;
  if (d.ipAddressType === undefined && (ip === "ipv4" || ip === "dualstack")) out.ipAddressType = ip;
  if (d.type === "application" && d.securityGroups === undefined && cloud.lb.securityGroups.length > 0) out.securityGroups = [...cloud.lb.securityGroups];
  const targetGroups = lateInitTargetGroups(d.targetGroups, matched);
  if (targetGroups) out.targetGroups = targetGroups;
  const listeners = lateInitListeners(d.listeners, cloud.listeners);
  if (listeners) out.listeners = listeners;
  return Object.keys(out).length > 0 ? out : undefined;
}

function filledHealthCheck(spec: HealthCheck | undefined, observed: HealthCheck): HealthCheck {
  return { ...observed, ...compact({ ...spec }) };
}

/** The whole targetGroups list with unset vpcId and health check fields filled in, or undefined when nothing changes. */
export function lateInitTargetGroups(specs: readonly TargetGroupSpec[] | undefined, matched: Matched): TargetGroupSpec[] | undefined {
  if (!specs) return undefined;
  let changed = false;
  const filled = specs.map((spec) => {
    const observed = matched.targetGroups.get(spec.name);
    if (!observed) return spec;
    const next: TargetGroupSpec = { ...spec };
    if (spec.vpcId === undefined && spec.targetType !== "lambda" && observed.vpcId) next.vpcId = observed.vpcId;
    const healthCheck = filledHealthCheck(spec.healthCheck, observed.healthCheck);
    if (!isDeepStrictEqual(healthCheck, compact({ ...spec.healthCheck }))) next.healthCheck = healthCheck;
    changed ||= !isDeepStrictEqual(next, spec);
    return next;
  });
  return changed ? filled : undefined;
}

/** The whole listeners list with the cloud's default sslPolicy filled in for HTTPS/TLS, or undefined when nothing changes. */
export function lateInitListeners(specs: readonly ListenerSpec[] | undefined, listeners: readonly ObservedListener[]): ListenerSpec[] | undefined {
  if (!specs) return undefined;
  const byPort = new Map(listeners.map((l) => [l.port, l]));
  let changed = false;
  const filled = specs.map((spec) => {
    const sslPolicy = byPort.get(spec.port)?.sslPolicy;
    if (!SECURE_PROTOCOLS.has(spec.protocol) || spec.sslPolicy !== undefined || !sslPolicy) return spec;
    changed = true;
    return { ...spec, sslPolicy };
  });
  return changed ? filled : undefined;
}

// ---------------------------------------------------------------------------------------------
// Readiness and atProvider

/** Ready from the load balancer's own state; the message is the cloud's reason, stable between polls. */
export function readiness(lb: ObservedLoadBalancer): { ready: Readiness; message?: string } {
  const reason = lb.stateReason ? `: ${lb.stateReason}` : "";
  switch (lb.state) {
    case "active":
      return { ready: "Available" };
    case "provisioning":
      return { ready: "Creating", message: "the load balancer is provisioning" };
    case "active_impaired":
      return { ready: "Unavailable", message: `the load balancer is active but impaired${reason}` };
    case "failed":
      return { ready: "Unavailable", message: `the load balancer failed${reason}` };
    default:
      return { ready: "Unavailable", message: `the load balancer is in state "${lb.state ?? "unknown"}"${reason}` };
  }
}

function actionStatus(action: ObservedAction | undefined, keyByArn: ReadonlyMap<string, string>): NonNullable<NonNullable<LoadBalancerObservation["listeners"]>[number]["defaultAction"]> | undefined {
  if (!action) return undefined;
  switch (action.type) {
    case "forward": {
      const [arn] = action.targetGroupArns;
      return compact({ type: "forward", targetGroupArn: arn, targetGroupName: arn !== undefined ? keyByArn.get(arn) : undefined });
    }
    case "redirect":
      return { type: "redirect", redirect: { ...action.redirect } };
    case "fixed-response":
      return { type: "fixed-response", fixedResponse: { ...action.fixedResponse } };
    default:
      return { type: action.name };
  }
}

/** What status.atProvider shows: the load balancer, its listeners and target groups as the cloud has them, sorted. */
export function atProvider(cloud: CloudState, keyByArn: ReadonlyMap<string, string>): LoadBalancerObservation {
  const { lb } = cloud;
  return compact({
    arn: lb.arn,
    dnsName: lb.dnsName,
    canonicalHostedZoneId: lb.canonicalHostedZoneId,
    state: lb.state,
    stateReason: lb.stateReason,
    vpcId: lb.vpcId,
    type: lb.type,
    scheme: lb.scheme,
    ipAddressType: lb.ipAddressType,
    subnets: [...lb.subnets],
    securityGroups: [...lb.securityGroups],
    listeners: [...cloud.listeners]
      .sort((a, b) => a.port - b.port)
      .map((l) => compact({ port: l.port, protocol: l.protocol, arn: l.arn, sslPolicy: l.sslPolicy, certificateArn: l.certificateArn, defaultAction: actionStatus(l.defaultAction, keyByArn) })),
    targetGroups: [...cloud.targetGroups]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((tg) =>
        compact({
          name: keyByArn.get(tg.arn),
          targetGroupName: tg.name,
          arn: tg.arn,
          protocol: tg.protocol,
          port: tg.port,
          vpcId: tg.vpcId,
          targetType: tg.targetType,
          targets: tg.targets.map((t) => ({ ...t })),
        }),
      ),
  });
}
