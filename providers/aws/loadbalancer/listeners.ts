import type { Action, Certificate } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ProviderError } from "../../../core/errors.ts";
import { mapToTags } from "../tags.ts";
import type { ConvergeContext } from "./context.ts";
import { SECURE_PROTOCOLS, diffListener } from "./normalize.ts";
import { compact } from "./observed.ts";
import type { ObservedListener } from "./observed.ts";
import type { DefaultAction, ListenerSpec } from "./schema.ts";

// Listeners, keyed by port: created, modified in place (protocol, certificate, SSL policy, default
// action) and deleted when spec no longer lists their port. Forward actions name target groups by
// their key in spec; here they become the ARNs the cloud wants.

/** The SDK form of a default action; forward targets resolved from spec keys to ARNs. */
export function sdkAction(action: DefaultAction, arnByKey: ReadonlyMap<string, string>, port: number): Action {
  if (action.forward) {
    const arn = arnByKey.get(action.forward.targetGroupName);
    if (!arn) throw new ProviderError("InvalidParameter", `listeners[${port}] forwards to target group "${action.forward.targetGroupName}", which is not in spec.forProvider.targetGroups`);
    return { Type: "forward", TargetGroupArn: arn };
  }
  if (action.redirect) {
    const r = action.redirect;
    return { Type: "redirect", RedirectConfig: compact({ Protocol: r.protocol, Port: r.port, Host: r.host, Path: r.path, Query: r.query, StatusCode: r.statusCode }) };
  }
  const f = action.fixedResponse;
  return { Type: "fixed-response", FixedResponseConfig: compact({ StatusCode: f?.statusCode, ContentType: f?.contentType, MessageBody: f?.messageBody }) };
}

function secureSettings(spec: ListenerSpec): { Certificates?: Certificate[]; SslPolicy?: string } {
  if (!SECURE_PROTOCOLS.has(spec.protocol)) return {};
  return compact({ Certificates: spec.certificateArn ? [{ CertificateArn: spec.certificateArn }] : undefined, SslPolicy: spec.sslPolicy });
}

/** Creates, modifies and deletes listeners so the load balancer has exactly spec's (when spec lists them). */
export async function convergeListeners(ctx: ConvergeContext, lbArn: string, observed: readonly ObservedListener[], arnByKey: ReadonlyMap<string, string>): Promise<void> {
  const specs = ctx.desired.listeners;
  if (specs === undefined) return;
  const keyByArn = new Map([...arnByKey].map(([key, arn]) => [arn, key]));
  const byPort = new Map(observed.map((l) => [l.port, l]));
  for (const spec of specs) {
    const current = byPort.get(spec.port);
    const DefaultActions = [sdkAction(spec.defaultAction, arnByKey, spec.port)];
    if (!current) {
      await ctx.api.createListener({ LoadBalancerArn: lbArn, Port: spec.port, Protocol: spec.protocol, ...secureSettings(spec), DefaultActions, Tags: mapToTags(ctx.ownerTags) });
    } else if (diffListener(spec, current, keyByArn).length > 0) {
      await ctx.api.modifyListener({ ListenerArn: current.arn, Protocol: spec.protocol, ...secureSettings(spec), DefaultActions });
    }
  }
  const wanted = new Set(specs.map((l) => l.port));
  for (const l of observed) if (!wanted.has(l.port)) await ctx.api.deleteListener(l.arn);
}
