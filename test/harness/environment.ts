import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { Annotations } from "../../core/managed.ts";
import type { RegisteredKind } from "../../core/provider.ts";
import type { Manager } from "../../core/manager.ts";
import { seededRandom, startFaultProxy } from "../../sandbox/faultproxy/index.ts";
import type { FaultConfigInput, FaultProxy } from "../../sandbox/faultproxy/index.ts";
import { kubectl, kubectlOk, testNamespace } from "./kube.ts";
import { eventsFor, getManaged } from "./managed.ts";
import type { KindRef, ManagedView } from "./managed.ts";

// The scaffold every integration test of a managed kind stands on: a namespace of its own, an
// optional fault proxy of its own in front of an emulator, a ProviderConfig, and a controller
// manager watching the namespace; plus apply/view of the kind as a user writes it, and a close()
// that leaves nothing behind. Provider-specific wrappers: gcpEnvironment, awsEnvironment.

export interface ManifestExtra {
  readonly spec?: Record<string, unknown>;
  readonly annotations?: Record<string, string>;
}

export interface ManagedEnvironment<P extends FaultProxy | undefined = FaultProxy> {
  readonly ns: string;
  /** The ProviderConfig's name. */
  readonly providerConfig: string;
  readonly proxy: P;
  /** The kind's manifest as a user writes it, in this namespace, using this ProviderConfig. */
  manifest(name: string, forProvider: Record<string, unknown>, extra?: ManifestExtra): string;
  /** kubectl apply of manifest(); fails the test when kubectl does. */
  apply(name: string, forProvider: Record<string, unknown>, extra?: ManifestExtra): Promise<string>;
  view(name: string): Promise<ManagedView | undefined>;
  /** Asks the controller for a new observation (reconcile-requested-at, as `terraplane plan --refresh` does); returns the time asked. */
  refresh(name: string): Promise<string>;
  close(): Promise<void>;
}

export interface FaultProxyChoice {
  /** The emulator the proxy forwards to. */
  readonly upstream: string;
  /** Seed of the proxy's fault rolls, so a run can be replayed. */
  readonly seed: number;
  readonly faults?: FaultConfigInput;
}

export interface ManagedEnvironmentOptions {
  readonly kind: RegisteredKind;
  /** Prefix of the namespace's generated name. */
  readonly nsPrefix: string;
  /** A fault proxy of the environment's own; without one the ProviderConfig gets endpoint undefined. */
  readonly proxy?: FaultProxyChoice;
  /** Creates the namespace's ProviderConfig pointing at `endpoint`; returns its name. */
  readonly providerConfig: (namespace: string, endpoint: string | undefined) => Promise<string>;
  /** The controller manager for the namespace (not yet started). */
  readonly manager: (namespace: string) => Manager;
  /** How long close() lets kubectl wait for the deletions; default 30s. */
  readonly deleteTimeout?: string;
}

/** `plural.group`, as kubectl names the kind. */
export function resourceOf(kind: RegisteredKind): string {
  return `${kind.managed.plural}.${kind.managed.group}`;
}

export function refOf(kind: RegisteredKind): KindRef {
  const { group, version, plural } = kind.managed;
  return { group, version, plural };
}

/** Starts namespace, proxy, ProviderConfig and manager, in that order; close() undoes them in reverse. */
export function managedEnvironment(opts: ManagedEnvironmentOptions & { proxy: FaultProxyChoice }): Promise<ManagedEnvironment<FaultProxy>>;
export function managedEnvironment(opts: ManagedEnvironmentOptions): Promise<ManagedEnvironment<FaultProxy | undefined>>;
export async function managedEnvironment(opts: ManagedEnvironmentOptions): Promise<ManagedEnvironment<FaultProxy | undefined>> {
  const namespace = await testNamespace(opts.nsPrefix);
  const ns = namespace.name;
  const choice = opts.proxy;
  const proxy = choice ? await startFaultProxy({ upstream: choice.upstream, random: seededRandom(choice.seed), ...(choice.faults ? { faults: choice.faults } : {}) }) : undefined;
  const providerConfig = await opts.providerConfig(ns, proxy?.url);
  const manager = opts.manager(ns);
  await manager.start();
  const { managed } = opts.kind;
  const manifest = (name: string, forProvider: Record<string, unknown>, extra: ManifestExtra = {}): string =>
    JSON.stringify({
      apiVersion: `${managed.group}/${managed.version}`,
      kind: managed.kind,
      metadata: { name, namespace: ns, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
      spec: { forProvider, providerConfigRef: { kind: "ProviderConfig", name: providerConfig }, ...extra.spec },
    });
  return {
    ns,
    providerConfig,
    proxy,
    manifest,
    apply: (name, forProvider, extra) => kubectlOk(["apply", "-f", "-"], manifest(name, forProvider, extra)),
    view: (name) => getManaged(refOf(opts.kind), ns, name),
    async refresh(name) {
      const requestedAt = new Date().toISOString();
      await kubectlOk(["annotate", resourceOf(opts.kind), name, "-n", ns, "--overwrite", `${Annotations.reconcileRequestedAt}=${requestedAt}`]);
      return requestedAt;
    },
    async close() {
      await deleteAll(resourceOf(opts.kind), ns, opts.deleteTimeout ?? "30s");
      await manager.stop(2_000);
      await proxy?.close();
      await namespace.cleanup();
    },
  };
}

/** Deletes what a test left behind while its manager still runs; finalizers it cannot clear (protection) are dropped. */
async function deleteAll(resource: string, ns: string, timeout: string): Promise<void> {
  await kubectl(["delete", resource, "--all", "-n", ns, "--wait=true", `--timeout=${timeout}`]);
  const left = await kubectl(["get", resource, "-n", ns, "-o", "name"]);
  for (const name of left.stdout.split("\n").filter(Boolean)) {
    await kubectl(["patch", name, "-n", ns, "--type=merge", "-p", '{"metadata":{"finalizers":null}}']);
  }
}

/** The reasons of the Events on one object, oldest first. */
export async function eventReasons(ns: string, name: string): Promise<string[]> {
  return (await eventsFor(ns, name)).map((e) => e.reason);
}

/**
 * `settled`, and then observed twice more: the controller's informer cache has caught up with the
 * status it wrote (drift is told from a spec edit by comparing generation and observedGeneration
 * in that cache), so what the test does next is judged against a current view. Each observation is
 * asked for (a poll that finds nothing new does not always record one, docs/adr/0021); the first
 * may be answered by a reconcile already under way, the second cannot.
 */
export async function settledAndObserved(
  env: Pick<ManagedEnvironment<FaultProxy | undefined>, "view" | "refresh">,
  name: string,
  settled: () => Promise<boolean>,
  wait: { timeout: number; interval: number },
): Promise<void> {
  await expect.poll(settled, wait).toBe(true);
  for (let i = 0; i < 2; i++) {
    const requestedAt = await env.refresh(name);
    await expect.poll(async () => ((await env.view(name))?.status?.lastSyncTime ?? "") >= requestedAt, wait).toBe(true);
  }
}

/** Requests per operation of one service that `mutating` selects, as a proxy saw them since its last reset. */
export function mutatingCalls(proxy: FaultProxy, service: string, mutating: (operation: string) => boolean): Record<string, number> {
  const ops = proxy.stats().services[service]?.operations ?? {};
  return Object.fromEntries(Object.entries(ops).filter(([op]) => mutating(op)).map(([op, c]) => [op, c.requests]));
}

/** The operations of one service a proxy sees in the next `ms` (its stats reset first), e.g. over ten polls of an idle resource. */
export async function operationsDuring(proxy: FaultProxy, service: string, ms: number): Promise<Record<string, { requests: number }>> {
  proxy.resetStats();
  await sleep(ms);
  return proxy.stats().services[service]?.operations ?? {};
}

const ExampleShape = z.looseObject({ metadata: z.looseObject({ name: z.string() }), spec: z.looseObject({ forProvider: z.record(z.string(), z.unknown()) }) });

/**
 * Applies `file` (relative to the repository, e.g. `examples/gcp/cdn.yaml`) as written, but for
 * where it lives: the environment's namespace and ProviderConfig. Returns its name.
 */
export async function applyExample(env: { readonly ns: string; readonly providerConfig: string }, file: string): Promise<string> {
  const example = ExampleShape.parse(parse(readFileSync(new URL(`../../${file}`, import.meta.url), "utf8")));
  const manifest = { ...example, metadata: { ...example.metadata, namespace: env.ns }, spec: { ...example.spec, providerConfigRef: { kind: "ProviderConfig", name: env.providerConfig } } };
  await kubectlOk(["apply", "-f", "-"], JSON.stringify(manifest));
  return example.metadata.name;
}
