import { components } from "./components.ts";
import type { Component } from "./components.ts";
import { withStateLock } from "./lock.ts";
import { isOurProcess, stopProcess } from "./process.ts";
import { readRecord, recordedComponents, removeRecord, writeRecord } from "./state.ts";
import type { ComponentRecord } from "./state.ts";

/** Where a running sandbox's servers are. Tests, the CLI and `terraplane sandbox env` all read this. */
export interface SandboxInfo {
  readonly kubeconfig: string;
  readonly apiServer: string;
  /** The fault proxy in front of moto: what AWS SDKs use as their endpoint. */
  readonly awsEndpoint: string;
  /** moto itself, for tests that must bypass the proxy (e.g. changing the cloud "behind Terraplane's back"). */
  readonly motoEndpoint: string;
  /** The fault proxy in front of the GCP emulator: what the Google clients use as their endpoint. */
  readonly gcpEndpoint: string;
  /** The GCP emulator itself, for tests that bypass the proxy (and for its /__emulator/ control API). */
  readonly gcpEmulatorEndpoint: string;
}

export interface UpResult {
  readonly info: SandboxInfo;
  /** Components this call started (the rest were already running and reused). */
  readonly started: readonly string[];
}

type Log = (line: string) => void;

async function runningRecord(component: Component): Promise<ComponentRecord | undefined> {
  const record = readRecord(component.name);
  if (!record || !isOurProcess(record.pid, record.marker)) return undefined;
  return (await component.healthy(record)) ? record : undefined;
}

/** Brings every component up, reusing any that is already running and healthy. */
export function up(log: Log = () => {}): Promise<UpResult> {
  return withStateLock(async () => {
    const records = new Map<string, ComponentRecord>();
    const started: string[] = [];
    for (const component of components) {
      const existing = await reusableRecord(component, records, started);
      if (existing) {
        log(`${component.name}: reusing pid ${existing.pid} at ${existing.url}`);
        records.set(component.name, existing);
        continue;
      }
      await stopStale(component.name);
      const t0 = Date.now();
      log(`${component.name}: starting (${component.description})`);
      const record = await component.start(records);
      writeRecord(component.name, record);
      records.set(component.name, record);
      started.push(component.name);
      log(`${component.name}: ready in ${((Date.now() - t0) / 1000).toFixed(1)}s, pid ${record.pid}, ${record.url}`);
    }
    return { info: infoFrom(records), started };
  });
}

/**
 * The running record of a component, unless it must be replaced: a component whose dependency was
 * (re)started points at the old one (a proxy still forwarding to a dead upstream port).
 */
async function reusableRecord(
  component: Component,
  records: ReadonlyMap<string, ComponentRecord>,
  started: readonly string[],
): Promise<ComponentRecord | undefined> {
  const existing = await runningRecord(component);
  if (!existing) return undefined;
  const upstream = existing.extra.upstream;
  const stale = component.dependsOn.some((d) => started.includes(d) || (upstream !== undefined && records.get(d)?.url !== upstream));
  return stale ? undefined : existing;
}

/** A recorded process that is alive but unhealthy is stopped before a replacement starts. */
async function stopStale(name: string): Promise<void> {
  const record = readRecord(name);
  if (record) await stopProcess(record.pid, record.marker);
  removeRecord(name);
}

/** Stops the named components (default: all recorded), dependants first. Returns what it stopped. */
export function down(names?: readonly string[], log: Log = () => {}): Promise<string[]> {
  return withStateLock(async () => {
    const wanted = new Set(names ?? recordedComponents());
    const order = [...components.map((c) => c.name)].reverse();
    const stopped: string[] = [];
    for (const name of order.filter((n) => wanted.has(n))) {
      const record = readRecord(name);
      if (!record) continue;
      if (isOurProcess(record.pid, record.marker)) {
        await stopProcess(record.pid, record.marker);
        log(`${name}: stopped pid ${record.pid}`);
        stopped.push(name);
      }
      removeRecord(name);
    }
    return stopped;
  });
}

export interface ComponentStatus {
  readonly name: string;
  readonly state: "running" | "unhealthy" | "stopped";
  readonly pid?: number;
  readonly url?: string;
  readonly logFile?: string;
}

export async function status(): Promise<ComponentStatus[]> {
  return Promise.all(
    components.map(async (component): Promise<ComponentStatus> => {
      const record = readRecord(component.name);
      if (!record || !isOurProcess(record.pid, record.marker)) return { name: component.name, state: "stopped" };
      const healthy = await component.healthy(record);
      return { name: component.name, state: healthy ? "running" : "unhealthy", pid: record.pid, url: record.url, logFile: record.logFile };
    }),
  );
}

/** The running sandbox's endpoints, or undefined when any component is not running. */
export async function runningInfo(): Promise<SandboxInfo | undefined> {
  const records = new Map<string, ComponentRecord>();
  for (const component of components) {
    const record = await runningRecord(component);
    if (!record) return undefined;
    records.set(component.name, record);
  }
  return infoFrom(records);
}

function infoFrom(records: ReadonlyMap<string, ComponentRecord>): SandboxInfo {
  const get = (name: string): ComponentRecord => {
    const record = records.get(name);
    if (!record) throw new Error(`sandbox component ${name} is not running`);
    return record;
  };
  const controlPlane = get("controlplane");
  return {
    kubeconfig: controlPlane.extra.kubeconfig ?? "",
    apiServer: controlPlane.url,
    awsEndpoint: get("moto-proxy").url,
    motoEndpoint: get("moto").url,
    gcpEndpoint: get("gcp-emulator-proxy").url,
    gcpEmulatorEndpoint: get("gcp-emulator").url,
  };
}

/**
 * Shell `export` lines for a running sandbox; AWS_ENDPOINT_URL is honoured by the AWS SDKs and CLI.
 * The Google clients have no endpoint variable of their own: Terraplane passes TERRAPLANE_GCP_ENDPOINT
 * to googleClientOptions().
 */
export function envLines(info: SandboxInfo): string[] {
  return [
    `export KUBECONFIG=${info.kubeconfig}`,
    `export AWS_ENDPOINT_URL=${info.awsEndpoint}`,
    `export TERRAPLANE_AWS_ENDPOINT=${info.awsEndpoint}`,
    `export TERRAPLANE_MOTO_ENDPOINT=${info.motoEndpoint}`,
    `export TERRAPLANE_GCP_ENDPOINT=${info.gcpEndpoint}`,
    `export TERRAPLANE_GCP_EMULATOR_ENDPOINT=${info.gcpEmulatorEndpoint}`,
    "export AWS_ACCESS_KEY_ID=testing",
    "export AWS_SECRET_ACCESS_KEY=testing",
    "export AWS_REGION=us-east-1",
  ];
}
