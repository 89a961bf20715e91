import { KubernetesObjectApi, PatchStrategy } from "@kubernetes/client-node";
import type { KubernetesObject } from "@kubernetes/client-node";
import { Command } from "commander";
import { z } from "zod";
import { describeError } from "../core/errors.ts";
import { isConflict } from "../core/kube/errors.ts";
import type { ManagementPolicy } from "../core/managed.ts";
import { renderPlanText } from "../core/plan-render.ts";
import { ImportAnnotations } from "../migrate/terraform/manifest.ts";
import { collectTargets, planTarget, plannerFor, withSelectionOptions } from "./plan.ts";
import type { Planner, PlanOptions, Target } from "./plan.ts";

// `terraplane adopt`: hands a resource imported read-only (Observe, Orphan) to Terraplane, only when a
// fresh plan says the controller would change nothing, so taking over can never be the moment the
// cloud changes. Then prints the `terraform state rm` commands that end Terraform's claim on it.

interface AdoptOptions extends PlanOptions {
  readonly allowDelete?: boolean;
}

/** Everything but Delete (the cloud resource outlives its object), or everything. */
export function widened(allowDelete: boolean): { managementPolicies: ManagementPolicy[]; deletionPolicy: "Delete" | "Orphan" } {
  return allowDelete ? { managementPolicies: ["*"], deletionPolicy: "Delete" } : { managementPolicies: ["Observe", "Create", "Update", "LateInitialize"], deletionPolicy: "Orphan" };
}

const Adoptable = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.string(),
    resourceVersion: z.string().optional(),
    generation: z.number().optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.looseObject({ managementPolicies: z.array(z.string()).optional(), deletionPolicy: z.string().optional() }).optional(),
});

type Verdict = { readonly adopted: true; readonly line: string; readonly addresses: readonly string[] } | { readonly adopted: false; readonly line: string; readonly detail?: string };

function terraformAddresses(annotations: Readonly<Record<string, string>>): string[] {
  const text = annotations[ImportAnnotations.terraformAddresses];
  if (!text) return [];
  const parsed = z.array(z.string()).safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : [];
}

/** A single-quoted shell word: Terraform addresses carry brackets and double quotes (module.x["a"]). */
function shellWord(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

function alreadyAdopted(obj: z.infer<typeof Adoptable>, want: ReturnType<typeof widened>): boolean {
  const policies = obj.spec?.managementPolicies ?? ["*"];
  const samePolicies = policies.length === want.managementPolicies.length && policies.every((p) => want.managementPolicies.some((w) => w === p));
  return samePolicies && (obj.spec?.deletionPolicy ?? "Delete") === want.deletionPolicy;
}

export function adoptCommand(): Command {
  const cmd = new Command("adopt")
    .description(
      "let Terraplane manage imported resources: only when a fresh plan is zero-diff, widen managementPolicies (everything but Delete; --allow-delete: everything, deletionPolicy Delete), " +
        "then print the `terraform state rm` commands for them. Refuses a resource whose import dropped configuration (terraplane.dev/import-dropped).",
    )
    .argument("[targets...]", "<kind>/<name> or <kind>, e.g. database/orders (or -l <selector>)")
    .option("--allow-delete", "also let Terraplane delete the cloud resource when the object is deleted (deletionPolicy Delete)");
  return withSelectionOptions(cmd).action(async (args: string[], opts: AdoptOptions) => {
    if (args.length === 0 && !opts.selector) throw new Error("name what to adopt: <kind>/<name> or -l <selector>");
    const { kc, targets, contexts } = await collectTargets(args, { ...opts, file: [] });
    const planner = plannerFor(kc, contexts, opts);
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const want = widened(opts.allowDelete ?? false);
    const verdicts: Verdict[] = [];
    for (const t of targets) verdicts.push(await adoptOne({ planner, objects, want }, t));
    report(verdicts);
    process.exitCode = targets.length > 0 && verdicts.every((v) => v.adopted) ? 0 : 1;
  });
}

/** The two object calls adopt makes (KubernetesObjectApi's), narrow so a test can stand in for the API server. */
export interface PolicyWriter {
  patch(spec: KubernetesObject & { spec: unknown }, pretty: undefined, dryRun: undefined, fieldManager: string, force: undefined, strategy: PatchStrategy): Promise<unknown>;
  read(spec: KubernetesObject): Promise<unknown>;
}

interface Adopter {
  readonly planner: Planner;
  readonly objects: PolicyWriter;
  readonly want: ReturnType<typeof widened>;
}

function refusedForDropped(id: string, dropped: string): Verdict {
  const list = dropped.split(",").map((d) => d.replaceAll("%2C", ",")).join(", ");
  return {
    adopted: false,
    line: `refused ${id}: its import dropped configuration Terraplane cannot express (${list}); widening its policies would remove that configuration from the cloud. Keep it read-only, or manage that configuration elsewhere and remove the ${ImportAnnotations.importDropped} annotation`,
  };
}

async function adoptOne(a: Adopter, t: Target): Promise<Verdict> {
  const obj = Adoptable.parse(t.raw);
  const id = `${t.kind.provider} ${t.kind.managed.kind} ${obj.metadata.namespace}/${obj.metadata.name}`;
  const annotations = obj.metadata.annotations ?? {};
  const dropped = annotations[ImportAnnotations.importDropped];
  if (dropped) return refusedForDropped(id, dropped);
  const addresses = terraformAddresses(annotations);
  if (alreadyAdopted(obj, a.want)) {
    return { adopted: true, line: `${id} is already adopted`, addresses };
  }
  const planned = await planTarget(a.planner, t);
  if (!planned.result.ok || planned.result.plan.reason !== "up-to-date") {
    const why = planned.result.ok ? `a fresh plan is not zero-diff (${planned.result.plan.action}: ${planned.result.plan.message})` : `it cannot be planned (${planned.result.error})`;
    return { adopted: false, line: `refused ${id}: ${why}; nothing was changed`, detail: renderPlanText([planned]) };
  }
  try {
    await widen(a, t.raw);
  } catch (err) {
    return { adopted: false, line: `refused ${id}: cannot update it: ${describeError(err)}` };
  }
  return { adopted: true, line: `adopted ${id}: managementPolicies ${JSON.stringify(a.want.managementPolicies)}, deletionPolicy ${a.want.deletionPolicy}`, addresses };
}

/**
 * The policy patch, conditional on the version planned: a spec edited since is planned again, never
 * adopted blind. The controller's status writes (conditions, lastSyncTime) change the resourceVersion
 * but not the spec (the generation): such a conflict is retried on the new version.
 */
export async function widen(a: Pick<Adopter, "objects" | "want">, raw: KubernetesObject): Promise<void> {
  const obj = Adoptable.parse(raw);
  const ref = { apiVersion: raw.apiVersion, kind: raw.kind, metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace } };
  let resourceVersion = obj.metadata.resourceVersion;
  for (let attempt = 1; ; attempt++) {
    try {
      await a.objects.patch({ ...ref, metadata: { ...ref.metadata, resourceVersion }, spec: a.want }, undefined, undefined, "terraplane-adopt", undefined, PatchStrategy.MergePatch);
      return;
    } catch (err) {
      if (!isConflict(err) || attempt >= 5) throw err;
      const fresh = Adoptable.parse(await a.objects.read(ref));
      const unchanged = fresh.metadata.generation === obj.metadata.generation && fresh.metadata.annotations?.[ImportAnnotations.importDropped] === undefined;
      if (!unchanged) throw err;
      resourceVersion = fresh.metadata.resourceVersion;
    }
  }
}

function report(verdicts: readonly Verdict[]): void {
  if (verdicts.length === 0) console.error("No managed resources matched.");
  for (const v of verdicts) {
    console.log(v.line);
    if (!v.adopted && v.detail) process.stdout.write(v.detail.replace(/^(?=.)/gm, "    "));
  }
  const addresses = verdicts.flatMap((v) => (v.adopted ? v.addresses : []));
  if (addresses.length === 0) return;
  console.log("\nTerraform should stop managing the adopted resources. Remove them from its state (no cloud resource changes):");
  for (const a of addresses) console.log(`  terraform state rm ${shellWord(a)}`);
}
