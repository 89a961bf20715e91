import { ApiException, CustomObjectsApi } from "@kubernetes/client-node";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { invalidSpecMessage, managedParser } from "../core/parse.ts";
import type { RegisteredKind } from "../core/provider.ts";
import { GARBAGE_SEED, namesField, objectOf, specSchemaOf } from "../core/testing/garbage.ts";
import { unreadable } from "../core/testing/readable.ts";
import { brokenSpec, formatPath } from "../core/testing/spec-arbitrary.ts";
import type { Broken } from "../core/testing/spec-arbitrary.ts";
import { allCrds, managedKinds } from "../providers/index.ts";
import { kubeConfig, testNamespace } from "./harness/kube.ts";
import { applyCrds } from "./harness/managed.ts";

// Garbage in, against the real API server (issue 13 item 5): a sample of the unit layer's broken
// specs (providers/garbage-in.test.ts: same generator, same seed) is sent to kube-apiserver with a
// server-side dry run — schema, CEL rules and pruning exactly as on create, nothing stored. Each
// must be refused with a readable message, or admitted only when what the controller would then
// read is safe: the parser refuses it (Synced=False InvalidSpec, and KindController never calls the
// provider for an invalid spec), or the break was pruned away and the rest is a valid spec. (A
// pruned break may still be refused: what is left, or the plausible spec it was made from, can
// break a cross-field CEL rule the generator cannot read — a refusal is always a safe answer.)
//
// No cloud call is possible here: nothing is stored (dryRun=All) and no controller runs.

const SAMPLE_PER_KIND = 1_000;
const CONCURRENCY = 8;

const Status = z.object({ message: z.string().optional(), reason: z.string().optional() });

type Answer = { readonly admitted: true; readonly object: unknown } | { readonly admitted: false; readonly code: number; readonly message: string };

async function dryRunCreate(api: CustomObjectsApi, kind: RegisteredKind, namespace: string, body: object): Promise<Answer> {
  const m = kind.managed;
  try {
    const object: unknown = await api.createNamespacedCustomObject({ group: m.group, version: m.version, namespace, plural: m.plural, body, dryRun: "All" });
    return { admitted: true, object };
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    const status = Status.safeParse(typeof err.body === "string" ? safeJson(err.body) : err.body);
    return { admitted: false, code: err.code, message: status.success ? (status.data.message ?? "") : String(err.body) };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function pool<T, R>(items: readonly T[], n: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: n }, worker));
  return out;
}

describe("garbage in: the API server refuses broken specs, or admits only what the controller handles safely", () => {
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  const api = kubeConfig().makeApiClient(CustomObjectsApi);

  beforeAll(async () => {
    await applyCrds(allCrds());
    ns = await testNamespace("garbage");
  });
  afterAll(async () => {
    await ns.cleanup();
  });

  for (const kind of managedKinds()) {
    it(`${kind.managed.group} ${kind.managed.kind}: ${SAMPLE_PER_KIND} broken specs, server-side dry run (seed ${GARBAGE_SEED})`, async () => {
      const parser = managedParser(kind.managed);
      const cases = fc.sample(brokenSpec(specSchemaOf(kind)), { seed: GARBAGE_SEED, numRuns: SAMPLE_PER_KIND });
      const failures: string[] = [];
      const tally = { refused: 0, prunedThenValid: 0, admittedButParserRefuses: 0 };
      const send = (spec: unknown, i: number): Promise<Answer> =>
        dryRunCreate(api, kind, ns.name, { ...objectOf(kind, spec, `garbage-${i}`, ns.name), metadata: { name: `garbage-${i}`, namespace: ns.name } });
      await pool(cases, CONCURRENCY, async (b: Broken, i) => {
        const answer = await send(b.spec, i);
        const problem = judge(answer, b, parser);
        if (problem) failures.push(`#${i} ${b.kind} at ${formatPath(b.path)}: ${problem}\n  spec: ${JSON.stringify(b.spec).slice(0, 300)}`);
        else if (!answer.admitted) tally.refused++;
        else if (parser.parse(admittedObject(answer)).ok) tally.prunedThenValid++;
        else tally.admittedButParserRefuses++;
      });
      expect(failures.slice(0, 10).join("\n")).toBe("");
      expect(tally.refused + tally.prunedThenValid + tally.admittedButParserRefuses).toBe(SAMPLE_PER_KIND);
    }, 120_000);
  }

  it("refuses broken names: over-long, upper case, underscores", async () => {
    const kind = managedKinds()[0];
    if (!kind) throw new Error("no kinds");
    const valid = fc.sample(brokenSpec(specSchemaOf(kind)), { seed: GARBAGE_SEED, numRuns: 1 });
    for (const name of ["x".repeat(254), "Upper", "under_score", "-lead"]) {
      const answer = await dryRunCreate(api, kind, ns.name, { ...objectOf(kind, valid[0]?.spec, name, ns.name), metadata: { name, namespace: ns.name } });
      expect(answer.admitted, name).toBe(false);
      if (!answer.admitted) expect(unreadable(answer.message)).toBeUndefined();
    }
  });
});

function admittedObject(answer: Answer & { admitted: true }): { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string }; spec?: unknown } {
  const parsed = z.looseObject({ spec: z.unknown() }).safeParse(answer.object);
  return parsed.success ? { ...parsed.data, metadata: { name: "admitted", namespace: "ns" } } : {};
}

/** Why the answer to one broken spec is wrong, or undefined when it is right. */
function judge(answer: Answer, b: Broken, parser: ReturnType<typeof managedParser>): string | undefined {
  if (!answer.admitted) {
    if (answer.code !== 422 && answer.code !== 400) return `refused with HTTP ${answer.code}, not as invalid: ${answer.message}`;
    const why = unreadable(answer.message);
    if (why) return `the API server's message ${why}: ${answer.message.slice(0, 300)}`;
    if (!answer.message.includes("spec")) return `the API server's message names no field: ${answer.message}`;
    return undefined;
  }
  if (b.expect === "refused" || b.expect === "refused-by-server") return "admitted, though the schema should refuse it (a gap between the CRD and the generator's reading of it)";
  if (JSON.stringify(answer.object).includes("notAField")) return "an unknown field was stored instead of pruned";
  const parsed = parser.parse(admittedObject(answer));
  if (parsed.ok) return undefined;
  const message = invalidSpecMessage(parsed.problems);
  const why = unreadable(message);
  if (why) return `the controller's InvalidSpec message ${why}: ${message}`;
  return namesField(message, b.path) ? undefined : `the controller's InvalidSpec message names no field: ${message}`;
}
