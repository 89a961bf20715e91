import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeleteLoadBalancerCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyTargetGroupCommand,
  AddTagsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Listener, LoadBalancer, TargetGroup } from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { Annotations, FINALIZER } from "../core/managed.ts";
import { loadBalancer } from "../providers/aws/loadbalancer/index.ts";
import { targetGroupName } from "../providers/aws/loadbalancer/names.ts";
import { OwnerTags } from "../providers/aws/tags.ts";
import type { FaultProxy } from "../sandbox/faultproxy/index.ts";
import { SANDBOX_SUBNETS } from "../sandbox/launcher/moto-seed.ts";
import { awsClientConfig } from "./harness/aws.ts";
import { awsEnvironment, installAwsCrds } from "./harness/aws-provider.ts";
import type { AwsEnvironment } from "./harness/aws-provider.ts";
import { eventReasons, resourceOf } from "./harness/environment.ts";
import { kubectl, kubectlOk } from "./harness/kube.ts";
import { condition, eventsFor } from "./harness/managed.ts";
import { uniqueName } from "./harness/names.ts";

// The LoadBalancer kind (ELBv2 with its target groups, listeners and registrations) end to end:
// kubectl → the real API server (CRD, CEL) → the core → the AWS provider → the official SDK → a
// fault proxy → moto. Each test has its own namespace, AWS region (moto keeps ELB state per region),
// ProviderConfig and controller manager. Changes "behind Terraplane's back" go straight to moto.

const RESOURCE = resourceOf(loadBalancer);
const SERVICE = "elasticloadbalancing";
const WAIT = { timeout: 45_000, interval: 250 };
/** Every ELBv2 operation that changes something: all but Describe*. */
const MUTATING = /^(?!Describe)/;
const CERT = "arn:aws:iam::123456789012:server-certificate/terraplane-test";

interface Env extends AwsEnvironment {
  readonly elb: ElasticLoadBalancingV2Client;
  readonly vpcId: string;
  readonly subnets: readonly string[];
}

async function defaultNetwork(region: string): Promise<{ vpcId: string; subnets: string[] }> {
  const ec2 = new EC2Client(awsClientConfig({ region, direct: true }));
  try {
    const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "isDefault", Values: ["true"] }] }));
    const vpcId = vpcs.Vpcs?.[0]?.VpcId ?? "";
    const subnets = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }));
    const byZone = new Map((subnets.Subnets ?? []).map((s) => [s.AvailabilityZone ?? "", s.SubnetId ?? ""]));
    return { vpcId, subnets: [...byZone.values()].sort() };
  } finally {
    ec2.destroy();
  }
}

async function environment(region: string, opts: { proxy?: boolean; pollIntervalMs?: number } = {}): Promise<Env> {
  const env = await awsEnvironment(loadBalancer, { nsPrefix: "lb", region, proxySeed: opts.proxy ? 11 : undefined, pollIntervalMs: opts.pollIntervalMs ?? 2_000 });
  const elb = new ElasticLoadBalancingV2Client(awsClientConfig({ region, direct: true }));
  return {
    ...env,
    elb,
    ...(await defaultNetwork(region)),
    async close() {
      await env.close();
      elb.destroy();
    },
  };
}

/** A realistic application load balancer: a target group of IP targets, HTTP forwarding, a 404 on 8080. */
function webSpec(env: Env, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    region: env.region,
    type: "application",
    scheme: "internet-facing",
    subnets: env.subnets.slice(0, 2),
    tags: { team: "web" },
    targetGroups: [
      { name: "web", protocol: "HTTP", port: 80, targetType: "ip", healthCheck: { path: "/healthz" }, targets: [{ id: "172.31.0.10" }, { id: "172.31.0.11" }] },
    ],
    listeners: [
      { port: 80, protocol: "HTTP", defaultAction: { forward: { targetGroupName: "web" } } },
      { port: 8080, protocol: "HTTP", defaultAction: { fixedResponse: { statusCode: "404", contentType: "text/plain", messageBody: "nothing here" } } },
    ],
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------
// Direct reads from moto

async function describeLb(elb: ElasticLoadBalancingV2Client, name: string): Promise<LoadBalancer | undefined> {
  try {
    return (await elb.send(new DescribeLoadBalancersCommand({ Names: [name] }))).LoadBalancers?.[0];
  } catch (err) {
    if (err instanceof Error && err.name === "LoadBalancerNotFoundException") return undefined;
    throw err;
  }
}

async function describeTg(elb: ElasticLoadBalancingV2Client, name: string): Promise<TargetGroup | undefined> {
  try {
    return (await elb.send(new DescribeTargetGroupsCommand({ Names: [name] }))).TargetGroups?.[0];
  } catch (err) {
    if (err instanceof Error && err.name === "TargetGroupNotFoundException") return undefined;
    throw err;
  }
}

async function listenersOf(elb: ElasticLoadBalancingV2Client, lbArn: string): Promise<Listener[]> {
  return (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }))).Listeners ?? [];
}

async function tagsOf(elb: ElasticLoadBalancingV2Client, arn: string): Promise<Record<string, string>> {
  const out = await elb.send(new DescribeTagsCommand({ ResourceArns: [arn] }));
  return Object.fromEntries((out.TagDescriptions?.[0]?.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
}

async function targetIds(elb: ElasticLoadBalancingV2Client, tgArn: string): Promise<string[]> {
  const out = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }));
  return (out.TargetHealthDescriptions ?? []).map((d) => `${d.Target?.Id ?? ""}:${d.Target?.Port ?? ""}`).sort();
}

/** The ARN of a load balancer that must exist. */
async function lbArnOf(elb: ElasticLoadBalancingV2Client, name: string): Promise<string> {
  const arn = (await describeLb(elb, name))?.LoadBalancerArn;
  if (!arn) throw new Error(`load balancer ${name} not found`);
  return arn;
}

/** The target group Terraplane made for key `key` of load balancer `lbName`, which must exist. */
async function tgOf(elb: ElasticLoadBalancingV2Client, lbName: string, key: string): Promise<TargetGroup & { TargetGroupArn: string }> {
  const tg = await describeTg(elb, targetGroupName(lbName, key));
  if (!tg?.TargetGroupArn) throw new Error(`target group ${key} of ${lbName} not found`);
  return { ...tg, TargetGroupArn: tg.TargetGroupArn };
}

async function countNamed(elb: ElasticLoadBalancingV2Client, name: string): Promise<number> {
  const all = await elb.send(new DescribeLoadBalancersCommand({}));
  return (all.LoadBalancers ?? []).filter((lb) => lb.LoadBalancerName === name).length;
}

/** Waits for Ready=True; on timeout fails with what the object and its events say, which is what a user would look at. */
async function waitReady(env: Env, name: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition(await env.view(name), "Ready")?.status === "True") return;
    await new Promise((r) => setTimeout(r, 250));
  }
  const mr = await env.view(name);
  const events = (await eventsFor(env.ns, name)).map((e) => `${e.type} ${e.reason}: ${e.message}`);
  throw new Error(`${name} not Ready after ${timeoutMs / 1000}s: ${JSON.stringify(mr?.status?.conditions)}\n${events.join("\n")}`);
}

function fail(): never {
  throw new Error("this test needs its own fault proxy");
}

const reasons = eventReasons;

/** Ready and Synced, with spec and status in step (late initialisation written back and observed). */
async function settled(env: Env, name: string): Promise<boolean> {
  const mr = await env.view(name);
  return (
    condition(mr, "Ready")?.status === "True" &&
    condition(mr, "Synced")?.status === "True" &&
    mr?.spec.forProvider.ipAddressType !== undefined &&
    mr.status?.observedGeneration === mr.metadata.generation
  );
}

/** Requests for one ELBv2 operation seen by a proxy since its last reset. */
function requests(proxy: FaultProxy, operation: string): number {
  return proxy.stats().services[SERVICE]?.operations[operation]?.requests ?? 0;
}

/** Requests per mutating ELBv2 operation seen by a proxy since its last reset. */
function mutatingCalls(proxy: FaultProxy): Record<string, number> {
  const ops = proxy.stats().services[SERVICE]?.operations ?? {};
  return Object.fromEntries(Object.entries(ops).filter(([op, c]) => MUTATING.test(op) && c.requests > 0).map(([op, c]) => [op, c.requests]));
}

const AtProvider = z.looseObject({
  arn: z.string(),
  dnsName: z.string(),
  canonicalHostedZoneId: z.string(),
  state: z.string(),
  vpcId: z.string(),
  listeners: z.array(z.looseObject({ port: z.number(), arn: z.string(), defaultAction: z.looseObject({ type: z.string(), targetGroupName: z.string().optional() }).optional() })),
  targetGroups: z.array(
    z.looseObject({ name: z.string().optional(), targetGroupName: z.string(), arn: z.string(), targets: z.array(z.looseObject({ id: z.string(), state: z.string().optional() })).optional() }),
  ),
});

const ExampleShape = z.object({
  apiVersion: z.string(),
  kind: z.literal("LoadBalancer"),
  metadata: z.looseObject({ name: z.string() }),
  spec: z.looseObject({ forProvider: z.record(z.string(), z.unknown()) }),
});

beforeAll(async () => {
  await installAwsCrds([loadBalancer]);
});

describe("LoadBalancer (ELBv2) on moto", () => {
  it("creates the load balancer with its target group, listeners and targets, and reports Ready with atProvider", async () => {
    const env = await environment("us-west-1");
    try {
      const name = uniqueName("web");
      const spec = webSpec(env);
      await env.apply(name, spec, { spec: { writeConnectionSecretToRef: { name: `${name}-conn` } } });
      await waitReady(env, name);
      await expect.poll(() => settled(env, name), WAIT).toBe(true);

      const mr = await env.view(name);
      expect(mr?.metadata.finalizers).toContain(FINALIZER);
      expect(mr?.metadata.annotations?.[Annotations.externalName]).toBe(name);
      expect(condition(mr, "Synced")).toMatchObject({ status: "True", reason: "ReconcileSuccess" });
      const at = AtProvider.parse(mr?.status?.atProvider);
      expect(at).toMatchObject({ state: "active", vpcId: env.vpcId, type: "application", scheme: "internet-facing", subnets: env.subnets.slice(0, 2) });
      expect(at.dnsName).toContain(name);
      expect(at.listeners.map((l) => [l.port, l.defaultAction?.type, l.defaultAction?.targetGroupName])).toEqual([
        [80, "forward", "web"],
        [8080, "fixed-response", undefined],
      ]);
      const tgName = targetGroupName(name, "web");
      expect(tgName.length).toBeLessThanOrEqual(32);
      expect(at.targetGroups).toHaveLength(1);
      expect(at.targetGroups[0]).toMatchObject({ name: "web", targetGroupName: tgName });
      expect(at.targetGroups[0]?.targets?.map((t) => [t.id, t.state])).toEqual([
        ["172.31.0.10", "healthy"],
        ["172.31.0.11", "healthy"],
      ]);

      // Late-initialised from the cloud: what the user left unset.
      expect(mr?.spec.forProvider).toMatchObject({
        ipAddressType: "ipv4",
        targetGroups: [{ name: "web", vpcId: env.vpcId, healthCheck: { path: "/healthz", protocol: "HTTP", port: "traffic-port", intervalSeconds: 30, matcher: "200" } }],
      });

      // The cloud, read directly: everything tagged with its owner.
      const lb = await describeLb(env.elb, name);
      expect(lb?.LoadBalancerArn).toBe(at.arn);
      const lbTags = await tagsOf(env.elb, at.arn);
      expect(lbTags).toMatchObject({ team: "web", [OwnerTags.managedBy]: "terraplane", [OwnerTags.resource]: `LoadBalancer/${env.ns}/${name}` });
      expect(lbTags[OwnerTags.uid]).toBeTruthy();
      const tg = await tgOf(env.elb, name, "web");
      expect(tg).toMatchObject({ Protocol: "HTTP", Port: 80, TargetType: "ip", HealthCheckPath: "/healthz", VpcId: env.vpcId });
      expect(await tagsOf(env.elb, tg.TargetGroupArn)).toMatchObject({ [OwnerTags.uid]: lbTags[OwnerTags.uid], "terraplane.dev/target-group": "web" });
      expect(await targetIds(env.elb, tg.TargetGroupArn)).toEqual(["172.31.0.10:80", "172.31.0.11:80"]);
      const listeners = await listenersOf(env.elb, at.arn);
      expect(listeners.map((l) => l.Port).sort()).toEqual([80, 8080]);
      const listenerTags = await Promise.all(listeners.map((l) => tagsOf(env.elb, String(l.ListenerArn))));
      for (const tags of listenerTags) expect(tags).toMatchObject({ [OwnerTags.uid]: lbTags[OwnerTags.uid] });

      const events = await reasons(env.ns, name);
      expect(events).toContain("CreatedExternalResource");
      expect(events).not.toContain("DriftDetected");
      expect(events).not.toContain("UpdatedExternalResource");

      const secret = JSON.parse(await kubectlOk(["get", "secret", `${name}-conn`, "-n", env.ns, "-o", "json"])) as { data: Record<string, string> };
      expect(Buffer.from(String(secret.data.endpoint), "base64").toString()).toBe(at.dnsName);

      const table = await kubectlOk(["get", RESOURCE, name, "-n", env.ns]);
      expect(table).toMatch(/NAME\s+READY\s+SYNCED\s+EXTERNAL-NAME\s+AGE\s+TYPE\s+STATE\s+DNS-NAME/);
      expect(table).toContain(`${name}   True    True     ${name}`);
    } finally {
      await env.close();
    }
  });

  it("updates the cloud when the spec changes, replacing a renamed target group before deleting the old one", async () => {
    const env = await environment("us-west-2");
    try {
      const name = uniqueName("upd");
      await env.apply(name, webSpec(env));
      await waitReady(env, name);
      await expect.poll(() => settled(env, name), WAIT).toBe(true);
      const oldTg = await describeTg(env.elb, targetGroupName(name, "web"));
      expect(oldTg).toBeDefined();

      // One edit, as a user would apply it: tags, a health check, a target added, the target group
      // renamed (its port changes: a replacement), a listener switched to a redirect, one removed, one added.
      await env.apply(
        name,
        webSpec(env, {
          tags: { team: "web", env: "prod" },
          targetGroups: [
            { name: "web-v2", protocol: "HTTP", port: 8080, targetType: "ip", healthCheck: { path: "/ready", intervalSeconds: 15 }, targets: [{ id: "172.31.0.10" }, { id: "172.31.0.12", port: 9090 }] },
          ],
          listeners: [
            { port: 80, protocol: "HTTP", defaultAction: { redirect: { port: "8081", statusCode: "HTTP_301" } } },
            { port: 8081, protocol: "HTTP", defaultAction: { forward: { targetGroupName: "web-v2" } } },
          ],
        }),
      );
      const lbArn = await lbArnOf(env.elb, name);
      await expect.poll(async () => (await listenersOf(env.elb, lbArn)).map((l) => l.Port).sort(), WAIT).toEqual([80, 8081]);
      await expect.poll(() => describeTg(env.elb, targetGroupName(name, "web")), WAIT).toBeUndefined();
      const newTg = await tgOf(env.elb, name, "web-v2");
      expect(newTg).toMatchObject({ Port: 8080, HealthCheckPath: "/ready", HealthCheckIntervalSeconds: 15 });
      expect(await targetIds(env.elb, newTg.TargetGroupArn)).toEqual(["172.31.0.10:8080", "172.31.0.12:9090"]);
      const listeners = await listenersOf(env.elb, lbArn);
      const byPort = new Map(listeners.map((l) => [l.Port, l]));
      expect(byPort.get(80)?.DefaultActions?.[0]).toMatchObject({ Type: "redirect", RedirectConfig: { Port: "8081", StatusCode: "HTTP_301" } });
      expect(byPort.get(8081)?.DefaultActions?.[0]).toMatchObject({ Type: "forward", TargetGroupArn: newTg.TargetGroupArn });
      expect(await tagsOf(env.elb, lbArn)).toMatchObject({ team: "web", env: "prod" });

      await expect.poll(() => reasons(env.ns, name), WAIT).toContain("UpdatedExternalResource");
      await expect.poll(() => settled(env, name), WAIT).toBe(true);
      expect(await reasons(env.ns, name)).not.toContain("DriftDetected");
      // status.atProvider is refreshed by the observation after the update.
      await expect.poll(async () => AtProvider.parse((await env.view(name))?.status?.atProvider).targetGroups.map((tg) => tg.name), WAIT).toEqual(["web-v2"]);

      // Re-applying the manifest as written (without the late-initialised vpcId and health check
      // defaults) with one change is accepted, and changes only that.
      await expect.poll(() => settled(env, name), WAIT).toBe(true);
      await env.apply(
        name,
        webSpec(env, {
          tags: { team: "web", env: "prod" },
          targetGroups: [
            { name: "web-v2", protocol: "HTTP", port: 8080, targetType: "ip", healthCheck: { path: "/ready2", intervalSeconds: 15 }, targets: [{ id: "172.31.0.10" }, { id: "172.31.0.12", port: 9090 }] },
          ],
          listeners: [
            { port: 80, protocol: "HTTP", defaultAction: { redirect: { port: "8081", statusCode: "HTTP_301" } } },
            { port: 8081, protocol: "HTTP", defaultAction: { forward: { targetGroupName: "web-v2" } } },
          ],
        }),
      );
      await expect.poll(async () => (await tgOf(env.elb, name, "web-v2")).HealthCheckPath, WAIT).toBe("/ready2");
      expect((await tgOf(env.elb, name, "web-v2")).TargetGroupArn).toBe(newTg.TargetGroupArn);
    } finally {
      await env.close();
    }
  });

  it("detects out-of-band changes as drift, names the fields, and corrects them", async () => {
    const env = await environment("ca-central-1");
    try {
      const name = uniqueName("drift");
      await env.apply(name, webSpec(env));
      await waitReady(env, name);
      await expect.poll(() => settled(env, name), WAIT).toBe(true);
      const lbArn = await lbArnOf(env.elb, name);
      const tgArn = (await tgOf(env.elb, name, "web")).TargetGroupArn;
      const l80 = (await listenersOf(env.elb, lbArn)).find((l) => l.Port === 80);

      // Behind Terraplane's back, straight to moto.
      await env.elb.send(new AddTagsCommand({ ResourceArns: [lbArn], Tags: [{ Key: "team", Value: "someone-else" }] }));
      await env.elb.send(new ModifyTargetGroupCommand({ TargetGroupArn: tgArn, HealthCheckPath: "/changed" }));
      await env.elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: "172.31.0.11", Port: 80 }] }));
      await env.elb.send(new ModifyListenerCommand({ ListenerArn: String(l80?.ListenerArn), DefaultActions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "503" } }] }));
      const extra = await env.elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Port: 9000, Protocol: "HTTP", DefaultActions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "200" } }] }));
      expect(extra.Listeners?.[0]?.ListenerArn).toBeTruthy();

      // The changes above are five calls; a poll may land between them, so the drift can arrive
      // in more than one DriftDetected event. Together they must name every field.
      const driftMessages = async (): Promise<string> =>
        (await eventsFor(env.ns, name))
          .filter((e) => e.reason === "DriftDetected")
          .map((e) => e.message)
          .join("\n");
      const drifted = ["tags", "targetGroups[web].healthCheck.path", "targetGroups[web].targets", "listeners[80].defaultAction", "listeners[9000]"];
      await expect
        .poll(async () => {
          const messages = await driftMessages();
          return drifted.filter((f) => !messages.includes(f));
        }, WAIT)
        .toEqual([]);

      await expect.poll(async () => (await tagsOf(env.elb, lbArn)).team, WAIT).toBe("web");
      await expect.poll(async () => (await describeTg(env.elb, targetGroupName(name, "web")))?.HealthCheckPath, WAIT).toBe("/healthz");
      // The drift may have arrived over several polls, so its corrections may too: wait for each.
      await expect.poll(() => targetIds(env.elb, tgArn), WAIT).toEqual(["172.31.0.10:80", "172.31.0.11:80"]);
      await expect.poll(async () => (await listenersOf(env.elb, lbArn)).map((l) => l.Port).sort(), WAIT).toEqual([80, 8080]);
      await expect.poll(async () => (await listenersOf(env.elb, lbArn)).find((l) => l.Port === 80)?.DefaultActions?.[0], WAIT).toMatchObject({ Type: "forward", TargetGroupArn: tgArn });
      await expect.poll(async () => (await env.view(name))?.status?.drift?.corrected, WAIT).toBe(true);
      // status.drift holds the last of those drifts: some of the fields, each one of the changes made.
      const fields = (await env.view(name))?.status?.drift?.fields.map((f) => f.path) ?? [];
      expect(fields.length).toBeGreaterThan(0);
      for (const field of fields) expect(drifted.some((d) => field.startsWith(d)), field).toBe(true);
    } finally {
      await env.close();
    }
  });

  it("imports a load balancer made outside Terraplane read-only: Ready, atProvider mirrors the cloud, nothing written", async () => {
    const env = await environment("eu-central-1", { proxy: true });
    const proxy = env.proxy ?? fail();
    try {
      const name = uniqueName("legacy");
      const created = await env.elb.send(new CreateLoadBalancerCommand({ Name: name, Subnets: env.subnets.slice(0, 2), Type: "application", Scheme: "internal", Tags: [{ Key: "owner", Value: "ops" }] }));
      const lbArn = String(created.LoadBalancers?.[0]?.LoadBalancerArn);
      const tg = await env.elb.send(new CreateTargetGroupCommand({ Name: `${name}-tg`, Protocol: "HTTP", Port: 80, VpcId: env.vpcId, TargetType: "ip" }));
      const tgArn = String(tg.TargetGroups?.[0]?.TargetGroupArn);
      await env.elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Port: 80, Protocol: "HTTP", DefaultActions: [{ Type: "forward", TargetGroupArn: tgArn }] }));
      proxy.resetStats();

      await env.apply(
        "imported",
        { region: env.region, type: "application", scheme: "internal", subnets: env.subnets.slice(0, 2) },
        { spec: { managementPolicies: ["Observe"] }, annotations: { [Annotations.externalName]: name } },
      );
      await waitReady(env, "imported");
      const mr = await env.view("imported");
      expect(condition(mr, "Synced")).toMatchObject({ status: "True" });
      expect(mr?.metadata.finalizers ?? []).not.toContain(FINALIZER);
      const at = AtProvider.parse(mr?.status?.atProvider);
      expect(at).toMatchObject({ arn: lbArn, scheme: "internal", vpcId: env.vpcId, state: "active" });
      expect(at.listeners).toMatchObject([{ port: 80, defaultAction: { type: "forward", targetGroupArn: tgArn } }]);
      expect(at.targetGroups).toMatchObject([{ targetGroupName: `${name}-tg`, arn: tgArn }]);
      expect(at.targetGroups[0]?.name).toBeUndefined(); // not one of Terraplane's
      expect(mr?.spec.forProvider.ipAddressType).toBeUndefined(); // LateInitialize is not allowed either

      // Several more polls, and still nothing but reads.
      await new Promise((r) => setTimeout(r, 5_000));
      expect(mutatingCalls(proxy)).toEqual({});
      expect(requests(proxy, "DescribeLoadBalancers")).toBeGreaterThan(1);
      expect(await tagsOf(env.elb, lbArn)).toEqual({ owner: "ops" });

      await kubectlOk(["delete", RESOURCE, "imported", "-n", env.ns, "--timeout=30s"]);
      expect(await describeLb(env.elb, name)).toBeDefined(); // never deleted: Delete is not allowed
      await env.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lbArn }));
      await env.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tgArn }));
    } finally {
      await env.close();
    }
  });

  it("deletes the load balancer and everything it made; with deletionPolicy Orphan leaves the cloud alone", async () => {
    const env = await environment("eu-west-2");
    try {
      const gone = uniqueName("gone");
      const kept = uniqueName("kept");
      await env.apply(gone, webSpec(env));
      await env.apply(kept, webSpec(env), { spec: { deletionPolicy: "Orphan" } });
      await waitReady(env, gone);
      await waitReady(env, kept);
      const goneArn = await lbArnOf(env.elb, gone);

      await kubectlOk(["delete", RESOURCE, gone, "-n", env.ns, "--timeout=45s"]);
      expect(await env.view(gone)).toBeUndefined();
      expect(await describeLb(env.elb, gone)).toBeUndefined();
      expect(await describeTg(env.elb, targetGroupName(gone, "web"))).toBeUndefined();
      await expect(env.elb.send(new DescribeListenersCommand({ LoadBalancerArn: goneArn }))).rejects.toThrow();
      expect(await reasons(env.ns, gone)).toEqual(expect.arrayContaining(["DeletingExternalResource", "DeletedExternalResource"]));

      await kubectlOk(["delete", RESOURCE, kept, "-n", env.ns, "--timeout=45s"]);
      expect(await env.view(kept)).toBeUndefined();
      const keptArn = await lbArnOf(env.elb, kept);
      expect((await listenersOf(env.elb, keptArn)).length).toBe(2);
      const tg = await tgOf(env.elb, kept, "web");
      // Clean up what was orphaned on purpose.
      await env.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: keptArn }));
      await env.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tg.TargetGroupArn }));
    } finally {
      await env.close();
    }
  });

  it("rejects invalid specs at admission with messages that say what to do", async () => {
    const env = await environment("ap-south-1");
    try {
      const reject = async (name: string, forProvider: Record<string, unknown>): Promise<string> => {
        const out = await kubectl(["apply", "-f", "-"], env.manifest(name, forProvider, {}));
        expect(out.code).not.toBe(0);
        return out.stderr;
      };
      const base = webSpec(env);
      expect(await reject("bad-type", { ...base, type: "classic" })).toMatch(/spec.forProvider.type: Unsupported value: "classic"/);
      expect(await reject("bad-https", { ...base, listeners: [{ port: 443, protocol: "HTTPS", defaultAction: { forward: { targetGroupName: "web" } } }] })).toContain(
        "certificateArn is required for HTTPS and TLS listeners",
      );
      expect(
        await reject("bad-action", { ...base, listeners: [{ port: 80, protocol: "HTTP", defaultAction: { forward: { targetGroupName: "web" }, fixedResponse: { statusCode: "404" } } }] }),
      ).toContain("defaultAction needs exactly one of forward, redirect or fixedResponse");
      expect(await reject("bad-forward", { ...base, listeners: [{ port: 80, protocol: "HTTP", defaultAction: { forward: { targetGroupName: "nope" } } }] })).toContain(
        "must name one of this LoadBalancer's targetGroups",
      );
      expect(await reject("bad-nlb", { ...base, type: "network", securityGroups: ["sg-0123"] })).toContain("securityGroups apply to application load balancers only");
      expect(await reject("bad-proto", { ...base, listeners: [{ port: 80, protocol: "TCP", defaultAction: { forward: { targetGroupName: "web" } } }] })).toContain(
        "listener protocols must be HTTP or HTTPS for an application load balancer",
      );

      // Immutable fields, on a resource that exists.
      const name = uniqueName("imm");
      await env.apply(name, base);
      await waitReady(env, name);
      const patch = (p: unknown): ReturnType<typeof kubectl> => kubectl(["patch", RESOURCE, name, "-n", env.ns, "--type=merge", "-p", JSON.stringify({ spec: { forProvider: p } })]);
      const scheme = await patch({ scheme: "internal" });
      expect(scheme.code).not.toBe(0);
      expect(scheme.stderr).toContain("scheme is immutable: create a new LoadBalancer");
      const tgPort = await patch({ targetGroups: [{ ...(base.targetGroups as Record<string, unknown>[])[0], port: 8080 }] });
      expect(tgPort.stderr).toContain("a target group's port is immutable: to change it, add a target group under a new name");

    } finally {
      await env.close();
    }
  });

  it("reports names and parameters the cloud refuses in Synced, without a hot loop", async () => {
    const env = await environment("ap-northeast-2", { proxy: true, pollIntervalMs: 4_000 });
    const proxy = env.proxy ?? fail();
    try {
      const base = webSpec(env);
      // A name ELB refuses (Kubernetes allows dots): reported, nothing created.
      await env.apply("not.a.valid.lb.name", base);
      await expect.poll(async () => condition(await env.view("not.a.valid.lb.name"), "Synced")?.message, WAIT).toContain("cannot be an ELB load balancer name");
      expect(mutatingCalls(proxy)).toEqual({});

      // Valid for the API server, refused by the cloud: a VPC that does not exist.
      proxy.resetStats();
      const bad = uniqueName("badvpc");
      await env.apply(bad, { ...base, targetGroups: [{ name: "web", protocol: "HTTP", port: 80, vpcId: "vpc-00000000000000000" }], listeners: [] });
      await expect.poll(async () => condition(await env.view(bad), "Synced"), WAIT).toMatchObject({ status: "False" });
      const synced = condition(await env.view(bad), "Synced");
      expect(synced?.message).toContain("elasticloadbalancing:CreateTargetGroup");
      expect(synced?.message).toContain("The VPC ID 'vpc-00000000000000000' is not found");
      expect(synced?.message).toContain("ValidationError");
      const first = requests(proxy, "CreateTargetGroup");
      await new Promise((r) => setTimeout(r, 6_000));
      const after = requests(proxy, "CreateTargetGroup");
      // Terminal: retried at the poll interval (4 s), not with backoff from 1 s or hot.
      expect(after - first).toBeLessThanOrEqual(2);
      expect(await countNamed(env.elb, bad)).toBe(1);
    } finally {
      await env.close();
    }
  });

  it("converges behind 30 % throttling and stays correct", async () => {
    const env = await environment("ap-southeast-1", { proxy: true, pollIntervalMs: 1_500 });
    try {
      env.proxy?.setFaults({ rules: [{ fault: "throttle", rate: 0.3, match: { service: SERVICE } }] });
      const name = uniqueName("thr");
      await env.apply(name, webSpec(env));
      await waitReady(env, name, 90_000);
      await expect.poll(() => settled(env, name), { timeout: 90_000, interval: 250 }).toBe(true);
      const stats = env.proxy?.stats().services[SERVICE];
      expect(stats?.total.faults.throttle).toBeGreaterThan(0);

      // Exactly one of everything, as spec says.
      expect(await countNamed(env.elb, name)).toBe(1);
      const lbArn = await lbArnOf(env.elb, name);
      expect((await listenersOf(env.elb, lbArn)).map((l) => l.Port).sort()).toEqual([80, 8080]);
      expect(await targetIds(env.elb, (await tgOf(env.elb, name, "web")).TargetGroupArn)).toEqual(["172.31.0.10:80", "172.31.0.11:80"]);

      // And it stays that way through more polls under throttling.
      await new Promise((r) => setTimeout(r, 6_000));
      expect(await countNamed(env.elb, name)).toBe(1);
      expect((await listenersOf(env.elb, lbArn)).length).toBe(2);
      expect(condition(await env.view(name), "Ready")?.status).toBe("True");
      expect(await reasons(env.ns, name)).not.toContain("DriftDetected");
    } finally {
      env.proxy?.setFaults({ rules: [] });
      await env.close();
    }
  });

  it("makes no mutating call in ten poll cycles once converged (no perpetual diff)", async () => {
    const env = await environment("ap-southeast-2", { proxy: true, pollIntervalMs: 1_000 });
    try {
      const name = uniqueName("quiet");
      await env.apply(
        name,
        webSpec(env, {
          listeners: [
            { port: 80, protocol: "HTTP", defaultAction: { forward: { targetGroupName: "web" } } },
            { port: 8080, protocol: "HTTP", defaultAction: { redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_302" } } },
            { port: 8081, protocol: "HTTP", defaultAction: { fixedResponse: { statusCode: "404" } } },
            { port: 443, protocol: "HTTPS", certificateArn: CERT, defaultAction: { forward: { targetGroupName: "web" } } },
          ],
        }),
      );
      await waitReady(env, name);
      await expect.poll(() => settled(env, name), WAIT).toBe(true);
      await new Promise((r) => setTimeout(r, 1_500)); // let any in-flight reconcile finish
      const proxy = env.proxy ?? fail();
      proxy.resetStats();
      // Ten full poll cycles (each observes with one DescribeLoadBalancers), however long they take on a busy machine.
      const polls = (): number => proxy.stats().services[SERVICE]?.operations.DescribeLoadBalancers?.requests ?? 0;
      await expect.poll(polls, { timeout: 60_000, interval: 500 }).toBeGreaterThanOrEqual(11);
      expect(mutatingCalls(proxy)).toEqual({});
      expect((await reasons(env.ns, name)).filter((r) => r === "UpdatedExternalResource" || r === "DriftDetected")).toEqual([]);
      expect((await env.view(name))?.spec.forProvider.listeners).toEqual(expect.arrayContaining([expect.objectContaining({ port: 443, sslPolicy: "ELBSecurityPolicy-2016-08" })]));
    } finally {
      await env.close();
    }
  });

  it("serves examples/aws/loadbalancer.yaml as written (its sandbox subnets swapped for this moto's, which may predate seeding)", async () => {
    const env = await environment("us-east-1");
    try {
      const text = readFileSync(join(import.meta.dirname, "..", "examples", "aws", "loadbalancer.yaml"), "utf8")
        .replaceAll(SANDBOX_SUBNETS["us-east-1a"], env.subnets[0] ?? "")
        .replaceAll(SANDBOX_SUBNETS["us-east-1b"], env.subnets[1] ?? "");
      const example = ExampleShape.parse(parse(text));
      const name = uniqueName("example");
      // Only where it lives changes: this test's namespace and ProviderConfig.
      const manifestJson = {
        ...example,
        metadata: { ...example.metadata, name, namespace: env.ns },
        spec: { ...example.spec, providerConfigRef: { kind: "ProviderConfig", name: "default-aws" } },
      };
      await kubectlOk(["apply", "-f", "-"], JSON.stringify(manifestJson));
      await waitReady(env, name);
      await expect.poll(() => settled(env, name), WAIT).toBe(true);
      const lbArn = await lbArnOf(env.elb, name);
      const listeners = await listenersOf(env.elb, lbArn);
      expect(listeners.map((l) => [l.Port, l.Protocol, l.DefaultActions?.[0]?.Type]).sort()).toEqual([
        [443, "HTTPS", "forward"],
        [80, "HTTP", "redirect"],
        [8080, "HTTP", "fixed-response"],
      ]);
      const tg = await tgOf(env.elb, name, "app");
      expect(tg).toMatchObject({ Port: 8080, HealthCheckPath: "/healthz", HealthCheckIntervalSeconds: 15, Matcher: { HttpCode: "200-299" } });
      expect(await targetIds(env.elb, tg.TargetGroupArn)).toEqual(["172.31.10.11:8080", "172.31.20.12:8080"]);
    } finally {
      await env.close();
    }
  });

  it("finds the load balancer of a create that timed out instead of creating a second, and never adopts someone else's", async () => {
    const env = await environment("sa-east-1");
    try {
      // A create that reached the cloud but whose answer was lost: the load balancer exists, tagged
      // with the object's uid, and the object only has its create-pending marker.
      const name = uniqueName("retry");
      await env.apply(name, webSpec(env), { annotations: { [Annotations.paused]: "true" } });
      await expect.poll(async () => condition(await env.view(name), "Synced")?.reason, WAIT).toBe("ReconcilePaused");
      const uid = (await kubectlOk(["get", RESOURCE, name, "-n", env.ns, "-o", "jsonpath={.metadata.uid}"])).trim();
      await env.elb.send(
        new CreateLoadBalancerCommand({
          Name: name,
          Subnets: env.subnets.slice(0, 2),
          Tags: [
            { Key: OwnerTags.managedBy, Value: "terraplane" },
            { Key: OwnerTags.resource, Value: `LoadBalancer/${env.ns}/${name}` },
            { Key: OwnerTags.uid, Value: uid },
            { Key: "team", Value: "web" },
          ],
        }),
      );
      await kubectlOk(["annotate", RESOURCE, name, "-n", env.ns, `${Annotations.createPending}=${new Date().toISOString()}`, `${Annotations.paused}-`]);
      await waitReady(env, name);
      await expect.poll(() => settled(env, name), WAIT).toBe(true);
      expect(await countNamed(env.elb, name)).toBe(1); // moto itself would happily create a second one
      expect((await listenersOf(env.elb, await lbArnOf(env.elb, name))).length).toBe(2);
      expect(await reasons(env.ns, name)).not.toContain("CreatedExternalResource");

      // Someone else's load balancer under the same name: reported, not adopted, not duplicated.
      const taken = uniqueName("taken");
      await env.elb.send(new CreateLoadBalancerCommand({ Name: taken, Subnets: env.subnets.slice(0, 2), Tags: [{ Key: "owner", Value: "ops" }] }));
      await env.apply(taken, webSpec(env));
      await expect.poll(async () => condition(await env.view(taken), "Synced")?.message, WAIT).toContain(
        `load balancer "${taken}" already exists and was not created by this LoadBalancer: to adopt it, set the terraplane.dev/external-name annotation`,
      );
      expect(await countNamed(env.elb, taken)).toBe(1);
      expect(await tagsOf(env.elb, await lbArnOf(env.elb, taken))).toEqual({ owner: "ops" });
      await kubectlOk(["delete", RESOURCE, taken, "-n", env.ns, "--timeout=30s"]);
      expect(await describeLb(env.elb, taken)).toBeDefined(); // not ours to delete
      await env.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: await lbArnOf(env.elb, taken) }));
    } finally {
      await env.close();
    }
  });
});
