import type { KubeConfig } from "@kubernetes/client-node";
import { Command, Option } from "commander";
import { describeError } from "../core/errors.ts";
import { loadKubeConfig } from "../core/kube/kubeconfig.ts";
import { Annotations } from "../core/managed.ts";
import { managedParser } from "../core/parse.ts";
import type { RawObject } from "../core/parse.ts";
import { planByObserving, planFromStatus } from "../core/plan-observe.ts";
import type { SourcedPlan } from "../core/plan-observe.ts";
import { planExitCode, renderPlanJson, renderPlanText } from "../core/plan-render.ts";
import type { PlannedResource } from "../core/plan-render.ts";
import { parseDuration } from "../core/policies.ts";
import type { Managed, RegisteredKind } from "../core/provider.ts";
import { managedKinds } from "../providers/index.ts";
import { clusterObjects, refreshed } from "./plan-cluster.ts";
import { PlanConnectContexts } from "./plan-context.ts";
import { loadManifests } from "./plan-files.ts";

// `terraplane plan`: what Terraplane would do to the cloud now, per resource, decided by the
// controller's own function (core/plan.ts) from a fresh observe or the controller's own latest
// observation. It never writes to the cloud; against the cluster it writes only the
// reconcile-requested-at annotation, and only with --refresh.

export interface PlanOptions {
  readonly file?: string[];
  readonly selector?: string;
  readonly namespace?: string;
  readonly allNamespaces?: boolean;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly refresh?: boolean;
  readonly observe?: boolean;
  readonly maxAge: string;
  readonly timeout: string;
  readonly output: "text" | "json";
}

/** How to learn about an object in the cluster: the controller's observation if fresh, else observe; or only one of them. */
type Mode = "auto" | "observe" | "refresh";

export interface Target {
  readonly kind: RegisteredKind;
  readonly raw: RawObject;
  readonly origin: string;
  readonly inCluster: boolean;
}

export interface Planner {
  readonly kc: KubeConfig;
  readonly contexts: PlanConnectContexts;
  readonly mode: Mode;
  readonly maxAgeMs: number;
  readonly timeoutMs: number;
}

function durationOption(text: string, flag: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms < 1_000) throw new Error(`${flag} "${text}" is not a duration of at least 1s (e.g. 30s, 5m)`);
  return ms;
}

export function currentNamespace(kc: KubeConfig, namespace: string | undefined): string {
  return namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? "default";
}

function describeTarget(raw: RawObject): { apiVersion: string; kind: string; namespace: string; name: string; externalName?: string } {
  const externalName = raw.metadata?.annotations?.[Annotations.externalName];
  return { apiVersion: raw.apiVersion ?? "", kind: raw.kind ?? "", namespace: raw.metadata?.namespace ?? "", name: raw.metadata?.name ?? "", ...(externalName ? { externalName } : {}) };
}

async function observeNow(p: Planner, kind: RegisteredKind, mr: Managed): Promise<SourcedPlan> {
  const signal = AbortSignal.timeout(p.timeoutMs);
  return planByObserving(kind, mr, p.contexts.context(kind.managed.group, signal));
}

async function sourcedPlan(p: Planner, t: Target): Promise<{ plan: SourcedPlan; raw: RawObject }> {
  const parse = (raw: RawObject): Managed => {
    const parsed = managedParser(t.kind.managed).parse(raw);
    if (!parsed.ok) throw new Error(`spec is invalid: ${parsed.problems}`);
    return parsed.managed;
  };
  if (!t.inCluster) return { plan: await observeNow(p, t.kind, parse(t.raw)), raw: t.raw };
  if (p.mode === "observe") return { plan: await observeNow(p, t.kind, parse(t.raw)), raw: t.raw };
  const raw = p.mode === "refresh" ? (await refreshed(p.kc, { kind: t.kind, raw: t.raw }, p.timeoutMs)).raw : t.raw;
  const mr = parse(raw);
  const recorded = planFromStatus(t.kind, mr, p.maxAgeMs);
  if ("plan" in recorded) return { plan: recorded, raw };
  if (p.mode === "refresh") throw new Error(`the controller's new observation cannot be used: ${recorded.why}`);
  try {
    return { plan: await observeNow(p, t.kind, mr), raw };
  } catch (err) {
    throw new Error(`${describeError(err)} (observing from this machine, because the controller's observation cannot be used: ${recorded.why}; try --refresh)`, { cause: err });
  }
}

/** Plans one target; a failure becomes that object's error, never the whole plan's. */
export async function planTarget(p: Planner, t: Target): Promise<PlannedResource> {
  try {
    const { plan, raw } = await sourcedPlan(p, t);
    return { ...describeTarget(raw), origin: t.origin, result: { ok: true, ...plan } };
  } catch (err) {
    return { ...describeTarget(t.raw), origin: t.origin, result: { ok: false, error: describeError(err) } };
  }
}

/** At most `limit` at a time: a plan of hundreds of objects must not open hundreds of connections. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export interface Collected {
  readonly kc: KubeConfig;
  readonly targets: Target[];
  readonly skipped: readonly string[];
  readonly contexts: PlanConnectContexts;
}

/** The objects to plan; manifests are read before the kubeconfig, so a broken file is reported even without a cluster. */
export async function collectTargets(args: readonly string[], opts: PlanOptions): Promise<Collected> {
  const kinds = managedKinds();
  if (opts.file?.length) {
    if (args.length > 0 || opts.selector || opts.allNamespaces) throw new Error("-f plans the manifests in files; give either -f or <kind>/<name> | -l | -A, not both");
    const loaded = await loadManifests(opts.file, kinds);
    const kc = loadKubeConfig(opts);
    const ns = currentNamespace(kc, opts.namespace);
    const targets = loaded.managed.map((m) => ({
      kind: m.kind,
      raw: { ...m.raw, metadata: { ...m.raw.metadata, namespace: m.raw.metadata?.namespace ?? ns } },
      origin: m.file,
      inCluster: false,
    }));
    return { kc, targets, skipped: loaded.skipped, contexts: new PlanConnectContexts(kc, loaded.context, ns) };
  }
  const kc = loadKubeConfig(opts);
  const ns = currentNamespace(kc, opts.namespace);
  const objects = await clusterObjects(kc, kinds, args, { namespace: opts.allNamespaces ? undefined : ns, selector: opts.selector });
  return { kc, targets: objects.map((o) => ({ ...o, origin: "cluster", inCluster: true })), skipped: [], contexts: new PlanConnectContexts(kc, [], ns) };
}

export function plannerFor(kc: KubeConfig, contexts: PlanConnectContexts, opts: PlanOptions): Planner {
  if (opts.refresh && opts.observe) throw new Error("--refresh asks the controller to observe, --observe observes from this machine: choose one");
  const mode: Mode = opts.refresh ? "refresh" : opts.observe ? "observe" : "auto";
  return { kc, contexts, mode, maxAgeMs: durationOption(opts.maxAge, "--max-age"), timeoutMs: durationOption(opts.timeout, "--timeout") };
}

export async function planAll(args: readonly string[], opts: PlanOptions): Promise<{ resources: PlannedResource[]; skipped: readonly string[] }> {
  const { kc, targets, skipped, contexts } = await collectTargets(args, opts);
  const planner = plannerFor(kc, contexts, opts);
  return { resources: await mapLimited(targets, 8, (t) => planTarget(planner, t)), skipped };
}

/** The flags plan and adopt share: which objects, and how to learn about them. */
export function withSelectionOptions(cmd: Command): Command {
  return cmd
    .option("-l, --selector <selector>", "only objects with these labels (kubectl's syntax)")
    .option("-n, --namespace <ns>", "namespace (default: the kubeconfig context's)")
    .option("-A, --all-namespaces", "every namespace")
    .option("--refresh", "ask the controller for a new observation and wait for it (no cloud credentials needed here)")
    .option("--observe", "observe the cloud from this machine, through the ProviderConfig's credentials, even when the controller's observation is fresh")
    .option("--max-age <duration>", "use the controller's observation when it is of the current spec and at most this old", "5m")
    .option("--timeout <duration>", "how long to wait for one object's observe (or --refresh)", "60s")
    .option("--kubeconfig <path>", "kubeconfig file")
    .option("--context <name>", "kubeconfig context");
}

/** `terraplane plan`: create / update (field by field) / no changes / delete / blocked, per resource. */
export function planCommand(): Command {
  const cmd = new Command("plan")
    .description(
      "show what Terraplane would do to the cloud now, per resource: objects in the cluster (<kind>/<name>, <kind>, -l, -n, -A) or manifests not applied yet (-f). " +
        "Never changes the cloud. Exit code: 0 no changes, 2 changes (or differences Terraplane may not fix), 1 error.",
    )
    .argument("[targets...]", "<kind>/<name> or <kind>, e.g. database/orders; none: every managed resource")
    .option("-f, --file <path...>", "manifest files or directories (YAML/JSON, recursively) to plan before they are applied");
  return withSelectionOptions(cmd)
    .addOption(new Option("-o, --output <format>", "output format").choices(["text", "json"]).default("text"))
    .action(async (args: string[], opts: PlanOptions) => {
      const { resources, skipped } = await planAll(args, opts);
      for (const line of skipped) console.error(`skipped ${line}`);
      if (resources.length === 0) console.error("No managed resources to plan.");
      process.stdout.write(opts.output === "json" ? renderPlanJson(resources) : renderPlanText(resources));
      process.exitCode = planExitCode(resources);
    });
}
