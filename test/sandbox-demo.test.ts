import { execFile, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { repoRoot } from "../sandbox/launcher/paths.ts";
import { driftKinds } from "../sandbox/demo/drift.ts";
import { exampleFiles } from "../sandbox/demo/examples.ts";
import type { ManagedRef } from "../sandbox/demo/examples.ts";
import { kubectl, kubectlOk } from "../sandbox/demo/kubectl.ts";

// `make sandbox` headlessly: `terraplane sandbox demo` in a state directory of its own (its own API
// server, moto and GCP emulator, so the examples' ClusterProviderConfig "default" and namespace
// "default" fight nobody), every example Ready, `terraplane status` agreeing, the drift command's
// out-of-band changes detected and corrected by the controller running as the terraplane
// ServiceAccount, then SIGTERM and not one process left. A second run with --until-ready restarts
// on the same API server data (examples already there, their status from the first run) and must
// wait for this controller's own sync before calling them Ready.

const cli = join(repoRoot, "bin", "terraplane");
const stateDir = mkdtempSync(join(tmpdir(), "terraplane-demo-"));
const env = { ...process.env, TERRAPLANE_STATE_DIR: stateDir };
const adminKubeconfig = join(stateDir, "controlplane", "kubeconfig");
const saKubeconfig = join(stateDir, "demo", "terraplane-sa.kubeconfig");
const controllerLog = join(stateDir, "logs", "controller.log");
const refs: readonly ManagedRef[] = exampleFiles().flatMap((f) => f.managed);
const cloudOf = (ref: ManagedRef): string => ref.group.split(".")[0] ?? "";

interface Demo {
  readonly child: ChildProcess;
  readonly out: string[];
  readonly exited: Promise<number | null>;
}

function startDemo(args: readonly string[]): Demo {
  const child = spawn(cli, ["sandbox", "demo", ...args], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
  const out: string[] = [];
  createInterface({ input: child.stdout }).on("line", (l) => out.push(l));
  createInterface({ input: child.stderr }).on("line", (l) => out.push(l));
  const exited = new Promise<number | null>((resolveExit) => child.once("exit", (code) => resolveExit(code)));
  return { child, out, exited };
}

function terraplane(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    execFile(cli, [...args], { cwd: repoRoot, env }, (err, stdout, stderr) => {
      resolveRun({ code: err && typeof err.code === "number" ? err.code : err ? 1 : 0, stdout, stderr });
    });
  });
}

const PidFile = z.object({ pid: z.number() });

/** Every pid the demo recorded: the sandbox's components and the controller. */
function recordedPids(): number[] {
  const dir = join(stateDir, "pids");
  const components = readdirSync(dir).map((f) => PidFile.parse(JSON.parse(readFileSync(join(dir, f), "utf8"))).pid);
  return [...components, PidFile.parse(JSON.parse(readFileSync(join(stateDir, "demo", "controller.json"), "utf8"))).pid];
}

/** Alive and not a zombie. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Live processes whose command line mentions this test's state directory. */
function processesOfStateDir(): string[] {
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p) && running(Number(p)))
    .map((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, "utf8").replaceAll("\0", " ");
      } catch {
        return "";
      }
    })
    .filter((cmd) => cmd.includes(stateDir));
}

const EventList = z.object({
  items: z.array(z.object({ reason: z.string().optional(), message: z.string().optional(), involvedObject: z.object({ name: z.string().optional(), apiVersion: z.string().optional() }) })),
});

async function eventsOf(ref: ManagedRef): Promise<{ reason: string; message: string }[]> {
  const list = EventList.parse(JSON.parse(await kubectlOk(adminKubeconfig, ["get", "events", "-n", ref.namespace, "-o", "json"])));
  return list.items
    .filter((e) => e.involvedObject.name === ref.name && e.involvedObject.apiVersion?.startsWith(`${ref.group}/`))
    .map((e) => ({ reason: e.reason ?? "", message: e.message ?? "" }));
}

/** Resolves when the demo prints a line starting with `prefix`; fails at once if it exits first. */
async function untilLine(d: Demo, prefix: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!d.out.some((l) => l.startsWith(prefix))) {
    if (d.child.exitCode !== null || d.child.signalCode !== null) throw new Error(`the demo exited (${d.child.exitCode ?? d.child.signalCode}) before "${prefix}":\n${tail(d.out)}`);
    if (Date.now() > deadline) throw new Error(`no "${prefix}" after ${timeoutMs / 1000}s:\n${tail(d.out)}`);
    await sleep(250);
  }
}

const tail = (lines: readonly string[]): string => lines.slice(-60).join("\n");
const MINUTES = 60_000;

let demo: Demo;

beforeAll(() => {
  demo = startDemo(["--poll-interval", "5s", "--timeout", "4m"]);
});

afterAll(async () => {
  if (demo.child.exitCode === null && demo.child.signalCode === null) {
    demo.child.kill("SIGTERM");
    await demo.exited;
  }
  await terraplane(["sandbox", "down"]); // a no-op unless a failure left something
  rmSync(stateDir, { recursive: true, force: true });
}, 3 * MINUTES);

describe("terraplane sandbox demo (make sandbox), headless", () => {
  it("covers every example file: the configuration first, then at least the AWS Database, LoadBalancer and CDN and the GCP Database", () => {
    const files = exampleFiles();
    const firstManaged = files.findIndex((f) => !f.configOnly);
    expect(files.slice(0, firstManaged).map((f) => f.path.slice(repoRoot.length + 1))).toEqual(["examples/aws/providerconfig.yaml", "examples/gcp/providerconfig.yaml"]);
    expect(files.slice(firstManaged).every((f) => !f.configOnly)).toBe(true);
    expect(refs.map((r) => `${cloudOf(r)}/${r.kind}`)).toEqual(expect.arrayContaining(["aws/Database", "aws/LoadBalancer", "aws/CDN", "gcp/Database", "platform/WebStack"]));
  });

  it("brings everything up and gets every example Ready and Synced, with the live table and the usage", { timeout: 6 * MINUTES }, async () => {
    const done = `All ${refs.length} managed resources are Ready and Synced`;
    await untilLine(demo, done, 5 * MINUTES);
    // The usage follows the summary line; its last line may arrive in a later chunk of output.
    await untilLine(demo, "Ctrl-C stops the controller", 30_000);
    const text = demo.out.join("\n");
    console.info(demo.out.find((l) => l.startsWith(done)));
    // What it started, where it logs, and the usage it prints.
    for (const component of ["controlplane", "moto", "moto-proxy", "gcp-emulator", "gcp-emulator-proxy"]) expect(text).toMatch(new RegExp(`sandbox: ${component}: ready in`));
    expect(text).toContain("KIND           NAMESPACE   NAME");
    expect(text).toContain(`export KUBECONFIG=${adminKubeconfig}`);
    expect(text).toContain("bin/terraplane sandbox drift ");
    expect(text).toContain("Ctrl-C stops the controller");
    expect(text).toContain(`log ${controllerLog}`);
  });

  it("runs the controller as the terraplane ServiceAccount (not the admin), with the emulators' endpoints, and it is never refused", async () => {
    const controller = PidFile.parse(JSON.parse(readFileSync(join(stateDir, "demo", "controller.json"), "utf8"))).pid;
    const cmdline = readFileSync(`/proc/${controller}/cmdline`, "utf8").split("\0");
    expect(cmdline.slice(cmdline.indexOf("run"), cmdline.indexOf("run") + 3)).toEqual(["run", "--kubeconfig", saKubeconfig]);
    const environ = new Map(readFileSync(`/proc/${controller}/environ`, "utf8").split("\0").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
    const sandboxEnv = (await terraplane(["sandbox", "env"])).stdout;
    expect(sandboxEnv).toContain(`export AWS_ENDPOINT_URL=${environ.get("AWS_ENDPOINT_URL")}`);
    expect(sandboxEnv).toContain(`export TERRAPLANE_GCP_ENDPOINT=${environ.get("TERRAPLANE_GCP_ENDPOINT")}`);
    expect(environ.has("KUBECONFIG")).toBe(false);

    const Kubeconfig = z.object({ users: z.array(z.object({ name: z.string(), user: z.object({ token: z.string() }) })) });
    const sa = Kubeconfig.parse(parse(readFileSync(saKubeconfig, "utf8"))).users[0];
    const admin = Kubeconfig.parse(parse(readFileSync(adminKubeconfig, "utf8"))).users[0];
    expect(sa?.user.token).not.toBe(admin?.user.token);
    // The API server says who that token is, and what it may not do.
    const whoami = await kubectlOk(saKubeconfig, ["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"]);
    expect(whoami).toBe("system:serviceaccount:terraplane-system:terraplane");
    expect((await kubectl(saKubeconfig, ["auth", "can-i", "create", "deployments.apps", "-n", "terraplane-system"])).stdout.trim()).toBe("no");
    expect((await kubectl(saKubeconfig, ["auth", "can-i", "patch", "databases.aws.terraplane.dev", "--subresource=status", "-n", "default"])).stdout.trim()).toBe("yes");
    const log = readFileSync(controllerLog, "utf8");
    expect(log).not.toMatch(/forbidden/i);
    // Kubernetes errors are logged in words (code, reason, message), never as client-node's raw text.
    expect(log).not.toContain("Unknown API Status Code");
  });

  it("`terraplane status -A` lists every example Ready and Synced", async () => {
    const result = await terraplane(["status", "-A", "--kubeconfig", adminKubeconfig]);
    expect(result.code, result.stderr).toBe(0);
    for (const ref of refs) {
      expect(result.stdout, `${cloudOf(ref)} ${ref.kind} ${ref.name}`).toMatch(new RegExp(`^${ref.kind}\\s+${ref.namespace}\\s+${ref.name}\\s+${cloudOf(ref)}\\s+True\\s+True\\s`, "m"));
    }
  });

  it("`terraplane sandbox drift` changes each example behind Terraplane's back; the controller reports DriftDetected and corrects it", { timeout: 4 * MINUTES }, async () => {
    const targets = refs.filter((r) => driftKinds.includes(`${r.group}/${r.kind}`));
    expect(targets.length).toBeGreaterThanOrEqual(4);
    const drifts = await Promise.all(
      targets.map(async (ref) => {
        const result = await terraplane(["sandbox", "drift", `${ref.kind.toLowerCase()}.${ref.group}/${ref.name}`, "-n", ref.namespace]);
        expect(result.code, result.stderr).toBe(0);
        const field = /report drift in (\S+) at its next poll/.exec(result.stdout)?.[1] ?? "";
        expect(field, result.stdout).not.toBe("");
        return { ref, field };
      }),
    );
    for (const { ref, field } of drifts) {
      await expect
        .poll(async () => {
          const events = await eventsOf(ref);
          const detected = events.some((e) => e.reason === "DriftDetected" && e.message.includes(field));
          return detected && events.some((e) => e.reason === "UpdatedExternalResource" && e.message.includes(field));
        }, { timeout: 2 * MINUTES, interval: 1_000 })
        .toBe(true);
    }
    // The RDS instance really is back as the spec says, seen with the SDK (bypassing Terraplane).
    const motoEndpoint = /export TERRAPLANE_MOTO_ENDPOINT=(\S+)/.exec((await terraplane(["sandbox", "env"])).stdout)?.[1] ?? "";
    const rds = new RDSClient({ region: "us-east-1", endpoint: motoEndpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
    const db = refs.find((r) => cloudOf(r) === "aws" && r.kind === "Database");
    const described = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: db?.name }));
    expect(described.DBInstances?.[0]?.DBInstanceClass).toBe("db.t3.micro");
  });

  it("stops on SIGTERM, and with it every process it started", { timeout: 3 * MINUTES }, async () => {
    const pids = recordedPids();
    expect(pids.length).toBe(6);
    for (const pid of pids) expect(running(pid)).toBe(true);
    demo.child.kill("SIGTERM");
    expect(await demo.exited).toBe(0);
    for (const pid of pids) expect(running(pid), `pid ${pid}`).toBe(false);
    expect(processesOfStateDir()).toEqual([]);
    expect(readdirSync(join(stateDir, "pids"))).toEqual([]);
    expect(demo.out.join("\n")).toMatch(/controller: stopped pid \d+/);
  });

  it("--until-ready on the same API server data waits for this controller's own sync, exits 0 and leaves nothing running", { timeout: 6 * MINUTES }, async () => {
    const again = startDemo(["--until-ready", "--poll-interval", "5s", "--timeout", "4m"]);
    const code = await again.exited;
    expect(code, tail(again.out)).toBe(0);
    const text = again.out.join("\n");
    expect(text).toMatch(/unchanged/); // the examples were already there
    expect(text).toContain(`All ${refs.length} managed resources are Ready and Synced`);
    expect(processesOfStateDir()).toEqual([]);
  });

  it("fails at once, clearly and having started nothing, when kubectl is missing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "terraplane-demo-nokubectl-"));
    try {
      const result = await new Promise<{ code: number | null; stderr: string }>((resolveRun) => {
        const child = execFile(
          process.execPath,
          ["--disable-warning=ExperimentalWarning", join(repoRoot, "cli", "main.ts"), "sandbox", "demo"],
          { cwd: repoRoot, env: { ...env, TERRAPLANE_STATE_DIR: dir, PATH: "" } },
          (_err, _stdout, stderr) => resolveRun({ code: child.exitCode, stderr }),
        );
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("kubectl is not on PATH");
      expect(() => readdirSync(join(dir, "pids"))).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
