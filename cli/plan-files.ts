import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { z } from "zod";
import type { RawObject } from "../core/parse.ts";
import type { RegisteredKind } from "../core/provider.ts";

// Manifests not applied yet (`terraplane plan -f file|dir`): every YAML document in the files,
// sorted into managed objects to plan, the objects a plan needs to connect (ProviderConfigs and
// Secrets, used when the cluster does not have them yet) and what plan has nothing to say about.

export interface FileObject {
  readonly file: string;
  readonly raw: RawObject;
}

export interface ManagedFileObject extends FileObject {
  readonly kind: RegisteredKind;
}

export interface LoadedFiles {
  readonly managed: readonly ManagedFileObject[];
  /** ProviderConfigs, ClusterProviderConfigs and Secrets. */
  readonly context: readonly FileObject[];
  /** One line per document skipped, naming the file and why. */
  readonly skipped: readonly string[];
}

const Doc = z.looseObject({
  apiVersion: z.string({ error: "apiVersion is missing" }),
  kind: z.string({ error: "kind is missing" }),
  metadata: z.looseObject({ name: z.string({ error: "metadata.name is missing" }), namespace: z.string().optional() }),
});

async function manifestFiles(path: string): Promise<string[]> {
  const info = await stat(path).catch((err: unknown) => {
    throw new Error(`${path}: cannot read: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  });
  if (!info.isDirectory()) return [path];
  const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? manifestFiles(join(path, e.name)) : Promise.resolve(/\.(ya?ml|json)$/.test(e.name) ? [join(path, e.name)] : []))));
  return nested.flat();
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes("/") ? (apiVersion.split("/")[0] ?? "") : "";
}

async function documentsOf(file: string): Promise<unknown[]> {
  const docs = parseAllDocuments(await readFile(file, "utf8"));
  const list = Array.isArray(docs) ? docs : [docs];
  return list.flatMap((doc, i) => {
    const error = doc.errors[0];
    if (error) throw new Error(`${file}: document ${i + 1} is not valid YAML: ${error.message}`);
    const value: unknown = doc.toJS();
    return value === null || value === undefined ? [] : [value];
  });
}

/** Reads every manifest under `paths`; `kinds` are the managed kinds this binary serves. */
export async function loadManifests(paths: readonly string[], kinds: readonly RegisteredKind[]): Promise<LoadedFiles> {
  const managed: ManagedFileObject[] = [];
  const context: FileObject[] = [];
  const skipped: string[] = [];
  const groups = new Set(kinds.map((k) => k.managed.group));
  for (const file of (await Promise.all(paths.map(manifestFiles))).flat()) {
    for (const [i, value] of (await documentsOf(file)).entries()) {
      const doc = Doc.safeParse(value);
      if (!doc.success) throw new Error(`${file}: document ${i + 1}: ${z.prettifyError(doc.error).replaceAll("\n", "; ")}`);
      const raw: RawObject = doc.data;
      const group = groupOf(doc.data.apiVersion);
      const kind = kinds.find((k) => k.managed.group === group && k.managed.kind === doc.data.kind);
      if (kind) managed.push({ file, raw, kind });
      else if ((doc.data.apiVersion === "v1" && doc.data.kind === "Secret") || (groups.has(group) && /ProviderConfig$/.test(doc.data.kind))) context.push({ file, raw });
      else skipped.push(`${file}: ${doc.data.apiVersion} ${doc.data.kind} "${doc.data.metadata.name}" is not a managed kind; nothing to plan`);
    }
  }
  return { managed, context, skipped };
}
