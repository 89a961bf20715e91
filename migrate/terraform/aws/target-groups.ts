import type { z } from "zod";
import { TargetProtocol } from "../../../providers/aws/loadbalancer/schema.ts";
import type { HealthCheck, TargetGroupSpec } from "../../../providers/aws/loadbalancer/schema.ts";
import { Attrs } from "../attrs.ts";
import { defined } from "../mapping.ts";
import type { Findings, LossTable } from "../mapping.ts";
import type { TfInstance } from "../state.ts";

// aws_lb_target_group (and its attachments) → one entry of a LoadBalancer's targetGroups.

type TargetGroup = z.input<typeof TargetGroupSpec>;
type Check = z.input<typeof HealthCheck>;

const NOT_EXPRESSIBLE = "the aws LoadBalancer kind cannot express it";

const LOSSES: LossTable = [
  ["deregistration_delay", "300"],
  ["slow_start", 0],
  ["proxy_protocol_v2", false],
  ["load_balancing_algorithm_type", "round_robin"],
  ["load_balancing_anomaly_mitigation", "off"],
  ["load_balancing_cross_zone_enabled", "use_load_balancer_configuration"],
  ["stickiness.0.enabled", false],
  ["lambda_multi_value_headers_enabled", false],
  ["connection_termination", false],
  ["ip_address_type", "ipv4"],
  ["tags_all", {}],
];

const TARGET_TYPES = ["instance", "ip", "lambda", "alb"] as const;
type TargetType = (typeof TARGET_TYPES)[number];

function targetType(value: string | undefined): TargetType | undefined {
  return TARGET_TYPES.find((t) => t === (value ?? "instance"));
}

const inRange = (v: number | undefined, min: number, max: number): number | undefined => (v !== undefined && v >= min && v <= max ? v : undefined);

/** Path and matcher: HTTP(S) health checks only. */
function httpFields(hc: Attrs, http: boolean): Pick<Check, "path" | "matcher"> {
  const matcher = hc.str("matcher");
  const path = hc.str("path");
  if (!http) return {};
  return defined({ path: path?.startsWith("/") ? path : undefined, matcher: matcher && /^[0-9]{3}(-[0-9]{3})?(,[0-9]{3}(-[0-9]{3})?)*$/.test(matcher) ? matcher : undefined });
}

function portOf(hc: Attrs): string | undefined {
  const port = hc.str("port") ?? (hc.int("port") !== undefined ? String(hc.int("port")) : undefined);
  return port && /^(traffic-port|[1-9][0-9]{0,4})$/.test(port) ? port : undefined;
}

function healthCheck(inst: TfInstance, a: Attrs, f: Findings): Check | undefined {
  const hc = a.block("health_check");
  if (!hc) return undefined;
  if (hc.bool("enabled") === false) f.drop(inst.address, "health_check.0.enabled", "health checks turned off: the kind always checks health");
  const protocol = hc.str("protocol");
  const http = protocol === "HTTP" || protocol === "HTTPS";
  const check: Check = defined({
    protocol: protocol === "HTTP" || protocol === "HTTPS" || protocol === "TCP" ? protocol : undefined,
    ...httpFields(hc, http),
    port: portOf(hc),
    intervalSeconds: inRange(hc.int("interval"), 5, 300),
    timeoutSeconds: inRange(hc.int("timeout"), 2, 120),
    healthyThresholdCount: inRange(hc.int("healthy_threshold"), 2, 10),
    unhealthyThresholdCount: inRange(hc.int("unhealthy_threshold"), 2, 10),
  });
  if (protocol && check.protocol === undefined) f.drop(inst.address, "health_check.0.protocol", `health check protocol ${protocol}: ${NOT_EXPRESSIBLE}`);
  if (http && hc.str("matcher") && check.matcher === undefined) f.drop(inst.address, "health_check.0.matcher", `matcher "${hc.str("matcher")}" (gRPC codes?): ${NOT_EXPRESSIBLE}`);
  return check;
}

/** Registrations recorded by aws_lb_target_group_attachment: the complete set when any exists. */
function targets(attachments: readonly TfInstance[], f: Findings): TargetGroup["targets"] {
  if (attachments.length === 0) return undefined;
  return attachments.flatMap((att) => {
    const a = new Attrs(att.attributes);
    const id = a.str("target_id");
    if (a.str("availability_zone")) f.drop(att.address, "availability_zone", NOT_EXPRESSIBLE);
    if (!id) return [];
    return [defined({ id, port: a.int("port") })];
  });
}

/** The target group as a spec entry under `key`, or why it cannot be one. */
export function targetGroupSpec(inst: TfInstance, key: string, attachments: readonly TfInstance[], f: Findings): TargetGroup | string {
  const a = new Attrs(inst.attributes);
  const type = targetType(a.str("target_type"));
  if (!type) return `target_type ${a.str("target_type")}: ${NOT_EXPRESSIBLE}`;
  const protocol = TargetProtocol.safeParse(a.str("protocol"));
  const port = a.int("port");
  if (type !== "lambda" && (!protocol.success || port === undefined)) return `protocol ${a.str("protocol") ?? "(none)"} / port ${port ?? "(none)"}: ${NOT_EXPRESSIBLE}`;
  f.dropNonDefault(inst, LOSSES, NOT_EXPRESSIBLE);
  if (a.str("protocol_version") && a.str("protocol_version") !== "HTTP1") f.drop(inst.address, "protocol_version", NOT_EXPRESSIBLE);
  return defined({
    name: key,
    targetType: type,
    ...(type === "lambda" ? {} : { protocol: protocol.data, port, vpcId: a.str("vpc_id") }),
    healthCheck: healthCheck(inst, a, f),
    targets: targets(attachments, f),
  });
}
