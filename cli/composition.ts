import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { Command } from "commander";
import { stringify } from "yaml";
import type { ManagedKind } from "../core/kind.ts";
import { catalogFiles } from "../compositions/catalog/index.ts";
import { compileComposition } from "../compositions/compile.ts";
import { compose } from "../compositions/compose.ts";
import type { ComposeResult } from "../compositions/compose.ts";
import { compileDefinition } from "../compositions/definition.ts";
import type { CompiledDefinition } from "../compositions/definition.ts";
import type { CompositeDefinition } from "../compositions/kinds.ts";
import { loadFiles } from "../compositions/load.ts";
import type { KubeObject, Loaded } from "../compositions/load.ts";
import { formatProblem } from "../compositions/problems.ts";
import type { Instance, ObservedResource } from "../compositions/render.ts";
import { managedKinds } from "../providers/index.ts";

// `terraplane composition check` and `terraplane render`: the controller's own compiler and
// renderer, offline. Nothing here talks to a cluster or a cloud.

function kinds(): ManagedKind[] {
  return managedKinds().map((k) => k.managed);
}

/** YAML files named, or inside the directories named. */
async function expand(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const s = await stat(p).catch(() => undefined);
    if (s?.isDirectory()) out.push(...(await readdir(p, { recursive: true })).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(p, f)));
    else out.push(p);
  }
  return out;
}

/** Definitions from the files, then the catalog's for kinds the files do not define. */
async function definitions(loaded: Loaded): Promise<{ compiled: Map<string, CompiledDefinition>; failed: string[] }> {
  const catalog = await loadFiles(catalogFiles());
  const byName = new Map<string, CompositeDefinition>();
  for (const d of [...catalog.definitions, ...loaded.definitions]) byName.set(d.metadata.name, d);
  const compiled = new Map<string, CompiledDefinition>();
  const failed: string[] = [];
  for (const d of byName.values()) {
    const r = compileDefinition(d);
    const where = loaded.sources.get(d) ?? "catalog";
    if (r.ok) compiled.set(`${r.compiled.apiVersion}/${r.compiled.kind}`, r.compiled);
    else failed.push(...r.problems.map((p) => `${where}: CompositeDefinition ${d.metadata.name}: ${formatProblem(p)}`));
  }
  return { compiled, failed };
}

export function compositionCommand(): Command {
  const cmd = new Command("composition").description("work with compositions offline");
  cmd
    .command("check")
    .description("type-check compositions (and definitions) the way the controller does when they are applied; exit 1 on errors")
    .argument("<files...>", "YAML files or directories")
    .action(async (paths: string[]) => {
      const loaded = await loadFiles(await expand(paths));
      const { compiled, failed } = await definitions(loaded);
      const errors = [...failed];
      for (const c of loaded.compositions) {
        const where = loaded.sources.get(c) ?? "";
        const ref = c.spec.compositeTypeRef;
        const def = compiled.get(`${ref.apiVersion}/${ref.kind}`);
        if (!def) {
          errors.push(`${where}: Composition ${c.metadata.name}: no CompositeDefinition for ${ref.apiVersion} ${ref.kind} (pass its file too)`);
          continue;
        }
        const r = compileComposition(c, def, kinds());
        if (!r.ok) errors.push(...r.problems.map((p) => `${where}: Composition ${c.metadata.name}: ${formatProblem(p)}`));
        else console.log(`${where}: Composition ${c.metadata.name}: accepted (revision ${r.compiled.revision}; waves: ${r.compiled.waves.map((w) => w.join(" ")).join(" → ")})`);
      }
      for (const d of loaded.definitions) if (!failed.some((f) => f.includes(d.metadata.name))) console.log(`${loaded.sources.get(d) ?? ""}: CompositeDefinition ${d.metadata.name}: ok`);
      for (const e of errors) console.error(e);
      if (errors.length > 0) {
        console.error(`${errors.length} problem${errors.length === 1 ? "" : "s"}`);
        process.exitCode = 1;
      }
    });
  return cmd;
}

export function renderCommand(): Command {
  return new Command("render")
    .description("print the manifests an instance composes to, in apply order, and the status it would get — offline, with the controller's renderer")
    .argument("<instance>", "YAML file with the instance (e.g. a WebStack)")
    .option("--composition <file...>", "composition file(s) to choose from (default: the catalog's)")
    .option("--definition <file>", "the CompositeDefinition (default: the catalog's)")
    .option("--observed <dir>", "YAML files of observed composed resources (with status) and their connection Secrets")
    .action(async (file: string, opts: { composition?: string[]; definition?: string; observed?: string }) => {
      const loaded = await loadFiles([file, ...(opts.definition ? [opts.definition] : [])]);
      const instance = toInstance(loaded.objects[0], file);
      const compositions = (await loadFiles(opts.composition ?? catalogFiles())).compositions;
      const { compiled, failed } = await definitions(loaded);
      const def = compiled.get(`${instance.apiVersion}/${instance.kind}`);
      if (!def) throw new Error(`${file}: no CompositeDefinition for ${instance.apiVersion} ${instance.kind}${failed.length ? `: ${failed.join("; ")}` : " (pass --definition)"}`);
      const base = { instance, definition: def, compositions, kinds: kinds() };
      let result = compose(base);
      if (opts.observed && result.ok) {
        const observed = matchObserved(await loadFiles(await expand([opts.observed])), result);
        result = compose({ ...base, observed });
      }
      process.stdout.write(print(instance, result));
      if (!result.ok || result.resources.some((r) => r.state === "error")) process.exitCode = 1;
    });
}

function toInstance(object: KubeObject | undefined, file: string): Instance {
  if (!object) throw new Error(`${file}: no instance in the file`);
  const spec = object.spec;
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) throw new Error(`${file}: ${object.kind} ${object.metadata.name} has no spec`);
  const metadata = { ...object.metadata, namespace: object.metadata.namespace ?? "default", uid: "00000000-0000-0000-0000-000000000000" };
  return { apiVersion: object.apiVersion, kind: object.kind, metadata, spec: { ...spec } };
}

/** Observed objects by resource id: by the resource-id label, else by kind and name; Secrets by the names resources write to. */
function matchObserved(observed: Loaded, first: Extract<ComposeResult, { ok: true }>): Map<string, ObservedResource> {
  const out = new Map<string, ObservedResource>();
  const secrets = new Map(observed.objects.filter((o) => o.kind === "Secret").map((s) => [s.metadata.name, secretData(s)]));
  for (const r of first.resources) {
    const object = observed.objects.find((o) => o.apiVersion === r.apiVersion && o.kind === r.kind && o.metadata.name === r.name);
    if (!object) continue;
    const spec = object.spec;
    const ref = typeof spec === "object" && spec !== null && "writeConnectionSecretToRef" in spec ? spec.writeConnectionSecretToRef : undefined;
    const secretName = typeof ref === "object" && ref !== null && "name" in ref && typeof ref.name === "string" ? ref.name : undefined;
    const details = secretName ? secrets.get(secretName) : undefined;
    out.set(r.id, { object, ...(details ? { connectionDetails: details } : {}) });
  }
  return out;
}

function secretData(secret: KubeObject): Record<string, string> {
  const out: Record<string, string> = {};
  const { data, stringData } = secret;
  if (typeof data === "object" && data !== null) for (const [k, v] of Object.entries(data)) if (typeof v === "string") out[k] = Buffer.from(v, "base64").toString("utf8");
  if (typeof stringData === "object" && stringData !== null) for (const [k, v] of Object.entries(stringData)) if (typeof v === "string") out[k] = v;
  return out;
}

function print(instance: Instance, result: ComposeResult): string {
  const docs: string[] = [];
  if (!result.ok) {
    const status = { conditions: [result.condition] };
    return `# ${instance.kind} ${instance.metadata.name}: ${result.condition.reason}: ${result.condition.message ?? ""}\n---\n${yaml({ ...instance, status })}`;
  }
  const c = result.selection;
  docs.push(`# ${instance.kind} ${instance.metadata.namespace ?? ""}/${instance.metadata.name} → composition ${c.composition.metadata.name} (revision ${c.revision}, chosen by ${c.by})\n`);
  for (const r of result.resources) {
    const head = `# wave ${r.wave}: ${r.id} (${r.apiVersion} ${r.kind} ${r.name})`;
    if (r.state === "rendered" && r.manifest) docs.push(`---\n${head}\n${yaml(r.manifest)}`);
    else docs.push(`---\n${head} — not rendered (${r.state}): ${r.message ?? ""}\n`);
  }
  const secret = result.connection;
  docs.push(`---\n# connection Secret keys: ${Object.keys(secret.data).join(", ") || "none yet"}${secret.missing.length ? `; missing: ${secret.missing.join(", ")}` : ""} (values not shown)\n`);
  docs.push(`---\n# the instance's status\n${yaml({ apiVersion: instance.apiVersion, kind: instance.kind, metadata: { name: instance.metadata.name, namespace: instance.metadata.namespace }, status: { conditions: result.conditions, ...result.status } })}`);
  return docs.join("");
}

function yaml(value: unknown): string {
  return stringify(value, { aliasDuplicateObjects: false, lineWidth: 0 });
}
