import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { z } from "zod";
import { repoRoot } from "../launcher/paths.ts";

/** A managed resource an example file declares. */
export interface ManagedRef {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export interface ExampleFile {
  readonly path: string;
  /** Only configuration (Secrets, ProviderConfigs): applied before the managed resources that need it. */
  readonly configOnly: boolean;
  readonly managed: readonly ManagedRef[];
}

const Doc = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.object({ name: z.string(), namespace: z.string().optional() }),
});

const CONFIG_KINDS = new Set(["Namespace", "Secret", "ConfigMap", "ProviderConfig", "ClusterProviderConfig"]);
const TERRAPLANE_GROUP = /\.terraplane\.dev$/;

export const examplesDir = join(repoRoot, "examples");

/** examples/<cloud>/*.yaml in apply order: configuration files first, then the rest, each by path. */
export function exampleFiles(dir = examplesDir): ExampleFile[] {
  const files = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(dir, d.name)).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(dir, d.name, f)));
  return files.map(readExample).sort((a, b) => Number(a.configOnly === false) - Number(b.configOnly === false) || a.path.localeCompare(b.path));
}

function readExample(path: string): ExampleFile {
  const docs = parseAllDocuments(readFileSync(path, "utf8"))
    .filter((d) => d.contents !== null)
    .map((d) => {
      const parsed = Doc.safeParse(d.toJS());
      if (!parsed.success) throw new Error(`${path}: not a Kubernetes object: ${parsed.error.issues[0]?.message ?? ""}`);
      return parsed.data;
    });
  const managed = docs
    .filter((d) => TERRAPLANE_GROUP.test(d.apiVersion.split("/")[0] ?? "") && !CONFIG_KINDS.has(d.kind))
    .map((d) => ({ group: d.apiVersion.split("/")[0] ?? "", kind: d.kind, namespace: d.metadata.namespace ?? "default", name: d.metadata.name }));
  return { path, configOnly: docs.every((d) => CONFIG_KINDS.has(d.kind)), managed };
}

/** "aws Database default/orders": how a managed resource is named in the demo's messages. */
export function describeRef(ref: ManagedRef): string {
  return `${ref.group.split(".")[0] ?? ref.group} ${ref.kind} ${ref.namespace}/${ref.name}`;
}
