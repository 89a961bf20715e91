// What the test-double benchmarks (bench-core, bench-scale) share: making, counting and releasing
// Things on the API server, the controller's readiness and metrics, and a process's memory.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { CustomObjectsApi, PatchStrategy, makeInformer, setHeaderOptions } from "@kubernetes/client-node";
import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";
import { z } from "zod";
import type { Child } from "./_lifecycle.ts";

export interface Where {
  readonly group: string;
  readonly namespace: string;
  readonly plural: string;
}

const ThingList = z.object({
  items: z.array(
    z.object({
      metadata: z.object({ name: z.string(), finalizers: z.array(z.string()).optional() }),
      status: z.object({ conditions: z.array(z.object({ type: z.string(), status: z.string() })).optional() }).optional(),
    }),
  ),
});
export type ListedThing = z.infer<typeof ThingList>["items"][number];

/** Things t-0 … t-(n-1), `parallel` creates in flight. */
export async function createThings(custom: CustomObjectsApi, w: Where, n: number, parallel = 20): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, n) }, async () => {
      while (next < n) {
        const i = next++;
        await custom.createNamespacedCustomObject({
          group: w.group,
          version: "v1alpha1",
          namespace: w.namespace,
          plural: w.plural,
          body: { apiVersion: `${w.group}/v1alpha1`, kind: "Thing", metadata: { name: `t-${i}` }, spec: { forProvider: { region: "eu", size: 1 + (i % 100) } } },
        });
      }
    }),
  );
}

export async function listThings(custom: CustomObjectsApi, w: Where): Promise<ListedThing[]> {
  return ThingList.parse(await custom.listNamespacedCustomObject({ group: w.group, version: "v1alpha1", namespace: w.namespace, plural: w.plural })).items;
}

export function isReady(thing: { status?: ListedThing["status"] }): boolean {
  return thing.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

export async function readyCount(custom: CustomObjectsApi, w: Where): Promise<number> {
  return (await listThings(custom, w)).filter(isReady).length;
}

/** Without a controller nobody else removes the finalizers: the namespace would stay Terminating. */
export async function dropFinalizers(custom: CustomObjectsApi, w: Where, say: (line: string) => void): Promise<void> {
  const held = (await listThings(custom, w).catch(() => [])).filter((t) => (t.metadata.finalizers ?? []).length > 0);
  if (held.length === 0) return;
  say(`removing the finalizers of ${held.length} things (in-memory cloud: nothing real is left behind)`);
  let next = 0;
  let failed = 0;
  const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      for (let t = held[next++]; t; t = held[next++]) {
        const body = { metadata: { finalizers: null } };
        await custom.patchNamespacedCustomObject({ group: w.group, version: "v1alpha1", namespace: w.namespace, plural: w.plural, name: t.metadata.name, body }, merge).catch(() => failed++);
      }
    }),
  );
  if (failed > 0) say(`could not remove the finalizers of ${failed} things; the namespace ${w.namespace} stays Terminating until they are`);
}

/** Every informer has listed: until then the first creates would only queue up behind a 404 retry. */
export async function waitReadyz(url: string, controller: Child<unknown>): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = await fetch(`${url}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    if (!controller.alive()) throw new Error(`the controller exited (${await controller.exited}) before it was ready`);
    if (Date.now() > deadline) throw new Error(`the controller's /readyz still answers ${status} after 60s`);
    await sleep(200);
  }
}

/** The sum of a Prometheus counter's or gauge's samples (all label sets) whose line starts with `prefix`. */
export function sumSamples(text: string, prefix: string): number {
  return text
    .split("\n")
    .filter((l) => l.startsWith(prefix))
    .reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
}

export async function reconcileCount(url: string): Promise<number> {
  return sumSamples(await (await fetch(`${url}/metrics`)).text(), "terraplane_reconciles_total{");
}

/** The controller's V8 heap in use (live objects plus garbage not yet collected), from its /metrics. */
export async function heapUsedMiB(url: string): Promise<number> {
  return Math.round(sumSamples(await (await fetch(`${url}/metrics`)).text(), "nodejs_heap_size_used_bytes ") / 2 ** 20);
}

export function rssMiB(pid: number, field: "VmHWM" | "VmRSS"): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(field)) ?? "0";
  return Math.round(Number(line.replace(/\D+/g, "")) / 1024);
}

/** Async, so a Ctrl-C during a long kubectl still reaches the signal handler. */
export function run(command: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const child = execFile(command, [...args], { encoding: "utf8", maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command} ${args.slice(2).join(" ")}: ${stderr.trim() || err.message}`));
      else resolveRun(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/**
 * How many things are Ready, from a watch (an informer) rather than repeated lists: listing 10,000
 * objects every few seconds would load the API server the benchmark measures.
 */
export class ReadyWatch {
  readonly #ready = new Set<string>();
  readonly #informer;
  #wake: (() => void) | undefined;

  constructor(kc: KubeConfig, where: Where) {
    const custom = kc.makeApiClient(CustomObjectsApi);
    const path = `/apis/${where.group}/v1alpha1/namespaces/${where.namespace}/${where.plural}`;
    const list = async () => asList(await custom.listNamespacedCustomObject({ group: where.group, version: "v1alpha1", namespace: where.namespace, plural: where.plural }));
    this.#informer = makeInformer(kc, path, list);
    const seen = (obj: KubernetesObject): void => {
      const key = obj.metadata?.name ?? "";
      if (isReady(StatusOnly.parse(obj))) this.#ready.add(key);
      else this.#ready.delete(key);
      this.#wake?.();
    };
    this.#informer.on("add", seen);
    this.#informer.on("update", seen);
    this.#informer.on("delete", (obj) => this.#ready.delete(obj.metadata?.name ?? ""));
    // The informer stops on an error other than 410 Gone: start it again (the count is rebuilt from its list).
    this.#informer.on("error", () => {
      setTimeout(() => void this.#informer.start().catch(() => undefined), 1_000).unref();
    });
  }

  get ready(): number {
    return this.#ready.size;
  }

  start(): Promise<void> {
    return this.#informer.start();
  }

  stop(): Promise<void> {
    return this.#informer.stop();
  }

  /** Resolves after `ms`, or sooner once `target` things are Ready. */
  async allReadyOr(target: number, ms: number): Promise<void> {
    await new Promise<void>((resolveWait) => {
      const timer = setTimeout(resolveWait, ms);
      this.#wake = () => {
        if (this.#ready.size < target) return;
        clearTimeout(timer);
        resolveWait();
      };
    });
    this.#wake = undefined;
  }
}

const StatusOnly = z.looseObject({
  status: z.object({ conditions: z.array(z.object({ type: z.string(), status: z.string() })).optional() }).optional(),
});

function asList(value: unknown): { apiVersion: string; kind: string; metadata: object; items: KubernetesObject[] } {
  const parsed = z.object({ metadata: z.looseObject({}), items: z.array(z.looseObject({})) }).parse(value);
  return { apiVersion: "v1", kind: "List", metadata: parsed.metadata, items: parsed.items };
}
