import { execFile, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { checkCrdsFresh, renderCrdFiles } from "../core/crd/files.ts";
import { AWS_GROUP } from "../providers/aws/provider-config.ts";
import { allCrds } from "../providers/index.ts";
import { repoRoot } from "../sandbox/launcher/paths.ts";
import { createAwsProviderConfig } from "./harness/aws-provider.ts";
import { kubeConfig, kubectl, kubectlOk, testNamespace } from "./harness/kube.ts";
import type { KubectlResult } from "./harness/kube.ts";
import { applyCrds, condition, eventsFor, getManaged } from "./harness/managed.ts";
import { uniqueName } from "./harness/names.ts";

// The install manifests in deploy/ against the real API server: the kustomization is accepted as a
// whole, the ServiceAccount's RBAC allows exactly what the controller needs (an allow/deny table
// checked with a real token), and the real controller, running as that ServiceAccount with leader
// election in terraplane-system, takes a Database to Ready and deletes it again.

const DEPLOY = join(repoRoot, "deploy");
const SYSTEM_NS = "terraplane-system";
const LEASE = "terraplane-controller-leader";
const DATABASES = `databases.${AWS_GROUP}`;
const REGION = "eu-north-1"; // moto keeps state per region; no other test uses this one

/** Runs kubectl with a given kubeconfig (the ServiceAccount's), never throwing on a non-zero exit. */
function kubectlAs(kubeconfig: string, args: readonly string[], input?: string): Promise<KubectlResult> {
  return new Promise((resolveRun) => {
    const child = execFile("kubectl", ["--kubeconfig", kubeconfig, ...args], (err, stdout, stderr) => {
      resolveRun({ code: err && typeof err.code === "number" ? err.code : err ? 1 : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** A kubeconfig for the sandbox's API server (server and CA from the admin kubeconfig) that authenticates with `token`. */
async function tokenKubeconfig(dir: string, token: string): Promise<string> {
  const cluster = kubeConfig().getCurrentCluster();
  if (!cluster) throw new Error("the sandbox kubeconfig has no current cluster");
  const ca = cluster.caData ?? (cluster.caFile ? (await readFile(cluster.caFile)).toString("base64") : undefined);
  const file = join(dir, "terraplane-sa.kubeconfig");
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "sandbox", cluster: { server: cluster.server, ...(ca ? { "certificate-authority-data": ca } : {}) } }],
    users: [{ name: "terraplane", user: { token } }],
    contexts: [{ name: "terraplane", context: { cluster: "sandbox", user: "terraplane" } }],
    "current-context": "terraplane",
  };
  await writeFile(file, JSON.stringify(config), { mode: 0o600 });
  return file;
}

interface Env {
  readonly ns: string;
  readonly other: string;
  readonly dir: string;
  readonly kubeconfig: string;
  close(): Promise<void>;
}

let env: Env;

beforeAll(async () => {
  // The CRDs as the current sources generate them (what other tests install), never deploy/crds:
  // applying a stale copy would undo a schema change another test depends on.
  await applyCrds(allCrds());
  await kubectlOk(["apply", "-k", join(DEPLOY, "controller")]);
  const ns = await testNamespace("deploy");
  const other = await testNamespace("deploy-other");
  const dir = await mkdtemp(join(tmpdir(), "terraplane-deploy-"));
  const token = (await kubectlOk(["create", "token", "terraplane", "-n", SYSTEM_NS, "--duration=30m"])).trim();
  const kubeconfig = await tokenKubeconfig(dir, token);
  env = {
    ns: ns.name,
    other: other.name,
    dir,
    kubeconfig,
    async close() {
      // The namespaced objects go with the namespaces; terraplane-system and the cluster-wide RBAC stay
      // (idempotent to apply again, and another test run may be using them).
      await kubectl(["delete", "lease", "deploy-test-lease", "-n", SYSTEM_NS, "--ignore-not-found"]);
      await ns.cleanup();
      await other.cleanup();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

afterAll(async () => {
  await env.close();
});

describe("deploy/crds", () => {
  it("holds exactly the CRDs the sources generate, all listed in its kustomization (run deploy/update-crds.sh when not)", async () => {
    const dir = join(DEPLOY, "crds");
    expect(await checkCrdsFresh(dir, allCrds())).toEqual([]);
    const kustomization = z.object({ resources: z.array(z.string()) }).parse(parse(await readFile(join(dir, "kustomization.yaml"), "utf8")));
    expect([...kustomization.resources].sort()).toEqual([...renderCrdFiles(allCrds()).keys()].sort());
  });
});

describe("kubectl apply -k deploy/", () => {
  it("is accepted by the real API server (server-side dry run of every object)", async () => {
    const result = await kubectl(["apply", "--dry-run=server", "-k", DEPLOY]);
    expect(result.code, result.stderr).toBe(0);
    for (const name of [
      "namespace/terraplane-system",
      ...allCrds().map((crd) => `customresourcedefinition.apiextensions.k8s.io/${crd.metadata.name}`),
      "serviceaccount/terraplane",
      "role.rbac.authorization.k8s.io/terraplane-leader-election",
      "clusterrole.rbac.authorization.k8s.io/terraplane-controller",
      "clusterrole.rbac.authorization.k8s.io/terraplane-view",
      "rolebinding.rbac.authorization.k8s.io/terraplane-leader-election",
      "clusterrolebinding.rbac.authorization.k8s.io/terraplane-controller",
      "clusterrole.rbac.authorization.k8s.io/terraplane-composite-kinds",
      "clusterrole.rbac.authorization.k8s.io/terraplane-composite-platform",
      "clusterrolebinding.rbac.authorization.k8s.io/terraplane-composite-kinds",
      "service/terraplane-metrics",
      "deployment.apps/terraplane-controller",
    ]) {
      expect(result.stdout).toContain(name);
    }
    // The pod template meets the "restricted" Pod Security Standard the namespace enforces.
    expect(result.stderr).not.toMatch(/violate PodSecurity/);
  });
});

describe("the terraplane ServiceAccount's RBAC", () => {
  // Each row: "verb resource[.group][/subresource][:name] [namespace]" ({ns} and {other} are the test
  // namespaces) → the expected answer. Asked with SelfSubjectAccessReviews rather than `kubectl auth
  // can-i`, which resolves a resource through discovery and so cannot ask about a group that has no
  // CRD yet (the gcp.terraplane.dev kinds to come).
  const table: Record<string, { ask: string; allowed: boolean }> = {
    "watch Databases in all namespaces": { ask: `watch ${DATABASES}`, allowed: true },
    "list Databases in all namespaces": { ask: `list ${DATABASES}`, allowed: true },
    "get a Database": { ask: `get ${DATABASES} {ns}`, allowed: true },
    "patch a Database (finalizer, annotations, late init)": { ask: `patch ${DATABASES} {ns}`, allowed: true },
    "update a Database": { ask: `update ${DATABASES} {ns}`, allowed: true },
    "patch a Database's status": { ask: `patch ${DATABASES}/status {ns}`, allowed: true },
    "update a Database's status": { ask: `update ${DATABASES}/status {ns}`, allowed: true },
    "list and watch a kind in gcp.terraplane.dev yet to come": { ask: "watch sqlinstances.gcp.terraplane.dev", allowed: true },
    "patch the status of a kind in gcp.terraplane.dev yet to come": { ask: "patch sqlinstances.gcp.terraplane.dev/status {ns}", allowed: true },
    "get a ClusterProviderConfig": { ask: `get clusterproviderconfigs.${AWS_GROUP}:default`, allowed: true },
    "get a ProviderConfig": { ask: `get providerconfigs.${AWS_GROUP} {ns}`, allowed: true },
    "get a Secret (credentials)": { ask: "get secrets {ns}", allowed: true },
    "create a Secret (connection details)": { ask: "create secrets {ns}", allowed: true },
    "patch a Secret (server-side apply)": { ask: "patch secrets {ns}", allowed: true },
    "create an Event": { ask: "create events {ns}", allowed: true },
    "patch an Event": { ask: "patch events {ns}", allowed: true },
    "create a Lease in terraplane-system": { ask: `create leases.coordination.k8s.io ${SYSTEM_NS}`, allowed: true },
    "get its own Lease": { ask: `get leases.coordination.k8s.io:${LEASE} ${SYSTEM_NS}`, allowed: true },
    "update its own Lease": { ask: `update leases.coordination.k8s.io:${LEASE} ${SYSTEM_NS}`, allowed: true },

    // Compositions create and delete the managed resources they compose.
    "create a Database (composed)": { ask: `create ${DATABASES} {ns}`, allowed: true },
    "delete a Database (composed)": { ask: `delete ${DATABASES} {ns}`, allowed: true },
    "watch Compositions": { ask: "watch compositions.compose.terraplane.dev", allowed: true },
    "patch a Composition's status (Accepted)": { ask: "patch compositions.compose.terraplane.dev/status", allowed: true },
    "patch a CompositeDefinition's status": { ask: "patch compositedefinitions.compose.terraplane.dev/status", allowed: true },
    "patch a Composition": { ask: "patch compositions.compose.terraplane.dev", allowed: false },
    "create a Composition": { ask: "create compositions.compose.terraplane.dev", allowed: false },
    "delete a CompositeDefinition": { ask: "delete compositedefinitions.compose.terraplane.dev", allowed: false },
    "watch WebStacks (aggregated)": { ask: "watch webstacks.platform.terraplane.dev", allowed: true },
    "patch a WebStack's status": { ask: "patch webstacks.platform.terraplane.dev/status {ns}", allowed: true },
    "delete a WebStack": { ask: "delete webstacks.platform.terraplane.dev {ns}", allowed: false },
    "create a WebStack": { ask: "create webstacks.platform.terraplane.dev {ns}", allowed: false },
    "list Secrets": { ask: "list secrets", allowed: false },
    "watch Secrets": { ask: "watch secrets {ns}", allowed: false },
    "update a Secret": { ask: "update secrets {ns}", allowed: false },
    "delete a Secret": { ask: "delete secrets {ns}", allowed: false },
    "list Events": { ask: "list events {ns}", allowed: false },
    "delete an Event": { ask: "delete events {ns}", allowed: false },
    "create an events.k8s.io Event": { ask: "create events.events.k8s.io {ns}", allowed: false },
    "update another Lease in terraplane-system": { ask: `update leases.coordination.k8s.io:someone-else ${SYSTEM_NS}`, allowed: false },
    "list Leases in terraplane-system": { ask: `list leases.coordination.k8s.io ${SYSTEM_NS}`, allowed: false },
    "delete its own Lease": { ask: `delete leases.coordination.k8s.io:${LEASE} ${SYSTEM_NS}`, allowed: false },
    "create a Lease in another namespace": { ask: "create leases.coordination.k8s.io {other}", allowed: false },
    "update a Lease in another namespace": { ask: `update leases.coordination.k8s.io:${LEASE} {other}`, allowed: false },
    "create a ClusterRoleBinding": { ask: "create clusterrolebindings.rbac.authorization.k8s.io", allowed: false },
    "update its own ClusterRole": { ask: "update clusterroles.rbac.authorization.k8s.io:terraplane-controller", allowed: false },
    "escalate a ClusterRole": { ask: "escalate clusterroles.rbac.authorization.k8s.io", allowed: false },
    "bind a ClusterRole": { ask: "bind clusterroles.rbac.authorization.k8s.io:cluster-admin", allowed: false },
    "create a RoleBinding in its namespace": { ask: `create rolebindings.rbac.authorization.k8s.io ${SYSTEM_NS}`, allowed: false },
    "create a Deployment": { ask: `create deployments.apps ${SYSTEM_NS}`, allowed: false },
    "patch its own Deployment": { ask: `patch deployments.apps:terraplane-controller ${SYSTEM_NS}`, allowed: false },
    "create a Pod": { ask: "create pods {ns}", allowed: false },
    "exec into a Pod": { ask: "create pods/exec {ns}", allowed: false },
    "get ConfigMaps": { ask: "get configmaps {ns}", allowed: false },
    "create a token for a ServiceAccount": { ask: `create serviceaccounts/token ${SYSTEM_NS}`, allowed: false },
    "impersonate a ServiceAccount": { ask: "impersonate serviceaccounts {ns}", allowed: false },
    // Abstract CRDs are server-side applied (create, then patch); never listed or deleted.
    "create a CRD (abstract kind)": { ask: "create customresourcedefinitions.apiextensions.k8s.io", allowed: true },
    "patch a CRD (abstract kind)": { ask: "patch customresourcedefinitions.apiextensions.k8s.io:webstacks.platform.terraplane.dev", allowed: true },
    "list CRDs": { ask: "list customresourcedefinitions.apiextensions.k8s.io", allowed: false },
    "delete a CRD": { ask: `delete customresourcedefinitions.apiextensions.k8s.io:${DATABASES}`, allowed: false },
    "list Namespaces": { ask: "list namespaces", allowed: false },
    "get Nodes": { ask: "get nodes", allowed: false },
    "patch an object in another group": { ask: "patch widgets.example.com {ns}", allowed: false },
  };

  /** "verb resource[.group][/subresource][:name] [namespace]" → a SelfSubjectAccessReview's resourceAttributes. */
  function attributes(ask: string): Record<string, string> {
    const [verb = "", target = "", namespace] = ask.replaceAll("{ns}", env.ns).replaceAll("{other}", env.other).split(" ");
    const [path = "", name] = target.split(":");
    const [qualified = "", subresource] = path.split("/");
    const dot = qualified.indexOf(".");
    const [resource, group] = dot < 0 ? [qualified, ""] : [qualified.slice(0, dot), qualified.slice(dot + 1)];
    return { verb, group, resource, ...(subresource ? { subresource } : {}), ...(name ? { name } : {}), ...(namespace ? { namespace } : {}) };
  }

  const Review = z.object({ status: z.object({ allowed: z.boolean() }) });

  it("allows exactly what the controller needs (SelfSubjectAccessReviews with the ServiceAccount's token)", async () => {
    const answers: Record<string, boolean> = {};
    await Promise.all(
      Object.entries(table).map(async ([name, row]) => {
        const review = { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes: attributes(row.ask) } };
        const result = await kubectlAs(env.kubeconfig, ["create", "--validate=false", "-f", "-", "-o", "json"], JSON.stringify(review));
        if (result.code !== 0) throw new Error(`SelfSubjectAccessReview for "${row.ask}": ${result.stderr}`);
        answers[name] = Review.parse(JSON.parse(result.stdout)).status.allowed;
      }),
    );
    const want = Object.fromEntries(Object.entries(table).map(([name, row]) => [name, row.allowed]));
    expect(answers).toEqual(want);
  });

  it("agrees with kubectl auth can-i for the kinds installed", async () => {
    const can = async (args: readonly string[]): Promise<string> => (await kubectlAs(env.kubeconfig, ["auth", "can-i", ...args])).stdout.trim();
    expect(await can(["patch", DATABASES, "--subresource=status", "-n", env.ns])).toBe("yes");
    expect(await can(["update", `leases.coordination.k8s.io/${LEASE}`, "-n", SYSTEM_NS])).toBe("yes");
    expect(await can(["create", "deployments.apps", "-n", SYSTEM_NS])).toBe("no");
    expect(await can(["delete", "customresourcedefinitions.apiextensions.k8s.io"])).toBe("no");
  });

  it("answers real requests the same way", async () => {
    const as = (args: readonly string[], input?: string): Promise<KubectlResult> => kubectlAs(env.kubeconfig, args, input);
    await kubectlOk(["apply", "-f", "-"], databaseManifest(env.ns, "rbac-probe", "default-aws"));

    // Allowed: patch a Database, record an Event, read a Secret, take a Lease in terraplane-system.
    const patched = await as(["patch", DATABASES, "rbac-probe", "-n", env.ns, "--type=merge", "-p", '{"metadata":{"annotations":{"terraplane.dev/paused":"true"}}}']);
    expect(patched.code, patched.stderr).toBe(0);
    const event = { apiVersion: "v1", kind: "Event", metadata: { generateName: "rbac-probe.", namespace: env.ns }, involvedObject: { kind: "Database", name: "rbac-probe", namespace: env.ns }, reason: "Probe", message: "rbac probe", type: "Normal" };
    const created = await as(["create", "-f", "-"], JSON.stringify(event));
    expect(created.code, created.stderr).toBe(0);
    await kubectlOk(["create", "secret", "generic", "probe", "-n", env.ns, "--from-literal=k=v"]);
    expect((await as(["get", "secret", "probe", "-n", env.ns, "-o", "jsonpath={.data.k}"])).stdout).toBe(Buffer.from("v").toString("base64"));
    const lease = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "deploy-test-lease", namespace: SYSTEM_NS }, spec: { holderIdentity: "probe" } };
    const leaseCreated = await as(["create", "-f", "-"], JSON.stringify(lease));
    expect(leaseCreated.code, leaseCreated.stderr).toBe(0);

    // Refused: list Secrets, delete a ConfigMap, touch RBAC, run workloads, delete CRDs, Leases elsewhere.
    const refused: Record<string, readonly string[]> = {
      "list secrets": ["get", "secrets", "-n", env.ns],
      "delete a ConfigMap": ["delete", "configmap", "kube-root-ca.crt", "-n", env.ns, "--wait=false"],
      "create a ClusterRoleBinding": ["create", "clusterrolebinding", "escalate", "--clusterrole=cluster-admin", `--serviceaccount=${SYSTEM_NS}:terraplane`],
      "create a Deployment": ["create", "deployment", "probe", "-n", SYSTEM_NS, "--image=busybox"],
      "create a Pod": ["run", "probe", "-n", env.ns, "--image=busybox", "--restart=Never"],
      "delete a CRD": ["delete", "crd", `${DATABASES}`, "--wait=false"],
      "update another Lease in terraplane-system": ["replace", "-f", "-"],
      "create a Lease in another namespace": ["create", "-f", "-"],
    };
    const inputs: Record<string, string> = {
      "update another Lease in terraplane-system": JSON.stringify({ ...lease, spec: { holderIdentity: "intruder" } }),
      "create a Lease in another namespace": JSON.stringify({ ...lease, metadata: { name: "probe", namespace: env.other } }),
    };
    for (const [name, args] of Object.entries(refused)) {
      const result = await as(args, inputs[name]);
      expect({ name, code: result.code, forbidden: /forbidden/i.test(result.stderr) }).toEqual({ name, code: 1, forbidden: true });
    }
    // Nothing refused happened anyway.
    expect((await kubectl(["get", DATABASES, "rbac-probe", "-n", env.ns])).code).toBe(0);
    expect((await kubectl(["get", "crd", DATABASES])).code).toBe(0);
    expect((await kubectl(["get", "deployment", "probe", "-n", SYSTEM_NS])).code).not.toBe(0);
    await kubectlOk(["delete", DATABASES, "rbac-probe", "-n", env.ns, "--wait=false"]);
  });
});

const LogLine = z.looseObject({ level: z.number().optional(), msg: z.string().optional(), url: z.string().optional() });

/** `terraplane run` as a child process; resolves with the health server's URL once it serves. */
async function startController(kubeconfig: string, namespace: string): Promise<{ child: ChildProcess; url: string; lines: string[] }> {
  const args = ["run", "--kubeconfig", kubeconfig, "--namespace", namespace, "--leader-election-namespace", SYSTEM_NS, "--metrics-addr", "127.0.0.1:0", "--poll-interval", "2s", "--log-level", "debug"];
  const child = spawn(join(repoRoot, "bin", "terraplane"), args, { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  createInterface({ input: child.stderr }).on("line", (line) => lines.push(line));
  const url = await new Promise<string>((resolveUrl, reject) => {
    child.once("exit", (code) => reject(new Error(`terraplane run exited early (${code}): ${lines.join("\n")}`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      lines.push(line);
      const parsed = LogLine.safeParse(JSON.parse(line));
      if (parsed.success && parsed.data.url) resolveUrl(parsed.data.url);
    });
  });
  return { child, url, lines };
}

function databaseManifest(namespace: string, name: string, providerConfig: string): string {
  return JSON.stringify({
    apiVersion: `${AWS_GROUP}/v1alpha1`,
    kind: "Database",
    metadata: { name, namespace },
    spec: {
      providerConfigRef: { kind: "ProviderConfig", name: providerConfig },
      writeConnectionSecretToRef: { name: `${name}-connection` },
      forProvider: { engine: "postgres", engineVersion: "16", instanceClass: "db.t3.micro", allocatedStorage: 20, masterUsername: "app", skipFinalSnapshot: true },
    },
  });
}

/** The last lines of a log, for a failure message. */
const tail = (lines: readonly string[]): string => lines.slice(-40).join("\n");

const LeaseShape = z.object({ spec: z.object({ holderIdentity: z.string().optional() }) });

async function leaseHolder(): Promise<string | undefined> {
  const result = await kubectl(["get", "lease", LEASE, "-n", SYSTEM_NS, "-o", "json"]);
  return result.code === 0 ? LeaseShape.parse(JSON.parse(result.stdout)).spec.holderIdentity : undefined;
}

describe("terraplane run as the terraplane ServiceAccount", () => {
  it("leads through its Lease, takes a Database to Ready with its connection Secret, deletes it, and never hits a Forbidden", { timeout: 150_000 }, async () => {
    const pc = await createAwsProviderConfig(env.ns, { region: REGION, name: "deploy-aws" });
    const db = uniqueName("orders"); // the RDS instance's name too: unique, so a failed earlier run cannot get in the way
    const controller = await startController(env.kubeconfig, env.ns);
    const exited = new Promise<number | null>((r) => controller.child.once("exit", r));
    try {
      await expect.poll(async () => (await fetch(`${controller.url}/readyz`)).status, { timeout: 60_000, interval: 250 }).toBe(200);
      expect(await leaseHolder()).toMatch(/.+/);

      await kubectlOk(["apply", "-f", "-"], databaseManifest(env.ns, db, pc));
      const ref = { group: AWS_GROUP, version: "v1alpha1", plural: "databases" };
      await expect.poll(async () => condition(await getManaged(ref, env.ns, db), "Ready")?.status, { timeout: 60_000, interval: 500 }).toBe("True");
      const mr = await getManaged(ref, env.ns, db);
      expect(condition(mr, "Synced")?.status).toBe("True");
      expect(mr?.metadata.finalizers).toContain("terraplane.dev/managed-resource");
      // Server-side apply created the connection Secret; Events were recorded.
      const keys = await kubectlOk(["get", "secret", `${db}-connection`, "-n", env.ns, "-o", "jsonpath={.data}"]);
      expect(Object.keys(z.record(z.string(), z.string()).parse(JSON.parse(keys)))).toEqual(expect.arrayContaining(["host", "port", "username", "password"]));
      expect((await eventsFor(env.ns, db)).map((e) => e.reason)).toContain("CreatedExternalResource");
      // This process reconciled successfully (status, events, secret written), whatever else may be running.
      const metrics = await (await fetch(`${controller.url}/metrics`)).text();
      const completed = metrics.split("\n").filter((l) => l.startsWith("terraplane_reconciles_total{") && /result="(requeue|done)"/.test(l));
      expect(completed.map((l) => Number(l.split(" ").at(-1))).reduce((a, b) => a + b, 0), metrics).toBeGreaterThan(0);

      // Deleting: the controller deletes the instance and removes its finalizer (a patch).
      await kubectlOk(["delete", DATABASES, db, "-n", env.ns, "--wait=false"]);
      await expect.poll(async () => (await kubectl(["get", DATABASES, db, "-n", env.ns])).code, { timeout: 60_000, interval: 500 }).not.toBe(0);
    } catch (err) {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\nthe controller's log:\n${tail(controller.lines)}`, { cause: err });
    } finally {
      controller.child.kill("SIGTERM");
      await exited;
      // After a failure the Database may still hold its finalizer, which would keep the namespace terminating.
      await kubectl(["patch", DATABASES, db, "-n", env.ns, "--type=merge", "-p", '{"metadata":{"finalizers":null}}']);
    }
    expect(await exited).toBe(0);
    // The lease was handed over at shutdown (release = get + update of its own Lease).
    expect(await leaseHolder()).toBeUndefined();
    const log = controller.lines.join("\n");
    expect(log).toContain("became leader");
    expect(log).not.toMatch(/forbidden/i);
  });
});
