import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import type { KubeConfig } from "@kubernetes/client-node";
import { listManaged, managedKinds } from "../../core/inspect/discover.ts";
import type { ManagedObject, ServedKind } from "../../core/inspect/discover.ts";
import { explain } from "../../core/inspect/explain.ts";
import { rowOf } from "../../core/inspect/status.ts";
import type { StatusRow } from "../../core/inspect/status.ts";
import { renderTable } from "../../core/inspect/table.ts";
import { describeRef } from "./examples.ts";
import type { ManagedRef } from "./examples.ts";

const HEADER = ["KIND", "NAMESPACE", "NAME", "CLOUD", "READY", "SYNCED", "AGE", "MESSAGE"];

const cloudOf = (ref: ManagedRef): string => ref.group.split(".")[0] ?? ref.group;
const matches = (ref: ManagedRef, row: StatusRow): boolean =>
  row.kind === ref.kind && row.cloud === cloudOf(ref) && row.namespace === ref.namespace && row.name === ref.name;

/** A `terraplane status` row, and whether the controller has synced it since `since` (not a status left from an earlier run). */
export interface Observed {
  readonly row: StatusRow;
  readonly fresh: boolean;
}

/** The `terraplane status` rows of exactly these resources (a row saying so when one is missing). */
export async function rowsOf(kc: KubeConfig, refs: readonly ManagedRef[], since = 0): Promise<Observed[]> {
  const kinds = (await managedKinds(kc)).filter((k) => refs.some((r) => r.group === k.group && r.kind === k.kind));
  const namespaces = [...new Set(refs.map((r) => r.namespace))];
  const lists = await Promise.all(
    kinds.flatMap((kind) =>
      namespaces.map(async (ns) =>
        Promise.all((await listManaged(kc, kind, ns)).map(async (obj) => observed(kind, obj, kind.composite ? await composedSyncedAt(kc, obj) : obj.status?.lastSyncTime, since))),
      ),
    ),
  );
  const all = lists.flat();
  return refs.map((ref) => all.find((o) => matches(ref, o.row)) ?? { row: missingRow(ref), fresh: false });
}

function observed(kind: ServedKind, obj: ManagedObject, last: string | undefined, since: number): Observed {
  const row = rowOf(kind, obj);
  const fresh = last !== undefined && Date.parse(last) >= since;
  const stale = last !== undefined && !fresh && !row.message;
  return { row: stale ? { ...row, message: "(status from an earlier run: waiting for this controller's first sync)" } : row, fresh };
}

const ComposedEntry = z.object({ apiVersion: z.string(), kind: z.string(), name: z.string(), namespace: z.string().optional() });

/**
 * When a composite instance was last synced, as far as this controller is concerned: the oldest
 * lastSyncTime of the managed resources it composed (status.resources), so an instance Ready from an
 * earlier run is not taken as evidence until every one of its resources has been observed again.
 */
async function composedSyncedAt(kc: KubeConfig, obj: ManagedObject): Promise<string | undefined> {
  const entries = z.array(ComposedEntry).safeParse(obj.status?.resources);
  if (!entries.success || entries.data.length === 0) return undefined;
  const kinds = await managedKinds(kc);
  const times = await Promise.all(
    entries.data.map(async (e) => {
      const kind = kinds.find((k) => `${k.group}/${k.version}` === e.apiVersion && k.kind === e.kind);
      if (!kind) return undefined;
      const composed = (await listManaged(kc, kind, e.namespace ?? obj.metadata.namespace)).find((o) => o.metadata.name === e.name);
      return composed?.status?.lastSyncTime;
    }),
  );
  if (times.some((t) => t === undefined)) return undefined;
  return times.filter((t): t is string => t !== undefined).sort()[0];
}

const missingRow = (ref: ManagedRef): StatusRow => ({ kind: ref.kind, namespace: ref.namespace, name: ref.name, cloud: cloudOf(ref), ready: "-", synced: "-", age: "-", message: "not found" });

export const isDone = (o: Observed): boolean => o.fresh && o.row.ready === "True" && o.row.synced === "True";

export function renderRows(rows: readonly Observed[]): string {
  return renderTable(HEADER, rows.map(({ row: r }) => [r.kind, r.namespace, r.name, r.cloud, r.ready, r.synced, r.age, r.message]));
}

export interface WatchOptions {
  /** When the controller started: a status synced before then is not evidence. */
  readonly since: number;
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly signal: AbortSignal;
  /** Checked on every refresh: a reason to stop waiting (e.g. the controller died). */
  readonly failure: () => string | undefined;
}

export type WatchResult = { readonly outcome: "ready"; readonly ms: number } | { readonly outcome: "timeout" | "aborted" } | { readonly outcome: "failed"; readonly reason: string };

/**
 * Redraws the table every interval until every resource is Ready and Synced. On a terminal the table
 * is redrawn in place; otherwise (logs, CI) it is printed again only when a row changed.
 */
export async function watchUntilReady(kc: KubeConfig, refs: readonly ManagedRef[], opts: WatchOptions): Promise<WatchResult> {
  const t0 = Date.now();
  const screen = new Screen(process.stdout.isTTY === true);
  for (;;) {
    const rows = await rowsOf(kc, refs, opts.since).catch((err: unknown): Observed[] | string => (err instanceof Error ? err.message : String(err)));
    const elapsed = ((Date.now() - t0) / 1000).toFixed(0);
    const ready = typeof rows === "string" ? 0 : rows.filter(isDone).length;
    const title = `${ready}/${refs.length} Ready and Synced after ${elapsed}s (refreshing every ${opts.intervalMs / 1000}s; Ctrl-C stops everything)`;
    screen.show(title, typeof rows === "string" ? `(cannot list: ${rows})` : renderRows(rows));
    if (typeof rows !== "string" && ready === refs.length) return { outcome: "ready", ms: Date.now() - t0 };
    const failure = opts.failure();
    if (failure) return { outcome: "failed", reason: failure };
    if (Date.now() - t0 > opts.timeoutMs) return { outcome: "timeout" };
    await sleep(opts.intervalMs, undefined, { signal: opts.signal }).catch(() => undefined);
    if (opts.signal.aborted) return { outcome: "aborted" };
  }
}

/** A block of lines that a terminal redraws in place, and a log gets only when its content changes. */
class Screen {
  #lines = 0;
  #last = "";
  readonly #tty: boolean;

  constructor(tty: boolean) {
    this.#tty = tty;
  }

  show(title: string, body: string): void {
    if (this.#tty) {
      const text = `${title}\n${body}\n`;
      process.stdout.write(`${this.#lines > 0 ? `\x1b[${this.#lines}A\x1b[J` : ""}${text}`);
      // Rows the terminal wrapped take more than one line to move back over.
      const columns = process.stdout.columns || 80;
      this.#lines = text.split("\n").slice(0, -1).reduce((n, line) => n + Math.max(1, Math.ceil(line.length / columns)), 0);
      return;
    }
    // Ages change every refresh; only a change elsewhere is news in a log.
    const key = body.replace(/\s+\d+[smhd]\s+/g, " ");
    if (key === this.#last) return;
    this.#last = key;
    process.stdout.write(`${title}\n${body}\n`);
  }
}

/** For each resource not Ready: `terraplane explain`'s root cause, one line each. */
export async function explainStuck(kc: KubeConfig, refs: readonly ManagedRef[], since: number): Promise<string[]> {
  const rows = await rowsOf(kc, refs, since);
  const kinds = await managedKinds(kc);
  const stuck = refs.filter((ref) => !rows.some((o) => matches(ref, o.row) && isDone(o)));
  return Promise.all(
    stuck.map(async (ref) => {
      const kind = kinds.find((k) => k.group === ref.group && k.kind === ref.kind);
      if (!kind) return `${describeRef(ref)}: its CRD is not installed`;
      try {
        const why = (await explain(kc, kind, ref.namespace, ref.name)).rootCause ?? "no root cause found (it may be about to turn Ready)";
        return `${describeRef(ref)}: ${why}\n    more: terraplane explain ${kind.plural}.${kind.group}/${ref.name} -n ${ref.namespace}`;
      } catch (err) {
        return `${describeRef(ref)}: ${err instanceof Error ? err.message : String(err)}`;
      }
    }),
  );
}
