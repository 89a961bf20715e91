import type {
  Action,
  FixedResponseActionConfig,
  Listener,
  LoadBalancer,
  RedirectActionConfig,
  TargetGroup,
  TargetHealthDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { OWNER_TAG_PREFIX } from "../tags.ts";
import type { HealthCheck } from "./schema.ts";

// The cloud's view of one load balancer and its set, normalised from the SDK's shapes into plain
// values (enum case, absent lists as empty, forward actions as lists of ARNs) so the diff compares
// like with like. Pure functions: unit-tested beside this file.

/** The tag on each target group Terraplane creates that holds its key (name) in spec.forProvider.targetGroups. */
export const TARGET_GROUP_KEY_TAG = `${OWNER_TAG_PREFIX}target-group`;

export interface ObservedLoadBalancer {
  readonly name: string;
  readonly arn: string;
  readonly dnsName?: string;
  readonly canonicalHostedZoneId?: string;
  readonly state?: string;
  readonly stateReason?: string;
  readonly vpcId?: string;
  readonly type?: string;
  readonly scheme?: string;
  readonly ipAddressType?: string;
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
}

export interface ObservedTarget {
  readonly id: string;
  readonly port?: number;
  readonly state?: string;
  readonly reason?: string;
}

export interface ObservedTargetGroup {
  readonly name: string;
  readonly arn: string;
  readonly protocol?: string;
  readonly port?: number;
  readonly vpcId?: string;
  readonly targetType?: string;
  readonly healthCheck: HealthCheck;
  readonly targets: readonly ObservedTarget[];
  readonly tags: Readonly<Record<string, string>>;
}

export interface ObservedRedirect {
  readonly protocol: string;
  readonly port: string;
  readonly host: string;
  readonly path: string;
  readonly query: string;
  readonly statusCode: string;
}

export interface ObservedFixedResponse {
  readonly statusCode: string;
  readonly contentType?: string;
  readonly messageBody: string;
}

/** A listener's default action, reduced to what Terraplane manages. */
export type ObservedAction =
  | { readonly type: "forward"; readonly targetGroupArns: readonly string[] }
  | { readonly type: "redirect"; readonly redirect: ObservedRedirect }
  | { readonly type: "fixed-response"; readonly fixedResponse: ObservedFixedResponse }
  | { readonly type: "other"; readonly name: string };

export interface ObservedListener {
  readonly port: number;
  readonly arn: string;
  readonly protocol?: string;
  readonly sslPolicy?: string;
  readonly certificateArn?: string;
  readonly defaultAction?: ObservedAction;
}

/** Everything observed about one load balancer: what the diff, late-init and atProvider work from. */
export interface CloudState {
  readonly lb: ObservedLoadBalancer;
  readonly listeners: readonly ObservedListener[];
  /** Target groups found: this resource's (by derived or recorded name) and any its listeners forward to. */
  readonly targetGroups: readonly ObservedTargetGroup[];
}

/** The cloud's placeholders for redirect fields left unset: keep that part of the request. */
export const REDIRECT_DEFAULTS = { protocol: "#{protocol}", port: "#{port}", host: "#{host}", path: "/#{path}", query: "#{query}" } as const;

const upper = (s: string | undefined): string | undefined => s?.toUpperCase();
const lower = (s: string | undefined): string | undefined => s?.toLowerCase();

/**
 * Drops undefined values, so observed objects compare (isDeepStrictEqual) and serialise cleanly.
 * The cast is sound: only keys whose value is undefined go, and those are optional in T.
 */
export function compact<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

export function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

export function observeLoadBalancer(lb: LoadBalancer, tags: Readonly<Record<string, string>>): ObservedLoadBalancer {
  return compact({
    name: lb.LoadBalancerName ?? "",
    arn: lb.LoadBalancerArn ?? "",
    dnsName: lb.DNSName,
    canonicalHostedZoneId: lb.CanonicalHostedZoneId,
    state: lower(lb.State?.Code),
    stateReason: lb.State?.Reason || undefined,
    vpcId: lb.VpcId,
    // Absent means the cloud's default (moto leaves Scheme out when the create did not name one).
    type: lower(lb.Type) ?? "application",
    scheme: lower(lb.Scheme) ?? "internet-facing",
    ipAddressType: lower(lb.IpAddressType) ?? "ipv4",
    subnets: sortedUnique((lb.AvailabilityZones ?? []).map((az) => az.SubnetId ?? "").filter((s) => s !== "")),
    securityGroups: sortedUnique(lb.SecurityGroups ?? []),
    tags,
  });
}

function observeHealthCheck(tg: TargetGroup): HealthCheck {
  const protocol = upper(tg.HealthCheckProtocol);
  return compact({
    protocol: protocol === "HTTP" || protocol === "HTTPS" || protocol === "TCP" ? protocol : undefined,
    path: tg.HealthCheckPath || undefined,
    port: tg.HealthCheckPort || undefined,
    intervalSeconds: tg.HealthCheckIntervalSeconds,
    timeoutSeconds: tg.HealthCheckTimeoutSeconds,
    healthyThresholdCount: tg.HealthyThresholdCount,
    unhealthyThresholdCount: tg.UnhealthyThresholdCount,
    matcher: tg.Matcher?.HttpCode || undefined,
  });
}

/** Targets as registered: draining ones are on their way out (deregistered), so they no longer count. */
function observeTargets(health: readonly TargetHealthDescription[]): ObservedTarget[] {
  return health
    .filter((h) => h.Target?.Id !== undefined && h.TargetHealth?.State !== "draining")
    .map((h) => compact({ id: h.Target?.Id ?? "", port: h.Target?.Port, state: h.TargetHealth?.State, reason: h.TargetHealth?.Reason }))
    .sort((a, b) => compareTargets(a, b));
}

export function compareTargets(a: { id: string; port?: number | undefined }, b: { id: string; port?: number | undefined }): number {
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return (a.port ?? 0) - (b.port ?? 0);
}

export function observeTargetGroup(tg: TargetGroup, tags: Readonly<Record<string, string>>, health: readonly TargetHealthDescription[]): ObservedTargetGroup {
  return compact({
    name: tg.TargetGroupName ?? "",
    arn: tg.TargetGroupArn ?? "",
    protocol: upper(tg.Protocol),
    port: tg.Port,
    vpcId: tg.VpcId,
    targetType: lower(tg.TargetType),
    healthCheck: observeHealthCheck(tg),
    targets: observeTargets(health),
    tags,
  });
}

/** The target groups a forward action sends to: the plain TargetGroupArn, or the ForwardConfig's list. */
function forwardArns(action: Action): string[] {
  if (action.TargetGroupArn) return [action.TargetGroupArn];
  return sortedUnique((action.ForwardConfig?.TargetGroups ?? []).map((t) => t.TargetGroupArn ?? "").filter((a) => a !== ""));
}

function observeRedirect(r: RedirectActionConfig = { StatusCode: undefined }): ObservedRedirect {
  const protocol = upper(r.Protocol);
  return {
    protocol: protocol && protocol !== "#{PROTOCOL}" ? protocol : REDIRECT_DEFAULTS.protocol,
    port: r.Port || REDIRECT_DEFAULTS.port,
    host: r.Host || REDIRECT_DEFAULTS.host,
    path: r.Path || REDIRECT_DEFAULTS.path,
    query: r.Query ?? REDIRECT_DEFAULTS.query,
    statusCode: r.StatusCode ?? "",
  };
}

function observeFixedResponse(f: FixedResponseActionConfig | undefined): ObservedFixedResponse {
  return compact({ statusCode: f?.StatusCode ?? "", contentType: f?.ContentType || undefined, messageBody: f?.MessageBody ?? "" });
}

export function observeAction(action: Action): ObservedAction {
  switch (action.Type) {
    case "forward":
      return { type: "forward", targetGroupArns: forwardArns(action) };
    case "redirect":
      return { type: "redirect", redirect: observeRedirect(action.RedirectConfig) };
    case "fixed-response":
      return { type: "fixed-response", fixedResponse: observeFixedResponse(action.FixedResponseConfig) };
    default:
      return { type: "other", name: action.Type ?? "unknown" };
  }
}

/** The last action in order is the one that answers (authenticate-* actions come before it). */
function terminalAction(actions: readonly Action[] | undefined): Action | undefined {
  const sorted = [...(actions ?? [])].sort((a, b) => (a.Order ?? 0) - (b.Order ?? 0));
  return sorted.at(-1);
}

export function observeListener(listener: Listener): ObservedListener {
  const action = terminalAction(listener.DefaultActions);
  const certificates = listener.Certificates ?? [];
  const certificate = certificates.find((c) => c.IsDefault) ?? certificates[0];
  return compact({
    port: listener.Port ?? 0,
    arn: listener.ListenerArn ?? "",
    protocol: upper(listener.Protocol),
    sslPolicy: listener.SslPolicy || undefined,
    certificateArn: certificate?.CertificateArn,
    defaultAction: action ? observeAction(action) : undefined,
  });
}
