import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTargetGroupCommand, DeleteTargetGroupCommand, DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { nopLogger } from "../core/log.ts";
import { Annotations } from "../core/managed.ts";
import { Manager } from "../core/manager.ts";
import { loadBalancer as awsLoadBalancer } from "../providers/aws/loadbalancer/index.ts";
import { targetGroupName } from "../providers/aws/loadbalancer/names.ts";
import { cdn as gcpCdn } from "../providers/gcp/cdn/index.ts";
import { loadBalancer as gcpLoadBalancer } from "../providers/gcp/loadbalancer/index.ts";
import { allCrds } from "../providers/index.ts";
import { seededRandom, startFaultProxy } from "../sandbox/faultproxy/index.ts";
import type { FaultProxy } from "../sandbox/faultproxy/index.ts";
import { awsClientConfig } from "./harness/aws.ts";
import { createAwsProviderConfig } from "./harness/aws-provider.ts";
import { mutatingCalls } from "./harness/environment.ts";
import { closeClients, computeClients, gcpEmulatorControl, orUndefined, uniqueProject } from "./harness/gcp.ts";
import { createGcpProviderConfig } from "./harness/gcp-provider.ts";
import { kubeConfig, kubectl, kubectlOk, testNamespace } from "./harness/kube.ts";
import { applyCrds, condition } from "./harness/managed.ts";
import { uniqueName } from "./harness/names.ts";
import { AWS, GCP_REGION, GOOGLE, resource } from "./harness/terraform.ts";
import { awsAttachmentAttributes, awsLbAttributes, awsListenerAttributes, awsTargetGroupAttributes, createAwsLoadBalancer, defaultNetwork } from "./harness/terraform-lb-aws.ts";
import type { AwsLbMade } from "./harness/terraform-lb-aws.ts";
import {
  backendBucketAttributes,
  backendServiceAttributes,
  createGcpCdn,
  createGcpLoadBalancer,
  forwardingRuleAttributes,
  globalAddressAttributes,
  healthCheckAttributes,
  httpProxyAttributes,
  urlMapAttributes,
} from "./harness/terraform-lb-gcp.ts";
import type { GcpCdnMade, GcpLbMade } from "./harness/terraform-lb-gcp.ts";

// Issue 11 item 2 end to end: the composite kinds adopt what Terraform named. An application load
// balancer (moto), a global external Application Load Balancer and a Cloud CDN (the GCP emulator)
// are made with the official SDKs under Terraform-style names that Terraplane would never derive;
// a v4 state describes them; then the real CLI: `import terraform` writes every part's name into
// terraplane.dev/external-names → `kubectl apply` → Ready, `plan` exits 0 with zero mutating calls
// at the fault proxies → `adopt` → a spec edit reaches the Terraform-named parts → deleting with
// Orphan leaves every part. A part under a derived name that nobody named stays refused.

const MAIN = new URL("../cli/main.ts", import.meta.url).pathname;
const REGION = "eu-south-1";
const PC = "tf";
const WAIT = { timeout: 90_000, interval: 500 };
const AWS_MUTATING = (op: string): boolean => !/^(Describe|List|Get)/.test(op);
const COMPUTE_MUTATING = (op: string): boolean => /\.(insert|patch|update|delete|set[A-Z]\w*)$/.test(op);
const KINDS = ["loadbalancers.aws.terraplane.dev", "loadbalancers.gcp.terraplane.dev", "cdns.gcp.terraplane.dev"] as const;

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(args: readonly string[]): Promise<CliResult> {
  const env = { ...process.env, KUBECONFIG: inject("sandbox").kubeconfig };
  return new Promise((done) => {
    execFile(process.execPath, ["--disable-warning=ExperimentalWarning", MAIN, ...args], { env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const PlanJson = z.object({
  resources: z.array(z.object({ kind: z.string(), name: z.string(), action: z.string(), reason: z.string().optional(), source: z.string().optional() })),
  exitCode: z.number(),
});

const ManifestShape = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.object({ name: z.string(), annotations: z.record(z.string(), z.string()) }),
  spec: z.record(z.string(), z.unknown()),
});

describe("Terraform migration of the composite kinds: every part keeps the name Terraform gave it", () => {
  let ns: { name: string; cleanup: () => Promise<void> };
  let awsProxy: FaultProxy;
  let gcpProxy: FaultProxy;
  let project: string;
  let manager: Manager | undefined;
  let dir: string;
  let importRun: CliResult;
  let aws: AwsLbMade;
  let lb: GcpLbMade;
  let cdn: GcpCdnMade;
  const elb = new ElasticLoadBalancingV2Client(awsClientConfig({ region: REGION, direct: true }));
  const compute = computeClients({ direct: true });
  const mutating = (): Record<string, number> => ({ ...mutatingCalls(awsProxy, "elasticloadbalancing", AWS_MUTATING), ...mutatingCalls(gcpProxy, "compute", COMPUTE_MUTATING) });
  const inNs = (args: string[]): string[] => [...args, "-n", ns.name];
  const planJson = async (args: string[]): Promise<{ run: CliResult; json: z.infer<typeof PlanJson> }> => {
    const run = await cli(inNs(["plan", ...args, "-o", "json"]));
    return { run, json: PlanJson.parse(JSON.parse(run.stdout)) };
  };
  const manifests = async (): Promise<z.infer<typeof ManifestShape>[]> => {
    const files = await readdir(join(dir, "manifests"));
    return Promise.all(files.map(async (f) => ManifestShape.parse(parse(await readFile(join(dir, "manifests", f), "utf8")))));
  };
  const nameOf = async (kind: string): Promise<string> => (await planJson([kind])).json.resources[0]?.name ?? "";
  const targetGroupOf = async (name: string) => (await elb.send(new DescribeTargetGroupsCommand({ Names: [name] }))).TargetGroups?.[0];

  beforeAll(async () => {
    await applyCrds(allCrds());
    ns = await testNamespace("tfmiglb");
    const sandbox = inject("sandbox");
    awsProxy = await startFaultProxy({ upstream: sandbox.motoEndpoint, random: seededRandom(21) });
    gcpProxy = await startFaultProxy({ upstream: sandbox.gcpEmulatorEndpoint, random: seededRandom(22) });
    project = uniqueProject("tfmiglb");
    await gcpEmulatorControl().setConfig({ operationDelayMs: 200 }, project);
    await createAwsProviderConfig(ns.name, { endpoint: awsProxy.url, region: REGION, name: PC });
    await createGcpProviderConfig(ns.name, project, { endpoint: gcpProxy.url, region: GCP_REGION, name: PC, credentials: "ApplicationDefault" });

    const suffix = uniqueName("x").slice(2);
    aws = await createAwsLoadBalancer(elb, { lb: `shop-alb-${suffix}`, targetGroup: `tf-web-${suffix}` }, await defaultNetwork(REGION));
    lb = await createGcpLoadBalancer(compute, project, { healthCheck: "web-health", backendService: "web-backend", urlMap: "web-url-map", proxy: "web-http-proxy", address: "web-ip-address", forwardingRule: "web-http-rule" });
    cdn = await createGcpCdn(compute, project, { backendBucket: "assets-backend-bucket", bucket: "assets-bucket", urlMap: "assets-url-map", proxy: "assets-http-proxy", address: "assets-ip", forwardingRule: "assets-http-rule" });
    const tgArn = aws.targetGroup.TargetGroupArn ?? "";
    const g = (type: string, name: string, attributes: Record<string, unknown>): Record<string, unknown> => resource({ type, name, provider: GOOGLE, schemaVersion: 0, attributes });
    const state = {
      version: 4,
      terraform_version: "1.9.8",
      serial: 12,
      lineage: "8a1d2c3e-0b4f-4e6a-9c7d-1e2f3a4b5c6d",
      outputs: {},
      resources: [
        resource({ type: "aws_lb", name: "shop", provider: AWS, schemaVersion: 0, attributes: awsLbAttributes(aws.lb, REGION) }),
        resource({ type: "aws_lb_target_group", name: "web", provider: AWS, schemaVersion: 0, attributes: awsTargetGroupAttributes(aws.targetGroup, aws.lb.LoadBalancerArn ?? "", REGION) }),
        resource({ type: "aws_lb_listener", name: "http", provider: AWS, schemaVersion: 0, attributes: awsListenerAttributes(aws.listener, tgArn, REGION) }),
        resource({ type: "aws_lb_target_group_attachment", name: "web", provider: AWS, schemaVersion: 0, attributes: awsAttachmentAttributes(tgArn, aws.target, REGION) }),
        g("google_compute_health_check", "web", healthCheckAttributes(lb.healthCheck, project)),
        g("google_compute_backend_service", "web", backendServiceAttributes(lb.backendService, project)),
        g("google_compute_url_map", "web", urlMapAttributes(lb.urlMap, project)),
        g("google_compute_target_http_proxy", "web", httpProxyAttributes(lb.proxy, project)),
        g("google_compute_global_address", "web", globalAddressAttributes(lb.address, project)),
        g("google_compute_global_forwarding_rule", "web", forwardingRuleAttributes(lb.forwardingRule, project)),
        g("google_compute_backend_bucket", "assets", backendBucketAttributes(cdn.backendBucket, project)),
        g("google_compute_url_map", "assets", urlMapAttributes(cdn.urlMap, project)),
        g("google_compute_target_http_proxy", "assets", httpProxyAttributes(cdn.proxy, project)),
        g("google_compute_global_address", "assets", globalAddressAttributes(cdn.address, project)),
        g("google_compute_global_forwarding_rule", "assets", forwardingRuleAttributes(cdn.forwardingRule, project)),
      ],
      check_results: null,
    };
    dir = await mkdtemp(join(tmpdir(), "tfmiglb-"));
    await writeFile(join(dir, "terraform.tfstate"), JSON.stringify(state, null, 2));
    importRun = await cli(["import", "terraform", join(dir, "terraform.tfstate"), "-n", ns.name, "--provider-config", `ProviderConfig/${PC}`, "-o", join(dir, "manifests")]);
    manager = new Manager({ kc: kubeConfig(), kinds: [awsLoadBalancer, gcpLoadBalancer, gcpCdn], log: nopLogger, namespace: ns.name, concurrency: 4, pollIntervalMs: 2_000, progressIntervalMs: 500 });
    await manager.start();
  });

  afterAll(async () => {
    await kubectl(["delete", KINDS.join(","), "--all", "-n", ns.name, "--wait=true", "--timeout=60s"]);
    await manager?.stop(2_000);
    await Promise.all([awsProxy?.close(), gcpProxy?.close()]);
    elb.destroy();
    await closeClients(compute);
    await gcpEmulatorControl().reset(project);
    await ns.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it("import maps the three composites, nothing dropped, every part named in terraplane.dev/external-names", async () => {
    expect(importRun.code, importRun.stderr).toBe(0);
    const byKind = Object.fromEntries((await manifests()).map((m) => [`${m.apiVersion.split(".")[0]}/${m.kind}`, m.metadata.annotations]));
    expect(Object.keys(byKind).sort()).toEqual(["aws/LoadBalancer", "gcp/CDN", "gcp/LoadBalancer"]);
    for (const annotations of Object.values(byKind)) expect(annotations["terraplane.dev/import-dropped"]).toBeUndefined();
    const named = (key: string): unknown => JSON.parse(byKind[key]?.[Annotations.externalNames] ?? "null");
    expect(named("aws/LoadBalancer")).toEqual({ [`targetGroups[${(aws.targetGroup.TargetGroupName ?? "").slice(0, 32)}]`]: aws.targetGroup.TargetGroupName });
    expect(named("gcp/LoadBalancer")).toEqual({ healthCheck: "web-health", "backendServices[web-backend]": "web-backend", urlMap: "web-url-map", targetProxy: "web-http-proxy", forwardingRule: "web-http-rule" });
    expect(named("gcp/CDN")).toEqual({ backend: "assets-backend-bucket", urlMap: "assets-url-map", targetProxy: "assets-http-proxy", forwardingRule: "assets-http-rule" });
  });

  it("applied: all Ready, plan exits 0 for every one, and no mutating call reaches the clouds", async () => {
    awsProxy.resetStats();
    gcpProxy.resetStats();
    await kubectlOk(["apply", "-f", join(dir, "manifests")]);
    for (const kind of KINDS) await kubectlOk(["wait", kind, "--all", "-n", ns.name, "--for=condition=Ready", "--timeout=90s"]);
    await expect.poll(async () => (await planJson([])).json.resources.map((r) => `${r.kind}:${r.action}:${r.source ?? ""}`).sort(), WAIT).toEqual([
      "CDN:none:controller",
      "LoadBalancer:none:controller",
      "LoadBalancer:none:controller",
    ]);
    const { run } = await planJson([]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    for (const kind of ["loadbalancer.aws.terraplane.dev", "loadbalancer.gcp.terraplane.dev", "cdn.gcp.terraplane.dev"]) {
      const one = await cli(inNs(["plan", kind, "--observe"]));
      expect(one.code, `${kind}: ${one.stdout}${one.stderr}`).toBe(0);
      expect(one.stdout).toContain("no changes: the cloud resource matches spec");
    }
    expect(mutating()).toEqual({});
  });

  it("a part under a derived name that nobody named is refused: Synced=False, saying how to name it, and nothing written", async () => {
    const manifest = (await manifests()).find((m) => m.apiVersion.startsWith("gcp.") && m.kind === "LoadBalancer");
    if (!manifest) throw new Error("no gcp LoadBalancer manifest");
    const base = manifest.metadata.annotations[Annotations.externalName] ?? "";
    const [op] = await compute.healthChecks.insert({ project, healthCheckResource: { name: `${base}-hc`, type: "TCP", tcpHealthCheck: { port: 80 } } });
    await compute.globalOperations.wait({ project, operation: op.latestResponse?.name ?? "" });
    const { healthCheck: _named, ...others } = JSON.parse(manifest.metadata.annotations[Annotations.externalNames] ?? "{}") as Record<string, string>;
    const name = `${manifest.metadata.name}-partial`;
    const copy = { ...manifest, metadata: { name, namespace: ns.name, annotations: { ...manifest.metadata.annotations, [Annotations.externalNames]: JSON.stringify(others) } } };
    gcpProxy.resetStats();
    await kubectlOk(["apply", "-f", "-"], JSON.stringify(copy));
    const synced = async (): Promise<string> => {
      const view = JSON.parse(await kubectlOk(["get", `loadbalancers.gcp.terraplane.dev/${name}`, "-n", ns.name, "-o", "json"])) as Parameters<typeof condition>[0];
      const c = condition(view, "Synced");
      return `${c?.status ?? ""}: ${c?.message ?? ""}`;
    };
    await expect.poll(synced, WAIT).toMatch(/^False: /);
    expect(await synced()).toContain(`health check "${base}-hc" already exists and was not created by this LoadBalancer, and terraplane.dev/external-names does not name it`);
    expect(await synced()).toContain(`add {"healthCheck":"${base}-hc"} to the annotation`);
    expect(mutatingCalls(gcpProxy, "compute", COMPUTE_MUTATING)).toEqual({});
    await kubectlOk(["delete", `loadbalancers.gcp.terraplane.dev/${name}`, "-n", ns.name, "--wait=true", "--timeout=60s"]);
    expect(await orUndefined(() => compute.healthChecks.get({ project, healthCheck: `${base}-hc` }))).toBeDefined();
  });

  it("aws: a target group under the derived name that nobody named is refused the same way", async () => {
    const manifest = (await manifests()).find((m) => m.apiVersion.startsWith("aws.") && m.kind === "LoadBalancer");
    if (!manifest) throw new Error("no aws LoadBalancer manifest");
    const key = z.object({ targetGroups: z.array(z.object({ name: z.string() })) }).parse(manifest.spec.forProvider).targetGroups[0]?.name ?? "";
    const derived = targetGroupName(aws.lb.LoadBalancerName ?? "", key);
    await elb.send(new CreateTargetGroupCommand({ Name: derived, Protocol: "HTTP", Port: 8080, VpcId: aws.targetGroup.VpcId, TargetType: "ip" }));
    const name = `${manifest.metadata.name}-partial`;
    const { [Annotations.externalNames]: _named, ...annotations } = manifest.metadata.annotations;
    awsProxy.resetStats();
    await kubectlOk(["apply", "-f", "-"], JSON.stringify({ ...manifest, metadata: { name, namespace: ns.name, annotations } }));
    const synced = async (): Promise<string> => {
      const c = condition(JSON.parse(await kubectlOk(["get", `loadbalancers.aws.terraplane.dev/${name}`, "-n", ns.name, "-o", "json"])) as Parameters<typeof condition>[0], "Synced");
      return `${c?.status ?? ""}: ${c?.message ?? ""}`;
    };
    await expect.poll(synced, WAIT).toMatch(/^False: /);
    expect(await synced()).toContain(`target group "${derived}" (targetGroups[${key}]) already exists and was not created by this LoadBalancer: to adopt exactly this one`);
    expect(mutatingCalls(awsProxy, "elasticloadbalancing", AWS_MUTATING)).toEqual({});
    await kubectlOk(["delete", `loadbalancers.aws.terraplane.dev/${name}`, "-n", ns.name, "--wait=true", "--timeout=60s"]);
    expect((await targetGroupOf(derived))?.TargetGroupName).toBe(derived);
    await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: (await targetGroupOf(derived))?.TargetGroupArn ?? "" }));
  });

  it("after adopt, a spec edit reaches the parts Terraform named, and no part is made under a derived name", async () => {
    const names = { aws: await nameOf("loadbalancer.aws.terraplane.dev"), lb: await nameOf("loadbalancer.gcp.terraplane.dev"), cdn: await nameOf("cdn.gcp.terraplane.dev") };
    const adopt = await cli(inNs(["adopt", `loadbalancer.aws.terraplane.dev/${names.aws}`, `loadbalancer.gcp.terraplane.dev/${names.lb}`, `cdn.gcp.terraplane.dev/${names.cdn}`]));
    expect(adopt.code, adopt.stdout + adopt.stderr).toBe(0);
    expect(adopt.stdout).toContain("terraform state rm 'aws_lb_target_group.web'");
    expect(adopt.stdout).toContain("terraform state rm 'google_compute_health_check.web'");
    expect(adopt.stdout).toContain("terraform state rm 'google_compute_backend_bucket.assets'");
    awsProxy.resetStats();
    gcpProxy.resetStats();
    const patch = async (resource: string, path: string, value: unknown): Promise<void> => {
      await kubectlOk(["patch", resource, "-n", ns.name, "--type=json", "-p", JSON.stringify([{ op: "replace", path, value }])]);
    };
    await patch(`loadbalancers.aws.terraplane.dev/${names.aws}`, "/spec/forProvider/targetGroups/0/healthCheck/path", "/ready");
    await patch(`loadbalancers.gcp.terraplane.dev/${names.lb}`, "/spec/forProvider/healthCheck/requestPath", "/ready");
    await patch(`cdns.gcp.terraplane.dev/${names.cdn}`, "/spec/forProvider/defaultTtl", 600);
    const tgName = aws.targetGroup.TargetGroupName ?? "";
    await expect.poll(async () => (await targetGroupOf(tgName))?.HealthCheckPath, WAIT).toBe("/ready");
    await expect.poll(async () => (await compute.healthChecks.get({ project, healthCheck: "web-health" }))[0].httpHealthCheck?.requestPath, WAIT).toBe("/ready");
    await expect.poll(async () => Number((await compute.backendBuckets.get({ project, backendBucket: "assets-backend-bucket" }))[0].cdnPolicy?.defaultTtl), WAIT).toBe(600);
    const made = Object.keys(mutating()).filter((op) => /^Create|\.insert$/.test(op));
    expect(made).toEqual([]);
    expect(mutating()).toMatchObject({ ModifyTargetGroup: 1 });
    const key = (await manifests()).flatMap((m) => (m.apiVersion.startsWith("aws.") ? z.object({ targetGroups: z.array(z.object({ name: z.string() })) }).parse(m.spec.forProvider).targetGroups : []))[0]?.name ?? "";
    await expect(targetGroupOf(targetGroupName(aws.lb.LoadBalancerName ?? "", key))).rejects.toThrow(/not found|TargetGroupNotFound/i);
  });

  it("deleting what was adopted without --allow-delete leaves every part in the cloud", async () => {
    awsProxy.resetStats();
    gcpProxy.resetStats();
    for (const kind of KINDS) await kubectlOk(["delete", kind, "--all", "-n", ns.name, "--wait=true", "--timeout=60s"]);
    expect(mutating()).toEqual({});
    expect((await targetGroupOf(aws.targetGroup.TargetGroupName ?? ""))?.TargetGroupArn).toBe(aws.targetGroup.TargetGroupArn);
    const parts = await Promise.all([
      orUndefined(() => compute.globalForwardingRules.get({ project, forwardingRule: "web-http-rule" })),
      orUndefined(() => compute.targetHttpProxies.get({ project, targetHttpProxy: "web-http-proxy" })),
      orUndefined(() => compute.urlMaps.get({ project, urlMap: "web-url-map" })),
      orUndefined(() => compute.backendServices.get({ project, backendService: "web-backend" })),
      orUndefined(() => compute.healthChecks.get({ project, healthCheck: "web-health" })),
      orUndefined(() => compute.globalForwardingRules.get({ project, forwardingRule: "assets-http-rule" })),
      orUndefined(() => compute.urlMaps.get({ project, urlMap: "assets-url-map" })),
      orUndefined(() => compute.backendBuckets.get({ project, backendBucket: "assets-backend-bucket" })),
    ]);
    expect(parts.every((p) => p !== undefined)).toBe(true);
  });
});
