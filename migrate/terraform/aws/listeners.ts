import type { z } from "zod";
import { ListenerProtocol } from "../../../providers/aws/loadbalancer/schema.ts";
import type { DefaultAction, ListenerSpec } from "../../../providers/aws/loadbalancer/schema.ts";
import { Attrs } from "../attrs.ts";
import { defined } from "../mapping.ts";
import type { Findings, LossTable } from "../mapping.ts";
import type { TfInstance } from "../state.ts";

// aws_lb_listener → one entry of a LoadBalancer's listeners, its default action naming target
// groups by their key in the same LoadBalancer.

type Listener = z.input<typeof ListenerSpec>;
type Action = z.input<typeof DefaultAction>;

const NOT_EXPRESSIBLE = "the aws LoadBalancer kind cannot express it";
const LOSSES: LossTable = [
  ["alpn_policy", "None"],
  ["mutual_authentication.0.mode", "off"],
  ["tcp_idle_timeout_seconds", 350],
  ["tags_all", {}],
];

/** Target group ARN → its key in the LoadBalancer's targetGroups. */
export type TargetGroupKeys = ReadonlyMap<string, string>;

function forwardTo(action: Attrs, keys: TargetGroupKeys): Action | string {
  const weighted = action.block("forward")?.blocks("target_group") ?? [];
  const arn = action.str("target_group_arn") ?? (weighted.length === 1 ? weighted[0]?.str("arn") : undefined);
  if (!arn) return weighted.length > 1 ? `a weighted forward to ${weighted.length} target groups: ${NOT_EXPRESSIBLE}` : "a forward action without a target group";
  const key = keys.get(arn);
  return key ? { forward: { targetGroupName: key } } : `forwards to ${arn}, a target group not in the state`;
}

function redirect(action: Attrs): Action | string {
  const r = action.block("redirect");
  const status = r?.str("status_code");
  if (!r || (status !== "HTTP_301" && status !== "HTTP_302")) return "a redirect without a status code";
  const statusCode: "HTTP_301" | "HTTP_302" = status;
  const protocol = r.str("protocol");
  return {
    redirect: defined<NonNullable<Action["redirect"]>>({
      protocol: protocol === "HTTP" || protocol === "HTTPS" || protocol === "#{protocol}" ? protocol : undefined,
      port: r.str("port"),
      host: r.str("host"),
      path: r.str("path"),
      query: r.str("query"),
      statusCode,
    }),
  };
}

function fixedResponse(action: Attrs): Action | string {
  const r = action.block("fixed_response");
  const status = r?.str("status_code");
  if (!r || !status) return "a fixed response without a status code";
  const contentType = r.str("content_type");
  const types = ["text/plain", "text/css", "text/html", "application/javascript", "application/json"] as const;
  return { fixedResponse: defined({ statusCode: status, contentType: types.find((t) => t === contentType), messageBody: r.str("message_body") }) };
}

function defaultAction(a: Attrs, keys: TargetGroupKeys): Action | string {
  const actions = a.blocks("default_action");
  if (actions.length !== 1) return `${actions.length} default actions (authentication before forwarding?): ${NOT_EXPRESSIBLE}`;
  const action = actions[0] ?? new Attrs({});
  switch (action.str("type")) {
    case "forward":
      return forwardTo(action, keys);
    case "redirect":
      return redirect(action);
    case "fixed-response":
      return fixedResponse(action);
    default:
      return `default action ${action.str("type") ?? "(none)"}: ${NOT_EXPRESSIBLE}`;
  }
}

/** The listener as a spec entry, or why it cannot be one. */
export function listenerSpec(inst: TfInstance, keys: TargetGroupKeys, f: Findings): Listener | string {
  const a = new Attrs(inst.attributes);
  const protocol = ListenerProtocol.safeParse(a.str("protocol"));
  const port = a.int("port");
  if (!protocol.success || port === undefined) return `protocol ${a.str("protocol") ?? "(none)"} on port ${port ?? "(none)"}: ${NOT_EXPRESSIBLE}`;
  const action = defaultAction(a, keys);
  if (typeof action === "string") return action;
  const tls = protocol.data === "HTTPS" || protocol.data === "TLS";
  if (tls && !a.str("certificate_arn")) return "an HTTPS/TLS listener without certificate_arn";
  f.dropNonDefault(inst, LOSSES, NOT_EXPRESSIBLE);
  return defined({
    port,
    protocol: protocol.data,
    certificateArn: tls ? a.str("certificate_arn") : undefined,
    sslPolicy: tls ? a.str("ssl_policy") : undefined,
    defaultAction: action,
  });
}
