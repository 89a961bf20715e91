import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { httpServing, kubeReady, readKubeEndpoint, waitUntil } from "./health.ts";
import { freePort } from "./ports.ts";
import { isOurProcess, startDetached } from "./process.ts";
import { repoRoot, stateDir } from "./paths.ts";
import type { ComponentRecord } from "./state.ts";
import { MOTO_SEED, seedMoto } from "./moto-seed.ts";
import { ensureControlPlaneBinary, ensureMotoServer } from "./tools.ts";

/** A server the sandbox runs. `start` returns only once it serves; `healthy` is how a later `up` decides to reuse it. */
export interface Component {
  readonly name: string;
  readonly description: string;
  readonly dependsOn: readonly string[];
  start(deps: ReadonlyMap<string, ComponentRecord>): Promise<ComponentRecord>;
  healthy(record: ComponentRecord): Promise<boolean>;
}

const START_TIMEOUT_MS = 90_000;

function logFileFor(name: string): string {
  const dir = join(stateDir(), "logs");
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.log`);
}

function logTail(logFile: string, lines = 15): string {
  try {
    return readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

interface Launch {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly marker: string;
  readonly url: string;
  readonly extra?: Record<string, string>;
}

/** Starts a detached process and waits until `healthy` says it serves, failing fast (with its log) if it dies. */
async function launch(spec: Launch, healthy: (r: ComponentRecord) => Promise<boolean>): Promise<ComponentRecord> {
  const logFile = logFileFor(spec.name);
  const pid = startDetached({ command: spec.command, args: spec.args, logFile, cwd: repoRoot });
  const record: ComponentRecord = {
    pid,
    marker: spec.marker,
    url: spec.url,
    logFile,
    startedAt: new Date().toISOString(),
    extra: spec.extra ?? {},
  };
  await waitUntil(() => healthy(record), {
    what: spec.name,
    timeoutMs: START_TIMEOUT_MS,
    failFast: () => (isOurProcess(pid, spec.marker) ? undefined : `process exited; last log lines:\n${logTail(logFile)}`),
  });
  return record;
}

async function controlPlaneHealthy(record: ComponentRecord): Promise<boolean> {
  const kubeconfig = record.extra.kubeconfig;
  if (!kubeconfig) return false;
  try {
    return await kubeReady(readKubeEndpoint(kubeconfig));
  } catch {
    return false; // kubeconfig not written yet: the API server is not ready
  }
}

export const controlPlane: Component = {
  name: "controlplane",
  description: "kube-apiserver + etcd (+ namespace/GC controllers)",
  dependsOn: [],
  async start() {
    const binary = await ensureControlPlaneBinary();
    const dataDir = join(stateDir(), "controlplane");
    const kubeconfig = join(dataDir, "kubeconfig");
    mkdirSync(dataDir, { recursive: true });
    rmSync(kubeconfig, { force: true }); // written again only once the new server is ready
    const port = await freePort();
    return launch(
      {
        name: "controlplane",
        command: binary,
        args: ["--data-dir", dataDir, "--port", String(port), "--kubeconfig", kubeconfig],
        marker: "terraplane-controlplane",
        url: `https://127.0.0.1:${port}`,
        extra: { kubeconfig },
      },
      controlPlaneHealthy,
    );
  },
  healthy: controlPlaneHealthy,
};

export const moto: Component = {
  name: "moto",
  description: "AWS emulator (moto server)",
  dependsOn: [],
  async start() {
    const server = await ensureMotoServer();
    const port = await freePort();
    const record = await launch(
      {
        name: "moto",
        command: server,
        args: ["-H", "127.0.0.1", "-p", String(port)],
        marker: "moto_server",
        url: `http://127.0.0.1:${port}`,
      },
      (r) => httpServing(`${r.url}/moto-api/`),
    );
    await seedMoto(record.url);
    return { ...record, extra: { ...record.extra, seed: String(MOTO_SEED) } };
  },
  healthy: (r) => httpServing(`${r.url}/moto-api/`),
};

const gcpEmulatorHealthy = (r: ComponentRecord): Promise<boolean> => httpServing(`${r.url}/__emulator/health`);

/** The Cloud SQL Admin v1 and compute v1 (global load balancing) emulator, run from source by our own Node. */
export const gcpEmulator: Component = {
  name: "gcp-emulator",
  description: "GCP emulator (Cloud SQL Admin v1, compute v1 load balancing)",
  dependsOn: [],
  async start() {
    const port = await freePort();
    return launch(
      {
        name: "gcp-emulator",
        command: process.execPath,
        args: ["--disable-warning=ExperimentalWarning", join(repoRoot, "sandbox", "gcp-emulator", "main.ts"), "--port", String(port)],
        marker: "gcp-emulator/main.ts",
        url: `http://127.0.0.1:${port}`,
      },
      gcpEmulatorHealthy,
    );
  },
  healthy: gcpEmulatorHealthy,
};

/** The fault proxy in front of an emulator; SDKs in the sandbox talk to this, never to the emulator directly. */
function faultProxyFor(upstream: string): Component {
  const name = `${upstream}-proxy`;
  const healthy = (r: ComponentRecord): Promise<boolean> => httpServing(`${r.url}/__faultproxy/stats`);
  return {
    name,
    description: `fault-injecting proxy in front of ${upstream}`,
    dependsOn: [upstream],
    async start(deps) {
      const target = deps.get(upstream);
      if (!target) throw new Error(`${name}: ${upstream} is not running`);
      const port = await freePort();
      return launch(
        {
          name,
          command: process.execPath,
          args: [
            "--disable-warning=ExperimentalWarning",
            join(repoRoot, "sandbox", "faultproxy", "main.ts"),
            "--upstream",
            target.url,
            "--port",
            String(port),
          ],
          marker: "faultproxy/main.ts",
          url: `http://127.0.0.1:${port}`,
          extra: { upstream: target.url },
        },
        healthy,
      );
    },
    healthy,
  };
}

/** Every component, in start order (dependencies first). */
export const components: readonly Component[] = [controlPlane, moto, faultProxyFor("moto"), gcpEmulator, faultProxyFor("gcp-emulator")];
