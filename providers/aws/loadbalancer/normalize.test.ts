import { describe, expect, it } from "vitest";
import type { Action, Listener, TargetGroup } from "@aws-sdk/client-elastic-load-balancing-v2";
import { targetGroupName } from "./names.ts";
import {
  atProvider,
  diffAll,
  diffListener,
  diffLoadBalancer,
  diffTargetGroup,
  immutableDiffs,
  lateInit,
  matchTargetGroups,
  readiness,
} from "./normalize.ts";
import { observeAction, observeListener, observeLoadBalancer, observeTargetGroup } from "./observed.ts";
import type { CloudState, ObservedListener, ObservedLoadBalancer, ObservedTargetGroup } from "./observed.ts";
import { LoadBalancerParameters } from "./schema.ts";
import type { ListenerSpec, TargetGroupSpec } from "./schema.ts";

// Table tests for the normalisation that keeps the diff quiet: sets, enum case, cloud defaults,
// tag maps without ownership tags, forward actions by ARN or name, and late initialisation.

const UID = "uid-1";
const LB_NAME = "web";
const TG_NAME = targetGroupName(LB_NAME, "app");
const TG_ARN = "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web-app/1";
const OTHER_ARN = "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/other/2";

const desired = (over: Record<string, unknown> = {}): LoadBalancerParameters =>
  LoadBalancerParameters.parse({ region: "us-east-1", subnets: ["subnet-b", "subnet-a"], ...over });

const lb = (over: Partial<ObservedLoadBalancer> = {}): ObservedLoadBalancer => ({
  name: LB_NAME,
  arn: "arn:lb",
  state: "active",
  vpcId: "vpc-1",
  type: "application",
  scheme: "internet-facing",
  ipAddressType: "ipv4",
  subnets: ["subnet-a", "subnet-b"],
  securityGroups: ["sg-1"],
  tags: { "terraplane.dev/uid": UID, "terraplane.dev/managed-by": "terraplane" },
  ...over,
});

/** What the cloud reports for an HTTP target group created with only a path: every other field filled with its default. */
const cloudTg = (over: Partial<ObservedTargetGroup> = {}): ObservedTargetGroup => ({
  name: TG_NAME,
  arn: TG_ARN,
  protocol: "HTTP",
  port: 80,
  vpcId: "vpc-1",
  targetType: "ip",
  healthCheck: { protocol: "HTTP", path: "/healthz", port: "traffic-port", intervalSeconds: 30, timeoutSeconds: 5, healthyThresholdCount: 5, unhealthyThresholdCount: 2, matcher: "200" },
  targets: [
    { id: "10.0.0.1", port: 80, state: "healthy" },
    { id: "10.0.0.2", port: 8080, state: "healthy" },
  ],
  tags: { "terraplane.dev/uid": UID, "terraplane.dev/target-group": "app" },
  ...over,
});

const tgSpec = (over: Record<string, unknown> = {}): TargetGroupSpec =>
  desired({ targetGroups: [{ name: "app", protocol: "HTTP", port: 80, targetType: "ip", healthCheck: { path: "/healthz" }, ...over }] }).targetGroups?.[0] ?? fail();

function fail(): never {
  throw new Error("fixture");
}

const listenerSpec = (over: Record<string, unknown> = {}): ListenerSpec =>
  desired({ listeners: [{ port: 80, protocol: "HTTP", defaultAction: { forward: { targetGroupName: "app" } }, ...over }] }).listeners?.[0] ?? fail();

const cloudListener = (over: Partial<ObservedListener> = {}): ObservedListener => ({
  port: 80,
  arn: "arn:listener",
  protocol: "HTTP",
  sslPolicy: "ELBSecurityPolicy-2016-08",
  defaultAction: { type: "forward", targetGroupArns: [TG_ARN] },
  ...over,
});

const paths = (diff: readonly { path: string }[]): string[] => diff.map((d) => d.path);

describe("diffLoadBalancer", () => {
  const cases: Record<string, { reason: string; desired: LoadBalancerParameters; observed: ObservedLoadBalancer; want: string[] }> = {
    same: { reason: "subnets are a set: order and duplicates do not matter", desired: desired({ subnets: ["subnet-b", "subnet-a", "subnet-a"] }), observed: lb(), want: [] },
    subnets: { reason: "a different subnet set differs", desired: desired({ subnets: ["subnet-a", "subnet-c"] }), observed: lb(), want: ["subnets"] },
    unsetSgs: { reason: "unset security groups are no opinion (late-initialised instead)", desired: desired(), observed: lb({ securityGroups: ["sg-9"] }), want: [] },
    sgs: { reason: "security groups compare as a set", desired: desired({ securityGroups: ["sg-2", "sg-1"] }), observed: lb({ securityGroups: ["sg-1", "sg-2"] }), want: [] },
    sgsDiffer: { reason: "a missing security group differs", desired: desired({ securityGroups: ["sg-2"] }), observed: lb(), want: ["securityGroups"] },
    ownerTags: { reason: "ownership tags are not the user's", desired: desired({ tags: { team: "a" } }), observed: lb({ tags: { team: "a", "terraplane.dev/uid": UID } }), want: [] },
    awsTags: { reason: "reserved aws: tags are nobody's to manage", desired: desired({ tags: { team: "a" } }), observed: lb({ tags: { team: "a", "aws:cloudformation:stack-name": "s" } }), want: [] },
    tagsUnset: { reason: "unset tags are not managed", desired: desired(), observed: lb({ tags: { someone: "else" } }), want: [] },
    tagsDiffer: { reason: "an extra user tag in the cloud differs", desired: desired({ tags: { team: "a" } }), observed: lb({ tags: { team: "a", extra: "x" } }), want: ["tags"] },
    immutable: { reason: "type and scheme are compared (and reported as needing replacement)", desired: desired({ type: "network", scheme: "internal" }), observed: lb(), want: ["type", "scheme"] },
    ipType: { reason: "ipAddressType when set", desired: desired({ ipAddressType: "dualstack" }), observed: lb(), want: ["ipAddressType"] },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: ${c.reason}`, () => expect(paths(diffLoadBalancer(c.desired, c.observed))).toEqual(c.want));
  }
});

describe("diffTargetGroup", () => {
  const cases: Record<string, { reason: string; spec: TargetGroupSpec; observed: ObservedTargetGroup | undefined; want: string[] }> = {
    defaults: { reason: "health check fields the user left unset take the cloud's defaults without a diff", spec: tgSpec(), observed: cloudTg(), want: [] },
    missing: { reason: "a target group that does not exist is one diff at its key", spec: tgSpec(), observed: undefined, want: ["targetGroups[app]"] },
    path: { reason: "a set health check field that differs", spec: tgSpec({ healthCheck: { path: "/ready", intervalSeconds: 30 } }), observed: cloudTg(), want: ["targetGroups[app].healthCheck.path"] },
    targetsSame: {
      reason: "targets are a set; an unset port is the target group's",
      spec: tgSpec({ targets: [{ id: "10.0.0.2", port: 8080 }, { id: "10.0.0.1" }] }),
      observed: cloudTg(),
      want: [],
    },
    targetsDiffer: { reason: "a missing target differs", spec: tgSpec({ targets: [{ id: "10.0.0.1" }] }), observed: cloudTg(), want: ["targetGroups[app].targets"] },
    targetsUnset: { reason: "unset targets are not managed (an Auto Scaling group may own them)", spec: tgSpec(), observed: cloudTg(), want: [] },
    immutable: { reason: "port and protocol are compared", spec: tgSpec({ port: 81, protocol: "HTTPS" }), observed: cloudTg(), want: ["targetGroups[app].protocol", "targetGroups[app].port"] },
    vpc: { reason: "an unset vpcId is the load balancer's (no diff)", spec: tgSpec(), observed: cloudTg({ vpcId: "vpc-9" }), want: [] },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: ${c.reason}`, () => expect(paths(diffTargetGroup(c.spec, c.observed))).toEqual(c.want));
  }

  it("marks type, scheme and target group protocol/port/vpcId/targetType as needing replacement", () => {
    const diff = [{ path: "type" }, { path: "scheme" }, { path: "targetGroups[a].port" }, { path: "targetGroups[a].healthCheck.port" }, { path: "tags" }].map((d) => ({ ...d, desired: 1, observed: 2 }));
    expect(paths(immutableDiffs(diff))).toEqual(["type", "scheme", "targetGroups[a].port"]);
  });
});

describe("diffListener", () => {
  const byArn = new Map([[TG_ARN, "app"]]);
  const cases: Record<string, { reason: string; spec: ListenerSpec; observed: ObservedListener | undefined; want: string[] }> = {
    forwardByName: { reason: "a forward to our ARN equals a forward to its name", spec: listenerSpec(), observed: cloudListener(), want: [] },
    forwardElsewhere: { reason: "a forward to another ARN differs", spec: listenerSpec(), observed: cloudListener({ defaultAction: { type: "forward", targetGroupArns: [OTHER_ARN] } }), want: ["listeners[80].defaultAction"] },
    weighted: { reason: "a weighted forward to two groups differs from a forward to one", spec: listenerSpec(), observed: cloudListener({ defaultAction: { type: "forward", targetGroupArns: [TG_ARN, OTHER_ARN] } }), want: ["listeners[80].defaultAction"] },
    missing: { reason: "a missing listener is one diff at its port", spec: listenerSpec(), observed: undefined, want: ["listeners[80]"] },
    httpSslPolicy: { reason: "an SSL policy on an HTTP listener (moto reports one) is ignored", spec: listenerSpec(), observed: cloudListener({ sslPolicy: "whatever" }), want: [] },
    redirectDefaults: {
      reason: "redirect fields left unset equal the cloud's #{...} placeholders",
      spec: listenerSpec({ defaultAction: { redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } } }),
      observed: cloudListener({ defaultAction: observeAction({ Type: "redirect", RedirectConfig: { Protocol: "HTTPS", Port: "443", Host: "#{host}", Path: "/#{path}", Query: "#{query}", StatusCode: "HTTP_301" } }) }),
      want: [],
    },
    redirectEchoed: {
      reason: "a cloud that echoes only the fields it was given (moto) is normalised the same way",
      spec: listenerSpec({ defaultAction: { redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } } }),
      observed: cloudListener({ defaultAction: observeAction({ Type: "redirect", RedirectConfig: { Protocol: "HTTPS", Port: "443", StatusCode: "HTTP_301" } }) }),
      want: [],
    },
    redirectCode: {
      reason: "a different status code differs",
      spec: listenerSpec({ defaultAction: { redirect: { statusCode: "HTTP_302" } } }),
      observed: cloudListener({ defaultAction: observeAction({ Type: "redirect", RedirectConfig: { StatusCode: "HTTP_301" } }) }),
      want: ["listeners[80].defaultAction"],
    },
    fixedNoType: {
      reason: "an unset content type is whatever the cloud has",
      spec: listenerSpec({ defaultAction: { fixedResponse: { statusCode: "404" } } }),
      observed: cloudListener({ defaultAction: observeAction({ Type: "fixed-response", FixedResponseConfig: { StatusCode: "404", ContentType: "text/plain" } }) }),
      want: [],
    },
    https: {
      reason: "certificate compared for HTTPS; an unset SSL policy is the cloud's",
      spec: listenerSpec({ port: 443, protocol: "HTTPS", certificateArn: "arn:cert-2" }),
      observed: cloudListener({ port: 443, protocol: "HTTPS", certificateArn: "arn:cert-1" }),
      want: ["listeners[443].certificateArn"],
    },
    protocolCase: { reason: "protocols compare in the cloud's (upper) case", spec: listenerSpec(), observed: observeListener({ Port: 80, ListenerArn: "arn:l", Protocol: "HTTP", DefaultActions: [{ Type: "forward", TargetGroupArn: TG_ARN }] }), want: [] },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: ${c.reason}`, () => expect(paths(diffListener(c.spec, c.observed, byArn))).toEqual(c.want));
  }
});

describe("the whole set", () => {
  const cloud = (over: Partial<CloudState> = {}): CloudState => ({ lb: lb(), listeners: [cloudListener()], targetGroups: [cloudTg()], ...over });
  const spec = desired({ targetGroups: [{ name: "app", protocol: "HTTP", port: 80, targetType: "ip", healthCheck: { path: "/healthz" } }], listeners: [{ port: 80, protocol: "HTTP", defaultAction: { forward: { targetGroupName: "app" } } }] });

  it("is up to date when the cloud is what spec says", () => {
    expect(diffAll(spec, cloud(), matchTargetGroups(spec, cloud(), UID))).toEqual([]);
  });

  it("lists an extra listener and a target group of ours that spec no longer has, but never someone else's", () => {
    const ours = cloudTg({ name: "web-old-123456", arn: "arn:old", tags: { "terraplane.dev/uid": UID, "terraplane.dev/target-group": "old" } });
    const foreign = cloudTg({ name: "someone", arn: OTHER_ARN, tags: {} });
    const state = cloud({ listeners: [cloudListener(), cloudListener({ port: 9000, arn: "arn:l9000", defaultAction: { type: "forward", targetGroupArns: [OTHER_ARN] } })], targetGroups: [cloudTg(), ours, foreign] });
    const matched = matchTargetGroups(spec, state, UID);
    expect(matched.extraTargetGroups.map((tg) => tg.name)).toEqual(["web-old-123456"]);
    expect(paths(diffAll(spec, state, matched))).toEqual(["targetGroups[old]", "listeners[9000]"]);
    expect(atProvider(state, matched.keyByArn).targetGroups?.map((tg) => [tg.targetGroupName, tg.name])).toEqual([
      ["someone", undefined],
      [TG_NAME, "app"],
      ["web-old-123456", "old"],
    ]);
  });

  it("leaves listeners and target groups alone when spec does not list them", () => {
    const bare = desired();
    const state = cloud({ targetGroups: [cloudTg({ name: "stray", arn: "arn:stray" })] });
    expect(diffAll(bare, state, matchTargetGroups(bare, state, UID))).toEqual([]);
  });
});

describe("lateInit", () => {
  const state: CloudState = { lb: lb(), listeners: [cloudListener({ port: 443, protocol: "HTTPS", certificateArn: "arn:cert" })], targetGroups: [cloudTg()] };
  const cases: Record<string, { reason: string; desired: LoadBalancerParameters; want: Record<string, unknown> | undefined }> = {
    lb: { reason: "ipAddressType and security groups from the cloud", desired: desired(), want: { ipAddressType: "ipv4", securityGroups: ["sg-1"] } },
    nothing: { reason: "nothing unset: nothing to write (no write on every poll)", desired: desired({ ipAddressType: "ipv4", securityGroups: ["sg-1"] }), want: undefined },
    nlb: { reason: "no security groups for a network load balancer", desired: desired({ type: "network", ipAddressType: "ipv4" }), want: undefined },
    targetGroup: {
      reason: "a target group's vpcId and health check defaults, keeping what the user set",
      desired: desired({ ipAddressType: "ipv4", securityGroups: ["sg-1"], targetGroups: [{ name: "app", protocol: "HTTP", port: 80, targetType: "ip", healthCheck: { path: "/healthz", intervalSeconds: 10 } }] }),
      want: {
        targetGroups: [
          {
            name: "app",
            protocol: "HTTP",
            port: 80,
            targetType: "ip",
            vpcId: "vpc-1",
            healthCheck: { protocol: "HTTP", path: "/healthz", port: "traffic-port", intervalSeconds: 10, timeoutSeconds: 5, healthyThresholdCount: 5, unhealthyThresholdCount: 2, matcher: "200" },
          },
        ],
      },
    },
    sslPolicy: {
      reason: "the default SSL policy of an HTTPS listener",
      desired: desired({ ipAddressType: "ipv4", securityGroups: ["sg-1"], listeners: [{ port: 443, protocol: "HTTPS", certificateArn: "arn:cert", defaultAction: { fixedResponse: { statusCode: "404" } } }] }),
      want: { listeners: [{ port: 443, protocol: "HTTPS", certificateArn: "arn:cert", sslPolicy: "ELBSecurityPolicy-2016-08", defaultAction: { fixedResponse: { statusCode: "404" } } }] },
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: ${c.reason}`, () => expect(lateInit(c.desired, state, matchTargetGroups(c.desired, state, UID))).toEqual(c.want));
  }
});

describe("readiness", () => {
  const cases: Record<string, { state: string | undefined; reason?: string; want: { ready: string; message?: string } }> = {
    active: { state: "active", want: { ready: "Available" } },
    provisioning: { state: "provisioning", want: { ready: "Creating", message: "the load balancer is provisioning" } },
    impaired: { state: "active_impaired", reason: "a zone is down", want: { ready: "Unavailable", message: "the load balancer is active but impaired: a zone is down" } },
    failed: { state: "failed", reason: "capacity", want: { ready: "Unavailable", message: "the load balancer failed: capacity" } },
    unknown: { state: undefined, want: { ready: "Unavailable", message: 'the load balancer is in state "unknown"' } },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => expect(readiness(lb({ ...(c.state ? { state: c.state } : { state: undefined }), ...(c.reason ? { stateReason: c.reason } : {}) }))).toEqual(c.want));
  }
});

describe("observing the SDK's shapes", () => {
  it("takes an absent type, scheme or IP address type as the cloud's default", () => {
    expect(observeLoadBalancer({ LoadBalancerName: "x", LoadBalancerArn: "arn" }, {})).toMatchObject({ type: "application", scheme: "internet-facing", ipAddressType: "ipv4" });
  });

  it("lower-cases enums, keeps subnets as a sorted set, and drops absent fields", () => {
    const observed = observeLoadBalancer(
      { LoadBalancerName: "x", LoadBalancerArn: "arn", Type: "application", Scheme: "internal", State: { Code: "active" }, AvailabilityZones: [{ SubnetId: "subnet-b" }, { SubnetId: "subnet-a" }], IpAddressType: "ipv4" },
      {},
    );
    expect(observed).toEqual({ name: "x", arn: "arn", type: "application", scheme: "internal", state: "active", ipAddressType: "ipv4", subnets: ["subnet-a", "subnet-b"], securityGroups: [], tags: {} });
  });

  it("reads a forward from TargetGroupArn or from a ForwardConfig", () => {
    const forwards: Action[] = [
      { Type: "forward", TargetGroupArn: TG_ARN },
      { Type: "forward", ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG_ARN, Weight: 1 }] } },
    ];
    for (const action of forwards) expect(observeAction(action)).toEqual({ type: "forward", targetGroupArns: [TG_ARN] });
  });

  it("uses the last action in order (authenticate actions come first) and the default certificate", () => {
    const listener: Listener = {
      Port: 443,
      ListenerArn: "arn:l",
      Protocol: "HTTPS",
      Certificates: [{ CertificateArn: "arn:sni" }, { CertificateArn: "arn:default", IsDefault: true }],
      DefaultActions: [
        { Type: "forward", TargetGroupArn: TG_ARN, Order: 2 },
        { Type: "authenticate-oidc", Order: 1 },
      ],
    };
    expect(observeListener(listener)).toMatchObject({ certificateArn: "arn:default", defaultAction: { type: "forward" } });
  });

  it("does not count draining targets as registered", () => {
    const tg: TargetGroup = { TargetGroupName: "t", TargetGroupArn: "arn", Protocol: "HTTP", Port: 80, TargetType: "ip" };
    const observed = observeTargetGroup(tg, {}, [
      { Target: { Id: "10.0.0.2", Port: 80 }, TargetHealth: { State: "healthy" } },
      { Target: { Id: "10.0.0.1", Port: 80 }, TargetHealth: { State: "draining", Reason: "Target.DeregistrationInProgress" } },
    ]);
    expect(observed.targets).toEqual([{ id: "10.0.0.2", port: 80, state: "healthy" }]);
  });
});
