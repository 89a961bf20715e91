import type { z } from "zod";
import { loadBalancerKind } from "../../../providers/aws/loadbalancer/schema.ts";
import type { LoadBalancerParameters } from "../../../providers/aws/loadbalancer/schema.ts";
import { Attrs } from "../attrs.ts";
import { awsRegionOf, defined, Findings, ofTypes } from "../mapping.ts";
import type { ImportContext, LossTable, MappedResource, MapperResult, Skip } from "../mapping.ts";
import { keyName } from "../names.ts";
import type { TfInstance } from "../state.ts";
import { listenerSpec } from "./listeners.ts";
import { awsTags } from "./tags.ts";
import { targetGroupSpec } from "./target-groups.ts";

// aws_lb / aws_alb with the listeners on it, their rules, the target groups they (or the rules)
// forward to and those groups' attachments → one aws LoadBalancer. The groups follow the ARNs
// recorded in the state. Listeners and target groups are lists Terraplane manages as "exactly
// these": when one of them cannot be expressed, both lists are left unset (not managed) rather
// than emitted without it, so the first plan never proposes deleting what the kind cannot say.

type Params = z.input<typeof LoadBalancerParameters>;

const LB = ["aws_lb", "aws_alb"];
const LISTENER = ["aws_lb_listener", "aws_alb_listener"];
const RULE = ["aws_lb_listener_rule", "aws_alb_listener_rule"];
const TARGET_GROUP = ["aws_lb_target_group", "aws_alb_target_group"];
const ATTACHMENT = ["aws_lb_target_group_attachment", "aws_alb_target_group_attachment"];
const LISTENER_CERT = ["aws_lb_listener_certificate", "aws_alb_listener_certificate"];
const NOT_EXPRESSIBLE = "the aws LoadBalancer kind cannot express it";

const LOSSES: LossTable = [
  ["access_logs.0.enabled", false],
  ["connection_logs.0.enabled", false],
  ["enable_deletion_protection", false],
  ["idle_timeout", 60],
  ["enable_http2", true],
  ["drop_invalid_header_fields", false],
  ["desync_mitigation_mode", "defensive"],
  ["preserve_host_header", false],
  ["xff_header_processing_mode", "append"],
  ["enable_waf_fail_open", false],
  ["customer_owned_ipv4_pool", ""],
  ["client_keep_alive", 3600],
  ["enable_tls_version_and_cipher_suite_headers", false],
  ["enable_xff_client_port", false],
  ["enable_zonal_shift", false],
  ["ipam_pools", []],
];

/** The parts of one load balancer, found by the ARNs that point at it. */
interface Chain {
  readonly lb: TfInstance;
  readonly listeners: TfInstance[];
  readonly rules: TfInstance[];
  readonly targetGroups: TfInstance[];
  readonly attachments: TfInstance[];
  readonly certificates: TfInstance[];
}

const arnOf = (i: TfInstance): string | undefined => new Attrs(i.attributes).str("arn") ?? new Attrs(i.attributes).str("id");

/** Target group ARNs an action block list forwards to (plain or weighted). */
function forwardedArns(actions: readonly Attrs[]): string[] {
  return actions.flatMap((act) => [...(act.str("target_group_arn") ? [act.str("target_group_arn") ?? ""] : []), ...(act.block("forward")?.blocks("target_group") ?? []).flatMap((t) => t.strings("arn"))]);
}

function chainOf(ctx: ImportContext, lb: TfInstance): Chain {
  const arn = arnOf(lb);
  const listeners = ofTypes(ctx, LISTENER).filter((l) => arn !== undefined && new Attrs(l.attributes).str("load_balancer_arn") === arn);
  const listenerArns = new Set(listeners.map(arnOf));
  const byListener = (i: TfInstance): boolean => listenerArns.has(new Attrs(i.attributes).str("listener_arn"));
  const rules = ofTypes(ctx, RULE).filter(byListener);
  const wanted = new Set([
    ...listeners.flatMap((l) => forwardedArns(new Attrs(l.attributes).blocks("default_action"))),
    ...rules.flatMap((r) => forwardedArns(new Attrs(r.attributes).blocks("action"))),
  ]);
  const targetGroups = ofTypes(ctx, TARGET_GROUP).filter((tg) => wanted.has(arnOf(tg) ?? "") || (arn !== undefined && new Attrs(tg.attributes).strings("load_balancer_arns").includes(arn)));
  const tgArns = new Set(targetGroups.map(arnOf));
  const attachments = ofTypes(ctx, ATTACHMENT).filter((a) => tgArns.has(new Attrs(a.attributes).str("target_group_arn")));
  return { lb, listeners, rules, targetGroups, attachments, certificates: ofTypes(ctx, LISTENER_CERT).filter(byListener) };
}

function skipReason(a: Attrs): string | undefined {
  const type = a.str("load_balancer_type") ?? "application";
  if (type !== "application" && type !== "network") return `load_balancer_type ${type}: the aws LoadBalancer kind serves application and network load balancers`;
  if (!a.str("name") || !awsRegionOf(a)) return "missing name or arn (a trimmed or partial state?): the LoadBalancer kind needs both";
  const subnets = subnetsOf(a);
  if (subnets.length === 0 || (type === "application" && subnets.length < 2)) return `${subnets.length} subnet(s): an application load balancer needs two or more`;
  return undefined;
}

function subnetsOf(a: Attrs): string[] {
  const listed = a.strings("subnets");
  return (listed.length > 0 ? listed : a.blocks("subnet_mapping").flatMap((m) => m.strings("subnet_id"))).sort();
}

/** Target group keys, unique within the load balancer, from the groups' own names. */
function targetGroupKeys(groups: readonly TfInstance[]): Map<string, string> {
  const keys = new Map<string, string>();
  const used = new Set<string>();
  for (const tg of groups) {
    const base = keyName(new Attrs(tg.attributes).str("name") ?? tg.name, 32);
    let key = base;
    for (let n = 2; used.has(key); n++) key = keyName(`${base.slice(0, 28)}-${n}`, 32);
    used.add(key);
    keys.set(arnOf(tg) ?? tg.address, key);
  }
  return keys;
}

/** targetGroups and listeners, or neither (with the reasons recorded) when one of them cannot be expressed. */
function lists(chain: Chain, f: Findings): { params: Pick<Params, "targetGroups" | "listeners">; partNames: Record<string, string> } {
  if (chain.listeners.length === 0 && chain.targetGroups.length === 0) {
    // Empty lists would mean "exactly none": listeners made outside Terraform would be deleted.
    f.note(`${chain.lb.address}: no listeners or target groups in the state; listeners and targetGroups are left unset (not managed)`);
    return { params: {}, partNames: {} };
  }
  const keys = targetGroupKeys(chain.targetGroups);
  const local = new Findings();
  const problems: { address: string; reason: string }[] = [];
  const targetGroups = chain.targetGroups.flatMap((tg) => {
    const atts = chain.attachments.filter((a) => new Attrs(a.attributes).str("target_group_arn") === arnOf(tg));
    const spec = targetGroupSpec(tg, keys.get(arnOf(tg) ?? tg.address) ?? tg.name, atts, local);
    if (typeof spec === "string") problems.push({ address: tg.address, reason: spec });
    return typeof spec === "string" ? [] : [spec];
  });
  const listeners = chain.listeners.flatMap((l) => {
    const spec = listenerSpec(l, keys, local);
    if (typeof spec === "string") problems.push({ address: l.address, reason: spec });
    return typeof spec === "string" ? [] : [spec];
  });
  if (problems.length > 0) {
    for (const p of problems) f.drop(p.address, "*", p.reason);
    for (const i of [...chain.listeners, ...chain.targetGroups]) f.drop(i.address, "*", "left unmanaged: listeners and targetGroups are kept unset because another of them cannot be expressed");
    return { params: {}, partNames: {} };
  }
  local.dropped.forEach((d) => f.drop(d.address, d.path, d.reason));
  local.notes.forEach((n) => f.note(n));
  // The target groups keep Terraform's names: recorded per key, so Terraplane finds them (ADR 0012).
  const partNames = Object.fromEntries(chain.targetGroups.map((tg) => [`targetGroups[${keys.get(arnOf(tg) ?? tg.address) ?? tg.name}]`, new Attrs(tg.attributes).str("name") ?? tg.name]));
  if (chain.targetGroups.length > 0) {
    const named = Object.entries(partNames).map(([key, name]) => `${key} = ${name}`);
    f.note(`${chain.lb.address}: target groups keep their Terraform names (${named.join(", ")}), recorded in the terraplane.dev/external-names annotation so Terraplane finds them`);
  }
  return { params: { ...(targetGroups.length > 0 ? { targetGroups } : {}), ...(listeners.length > 0 ? { listeners } : {}) }, partNames };
}

function lbLosses(lb: TfInstance, a: Attrs, f: Findings): void {
  const ipType = a.str("ip_address_type");
  if (a.str("load_balancer_type") === "network" && a.strings("security_groups").length > 0) {
    f.drop(lb.address, "security_groups", "security groups on a network load balancer: the kind allows them on application load balancers only");
  }
  if (ipType && ipType !== "ipv4" && ipType !== "dualstack") f.drop(lb.address, "ip_address_type", `${ipType}: ${NOT_EXPRESSIBLE}`);
  f.dropNonDefault(lb, LOSSES, NOT_EXPRESSIBLE);
  if (a.blocks("subnet_mapping").some((m) => m.str("allocation_id") || m.str("private_ipv4_address") || m.str("ipv6_address"))) {
    f.drop(lb.address, "subnet_mapping", `Elastic IPs or fixed private addresses per subnet: ${NOT_EXPRESSIBLE}`);
  }
}

function mapChain(chain: Chain): MappedResource {
  const { lb } = chain;
  const a = new Attrs(lb.attributes);
  const f = new Findings();
  const type = a.str("load_balancer_type") === "network" ? "network" : "application";
  const groups = a.strings("security_groups").sort();
  const ipType = a.str("ip_address_type");
  lbLosses(lb, a, f);
  const { params: listsParams, partNames } = lists(chain, f);
  const params: Params = defined({
    region: awsRegionOf(a) ?? "",
    type,
    scheme: a.bool("internal") === true ? "internal" : "internet-facing",
    subnets: subnetsOf(a),
    securityGroups: type === "application" && groups.length > 0 ? groups : undefined,
    ipAddressType: ipType === "ipv4" || ipType === "dualstack" ? ipType : undefined,
    tags: awsTags(lb, a, f, []),
    ...listsParams,
  });
  for (const r of chain.rules) f.drop(r.address, "*", "listener rules: " + NOT_EXPRESSIBLE);
  for (const c of chain.certificates) f.drop(c.address, "*", "additional listener certificates: " + NOT_EXPRESSIBLE);
  const addresses = [lb, ...chain.listeners, ...chain.rules, ...chain.certificates, ...chain.targetGroups, ...chain.attachments].map((i) => i.address);
  return { kind: loadBalancerKind, primary: lb, addresses, externalName: a.str("name") ?? lb.name, partNames, forProvider: params, ...f };
}

/** Listeners, rules, groups and attachments whose load balancer is not in the state. */
function orphans(ctx: ImportContext, claimed: ReadonlySet<string>): Skip[] {
  return ofTypes(ctx, [...LISTENER, ...RULE, ...TARGET_GROUP, ...ATTACHMENT, ...LISTENER_CERT])
    .filter((i) => !claimed.has(i.address))
    .map((i) => ({ address: i.address, type: i.type, reason: "its load balancer is not in this state or was not mapped (or no listener forwards here): the aws LoadBalancer kind maps it only together with its aws_lb" }));
}

export function mapAwsLoadBalancers(ctx: ImportContext): MapperResult {
  const mapped: MappedResource[] = [];
  const skipped: Skip[] = [];
  const claimed = new Set<string>();
  for (const lb of ofTypes(ctx, LB)) {
    const reason = skipReason(new Attrs(lb.attributes));
    claimed.add(lb.address);
    if (reason) {
      skipped.push({ address: lb.address, type: lb.type, reason });
      continue;
    }
    const chain = chainOf(ctx, lb);
    const m = mapChain(chain);
    m.addresses.forEach((addr) => claimed.add(addr));
    mapped.push(m);
  }
  skipped.push(...orphans(ctx, claimed));
  for (const s of skipped) claimed.add(s.address);
  return { mapped, skipped, claimed };
}
