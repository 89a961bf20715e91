import { z } from "zod";
import { immutable } from "../../../core/kind.ts";
import type { CelRule, ManagedKind } from "../../../core/kind.ts";
import { AWS_GROUP, AWS_VERSION } from "../provider-config.ts";

// The LoadBalancer kind: one ELBv2 load balancer (application or network) together with the set it
// needs to serve traffic: its target groups, listeners and target registrations. The zod schemas
// are the one source of the TypeScript types, the runtime validation and the CRD (with CEL rules).

const KIND = "LoadBalancer";

/** A name chosen by the user for a target group inside this resource; the key of `targetGroups`. */
const Key = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
  .describe("Lower-case letters, digits and hyphens, at most 32 characters.");

const Port = z.number().int().min(1).max(65535);
const SubnetId = z.string().max(64).regex(/^subnet-[0-9a-zA-Z]+$/);
const SecurityGroupId = z.string().max(64).regex(/^sg-[0-9a-zA-Z]+$/);
const VpcId = z.string().max(64).regex(/^vpc-[0-9a-zA-Z]+$/);

export const TargetProtocol = z.enum(["HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP"]);
export const ListenerProtocol = z.enum(["HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP"]);

export const HealthCheck = z
  .object({
    protocol: z.enum(["HTTP", "HTTPS", "TCP"]).optional().describe("Protocol of the health check. Defaults (from the cloud) to the target group's protocol, or TCP."),
    path: z.string().min(1).max(1024).regex(/^\//).optional().describe("Path for HTTP/HTTPS health checks, e.g. /healthz."),
    port: z
      .string()
      .max(12)
      .regex(/^(traffic-port|[1-9][0-9]{0,4})$/)
      .optional()
      .describe('"traffic-port" (the default: the port each target receives traffic on) or a port number as a string.'),
    intervalSeconds: z.number().int().min(5).max(300).optional(),
    timeoutSeconds: z.number().int().min(2).max(120).optional().describe("Must be smaller than intervalSeconds (the cloud checks it)."),
    healthyThresholdCount: z.number().int().min(2).max(10).optional(),
    unhealthyThresholdCount: z.number().int().min(2).max(10).optional(),
    matcher: z
      .string()
      .max(64)
      .regex(/^[0-9]{3}(-[0-9]{3})?(,[0-9]{3}(-[0-9]{3})?)*$/)
      .optional()
      .describe('HTTP codes a healthy target answers with: "200", "200-299" or "200,302".'),
  })
  .describe("Health check settings; unset fields are filled from the cloud's defaults (late-initialised).");
export type HealthCheck = z.infer<typeof HealthCheck>;

export const Target = z
  .object({
    id: z.string().min(1).max(256).describe("Instance ID, IP address, Lambda function ARN or ALB ARN, by targetType."),
    port: Port.optional().describe("Defaults to the target group's port."),
  })
  .meta({ "x-kubernetes-map-type": "atomic" });
export type Target = z.infer<typeof Target>;

const targetGroupRules: CelRule[] = [
  {
    rule: "self.targetType == 'lambda' ? (!has(self.protocol) && !has(self.port) && !has(self.vpcId)) : (has(self.protocol) && has(self.port))",
    message: "a target group needs protocol and port, except with targetType lambda, which takes no protocol, port or vpcId",
  },
  { rule: "self.targetType != 'alb' || self.protocol == 'TCP'", message: "targetType alb needs protocol TCP" },
  ...(["protocol", "port", "targetType"] as const).map((field) => ({
    rule: `has(self.${field}) == has(oldSelf.${field}) && (!has(self.${field}) || self.${field} == oldSelf.${field})`,
    message:
      `a target group's ${field} is immutable: to change it, add a target group under a new name with the new ${field}, point the listeners at it ` +
      "and remove this one in the same edit (Terraplane creates the new one before deleting the old)",
  })),
  {
    // Unsetting is allowed: unset means the load balancer's VPC (and is late-initialised to it
    // again), so re-applying a manifest without the filled-in vpcId is not refused.
    rule: "!has(self.vpcId) || !has(oldSelf.vpcId) || self.vpcId == oldSelf.vpcId",
    message: "a target group's vpcId cannot change: add a target group under a new name in the other VPC, point the listeners at it and remove this one",
  },
];

export const TargetGroupSpec = z
  .object({
    name: Key.describe("Your name for this target group, unique in this LoadBalancer; listeners forward to it by this name. The AWS name is derived from it."),
    protocol: TargetProtocol.optional().describe("Immutable. Unset only for targetType lambda."),
    port: Port.optional().describe("Immutable. Unset only for targetType lambda."),
    vpcId: VpcId.optional().describe("Cannot change once set (unset: the load balancer's VPC, late-initialised)."),
    targetType: z.enum(["instance", "ip", "lambda", "alb"]).default("instance").describe("Immutable."),
    healthCheck: HealthCheck.optional(),
    targets: z
      .array(Target)
      .max(100)
      .optional()
      // atomic, not set: a set's items must be scalars for server-side apply (compositions apply
      // LoadBalancers); the provider still compares targets as a set.
      .meta({ "x-kubernetes-list-type": "atomic" })
      .describe("The registered targets, as a set. Unset: Terraplane leaves registrations alone (e.g. to an Auto Scaling group); set (even empty): exactly these."),
  })
  .meta({ "x-kubernetes-validations": targetGroupRules });
export type TargetGroupSpec = z.infer<typeof TargetGroupSpec>;

export const RedirectAction = z.object({
  protocol: z.enum(["HTTP", "HTTPS", "#{protocol}"]).optional().describe("Defaults to #{protocol} (keep the request's)."),
  port: z
    .string()
    .max(7)
    .regex(/^(#\{port\}|[1-9][0-9]{0,4})$/)
    .optional()
    .describe('A port number as a string, or "#{port}" (the default).'),
  host: z.string().min(1).max(128).optional().describe("Defaults to #{host}."),
  path: z.string().min(1).max(128).regex(/^\//).optional().describe("Defaults to /#{path}."),
  query: z.string().max(128).optional().describe("Defaults to #{query}."),
  statusCode: z.enum(["HTTP_301", "HTTP_302"]),
});
export type RedirectAction = z.infer<typeof RedirectAction>;

export const FixedResponseAction = z.object({
  statusCode: z.string().regex(/^[245][0-9][0-9]$/).describe('An HTTP status code as a string, e.g. "404".'),
  contentType: z.enum(["text/plain", "text/css", "text/html", "application/javascript", "application/json"]).optional(),
  messageBody: z.string().max(1024).optional(),
});
export type FixedResponseAction = z.infer<typeof FixedResponseAction>;

export const DefaultAction = z
  .object({
    forward: z.object({ targetGroupName: Key.describe("The name of one of this LoadBalancer's targetGroups.") }).optional(),
    redirect: RedirectAction.optional().describe("Application load balancers only."),
    fixedResponse: FixedResponseAction.optional().describe("Application load balancers only."),
  })
  .meta({
    "x-kubernetes-validations": [
      {
        rule: "(has(self.forward) ? 1 : 0) + (has(self.redirect) ? 1 : 0) + (has(self.fixedResponse) ? 1 : 0) == 1",
        message: "defaultAction needs exactly one of forward, redirect or fixedResponse",
      },
    ],
  })
  .describe("What the listener does with a request no rule matches: exactly one of forward, redirect, fixedResponse.");
export type DefaultAction = z.infer<typeof DefaultAction>;

export const ListenerSpec = z
  .object({
    port: Port.describe("The listener's port; the key of listeners."),
    protocol: ListenerProtocol.describe("HTTP or HTTPS for application load balancers; TCP, TLS, UDP or TCP_UDP for network ones."),
    certificateArn: z.string().min(1).max(2048).optional().describe("The default certificate (ACM or IAM ARN); required for HTTPS and TLS."),
    sslPolicy: z.string().min(1).max(128).optional().describe("For HTTPS and TLS; defaults to the cloud's default policy (late-initialised)."),
    defaultAction: DefaultAction,
  })
  .meta({
    "x-kubernetes-validations": [
      { rule: "!(self.protocol in ['HTTPS', 'TLS']) || has(self.certificateArn)", message: "certificateArn is required for HTTPS and TLS listeners" },
      {
        rule: "self.protocol in ['HTTPS', 'TLS'] || (!has(self.certificateArn) && !has(self.sslPolicy))",
        message: "certificateArn and sslPolicy apply to HTTPS and TLS listeners only",
      },
    ],
  });
export type ListenerSpec = z.infer<typeof ListenerSpec>;

export const LoadBalancerParameters = z.object({
  region: z
    .string()
    .min(1)
    .max(32)
    .regex(/^[a-z]{2}(-[a-z]+)+-[0-9]+$/)
    .describe("The AWS region, e.g. us-east-1. Immutable."),
  type: z.enum(["application", "network"]).default("application").describe("Immutable."),
  scheme: z.enum(["internet-facing", "internal"]).default("internet-facing").describe("Immutable."),
  subnets: z
    .array(SubnetId)
    .min(1)
    .max(20)
    .meta({ "x-kubernetes-list-type": "set" })
    .describe("Subnet IDs, as a set; an application load balancer needs two or more, in different Availability Zones."),
  securityGroups: z
    .array(SecurityGroupId)
    .max(5)
    .optional()
    .meta({ "x-kubernetes-list-type": "set" })
    .describe("Security group IDs, as a set (application load balancers only). Unset: late-initialised from the cloud."),
  ipAddressType: z.enum(["ipv4", "dualstack"]).optional().describe("Late-initialised from the cloud (ipv4) when unset."),
  tags: z
    .record(z.string().min(1).max(128), z.string().max(256))
    .optional()
    .meta({ maxProperties: 40 })
    .describe("Tags on the load balancer, besides Terraplane's own terraplane.dev/* ownership tags. Unset: not managed."),
  targetGroups: z
    .array(TargetGroupSpec)
    .max(20)
    .optional()
    .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"] })
    .describe("Target groups, keyed by your name for them. Unset: not managed; set (even empty): exactly these."),
  listeners: z
    .array(ListenerSpec)
    .max(50)
    .optional()
    .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["port"] })
    .describe("Listeners, keyed by port. Unset: not managed; set (even empty): exactly these."),
});
export type LoadBalancerParameters = z.infer<typeof LoadBalancerParameters>;

/** Rules across fields of forProvider, checked by the API server at admission. */
export const forProviderRules: CelRule[] = [
  ...immutable(["region", "type", "scheme"], KIND),
  { rule: "self.type == 'application' || !has(self.securityGroups)", message: "securityGroups apply to application load balancers only: remove them for type network" },
  { rule: "self.type != 'application' || size(self.subnets) >= 2", message: "an application load balancer needs at least two subnets, in different Availability Zones" },
  {
    rule: "!has(self.listeners) || self.listeners.all(l, self.type == 'application' ? l.protocol in ['HTTP', 'HTTPS'] : l.protocol in ['TCP', 'TLS', 'UDP', 'TCP_UDP'])",
    message: "listener protocols must be HTTP or HTTPS for an application load balancer, and TCP, TLS, UDP or TCP_UDP for a network one",
  },
  {
    rule: "self.type == 'application' || !has(self.listeners) || self.listeners.all(l, !has(l.defaultAction.redirect) && !has(l.defaultAction.fixedResponse))",
    message: "redirect and fixedResponse actions need an application load balancer: a network load balancer can only forward",
  },
  {
    rule: "!has(self.listeners) || self.listeners.all(l, !has(l.defaultAction.forward) || (has(self.targetGroups) && self.targetGroups.exists(t, t.name == l.defaultAction.forward.targetGroupName)))",
    message: "defaultAction.forward.targetGroupName must name one of this LoadBalancer's targetGroups",
  },
];

const TargetStatus = z.object({
  id: z.string(),
  port: z.number().int().optional(),
  state: z.string().optional().describe("The cloud's target health: initial, healthy, unhealthy, unused, draining, unavailable."),
  reason: z.string().optional(),
});

const ActionStatus = z.object({
  type: z.string(),
  targetGroupName: z.string().optional().describe("For forward: the target group's name in spec, when it is one of this resource's."),
  targetGroupArn: z.string().optional(),
  redirect: z
    .object({ protocol: z.string(), port: z.string(), host: z.string(), path: z.string(), query: z.string(), statusCode: z.string() })
    .partial()
    .optional(),
  fixedResponse: z.object({ statusCode: z.string(), contentType: z.string(), messageBody: z.string() }).partial().optional(),
});

export const LoadBalancerObservation = z.object({
  arn: z.string().optional(),
  dnsName: z.string().optional(),
  canonicalHostedZoneId: z.string().optional(),
  state: z.string().optional().describe("provisioning, active, active_impaired or failed."),
  stateReason: z.string().optional(),
  vpcId: z.string().optional(),
  type: z.string().optional(),
  scheme: z.string().optional(),
  ipAddressType: z.string().optional(),
  subnets: z.array(z.string()).optional(),
  securityGroups: z.array(z.string()).optional(),
  listeners: z
    .array(
      z.object({
        port: z.number().int(),
        protocol: z.string().optional(),
        arn: z.string(),
        sslPolicy: z.string().optional(),
        certificateArn: z.string().optional(),
        defaultAction: ActionStatus.optional(),
      }),
    )
    .optional(),
  targetGroups: z
    .array(
      z.object({
        name: z.string().optional().describe("Its name in spec.forProvider.targetGroups, when Terraplane manages it."),
        targetGroupName: z.string(),
        arn: z.string(),
        protocol: z.string().optional(),
        port: z.number().int().optional(),
        vpcId: z.string().optional(),
        targetType: z.string().optional(),
        targets: z.array(TargetStatus).optional(),
      }),
    )
    .optional(),
});
export type LoadBalancerObservation = z.infer<typeof LoadBalancerObservation>;

export const loadBalancerKind: ManagedKind<typeof LoadBalancerParameters, typeof LoadBalancerObservation> = {
  group: AWS_GROUP,
  version: AWS_VERSION,
  kind: KIND,
  plural: "loadbalancers",
  // No short name: "lb" would be ambiguous beside a GCP load balancer kind in another group.
  description:
    "An AWS Elastic Load Balancing v2 load balancer (application or network) with its target groups, listeners and target registrations. " +
    "The load balancer's name is the external name (metadata.name by default): at most 32 letters, digits and hyphens.",
  forProvider: LoadBalancerParameters,
  atProvider: LoadBalancerObservation,
  forProviderRules,
  printerColumns: [
    { name: "TYPE", type: "string", jsonPath: ".spec.forProvider.type" },
    { name: "STATE", type: "string", jsonPath: ".status.atProvider.state" },
    { name: "DNS-NAME", type: "string", jsonPath: ".status.atProvider.dnsName" },
    { name: "SCHEME", type: "string", jsonPath: ".spec.forProvider.scheme", priority: 1 },
    { name: "REGION", type: "string", jsonPath: ".spec.forProvider.region", priority: 1 },
  ],
};
