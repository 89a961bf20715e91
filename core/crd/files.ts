import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GENERATED_HEADER, toYaml } from "./generate.ts";
import type { CustomResourceDefinition } from "./generate.ts";

// One YAML file per CRD, `<group>_<plural>.yaml`, each starting with the generated-file header.
// Files without the header are someone's own and are never touched or reported.

/** The file a CRD is written to. */
export function crdFileName(crd: CustomResourceDefinition): string {
  return `${crd.spec.group}_${crd.spec.names.plural}.yaml`;
}

/** What should be in the directory: file name → content. Throws if two CRDs would share a file. */
export function renderCrdFiles(crds: readonly CustomResourceDefinition[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const crd of crds) {
    const name = crdFileName(crd);
    if (files.has(name)) throw new Error(`two CRDs would both be written to ${name}: ${crd.metadata.name} is listed twice`);
    files.set(name, toYaml([crd]));
  }
  return files;
}

export interface WriteResult {
  /** Files created or changed. */
  readonly written: readonly string[];
  readonly unchanged: readonly string[];
  /** Generated files for CRDs no longer listed. */
  readonly removed: readonly string[];
}

/** Writes one file per CRD into `dir` (created if missing) and removes generated files for CRDs no longer listed. */
export async function writeCrds(dir: string, crds: readonly CustomResourceDefinition[]): Promise<WriteResult> {
  const want = renderCrdFiles(crds);
  await mkdir(dir, { recursive: true });
  const have = await generatedFiles(dir);
  const written: string[] = [];
  const unchanged: string[] = [];
  for (const [name, content] of [...want].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (have.get(name) === content) {
      unchanged.push(name);
      continue;
    }
    if (!have.has(name) && (await readIfExists(join(dir, name))) !== undefined) {
      throw new Error(`${join(dir, name)} exists but was not generated (no header): move it away, then generate again`);
    }
    await writeFile(join(dir, name), content, "utf8");
    written.push(name);
  }
  const removed = [...have.keys()].filter((name) => !want.has(name)).sort();
  for (const name of removed) await rm(join(dir, name), { force: true });
  return { written, unchanged, removed };
}

export interface FreshnessProblem {
  readonly file: string;
  /** missing: no file for a CRD; stale: the file differs from what would be generated; extra: a generated file for no CRD. */
  readonly problem: "missing" | "stale" | "extra";
}

/** What `writeCrds(dir, crds)` would change, as a list of problems; empty when the checked-in files are fresh. */
export async function checkCrdsFresh(dir: string, crds: readonly CustomResourceDefinition[]): Promise<FreshnessProblem[]> {
  const want = renderCrdFiles(crds);
  const have = await generatedFiles(dir);
  const problems: FreshnessProblem[] = [];
  for (const [file, content] of want) {
    const current = have.get(file) ?? (await readIfExists(join(dir, file)));
    if (current === undefined) problems.push({ file, problem: "missing" });
    else if (current !== content) problems.push({ file, problem: "stale" });
  }
  for (const file of have.keys()) if (!want.has(file)) problems.push({ file, problem: "extra" });
  return problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** The generated files (those starting with the header) in `dir`, by name; empty if `dir` does not exist. */
async function generatedFiles(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (isNotFound(err)) return files;
    throw err;
  }
  for (const name of names.filter((n) => n.endsWith(".yaml") || n.endsWith(".yml"))) {
    const content = await readIfExists(join(dir, name));
    if (content?.startsWith(GENERATED_HEADER)) files.set(name, content);
  }
  return files;
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if (isNotFound(err) || isDirectory(err)) return undefined;
    throw err;
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof Error && "code" in err && err.code === "ENOENT";
}

function isDirectory(err: unknown): boolean {
  return err instanceof Error && "code" in err && err.code === "EISDIR";
}
