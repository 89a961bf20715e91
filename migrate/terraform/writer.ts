import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import type { Manifest } from "./manifest.ts";

// The manifests as one YAML stream, or one file per manifest in a directory.

function toYaml(m: Manifest): string {
  return stringify(m, { aliasDuplicateObjects: false, lineWidth: 0 });
}

export function yamlStream(manifests: readonly Manifest[]): string {
  return manifests.map((m) => `---\n${toYaml(m)}`).join("");
}

/** <cloud>-<kind>-<name>.yaml, e.g. aws-database-main.yaml. */
export function fileNameOf(m: Manifest): string {
  const cloud = m.apiVersion.split(".")[0] ?? "terraplane";
  return `${cloud}-${m.kind.toLowerCase()}-${m.metadata.name}.yaml`;
}

/** Writes each manifest to its own file in `dir` (created when missing); returns the paths written. */
export async function writeDirectory(dir: string, manifests: readonly Manifest[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const m of manifests) {
    const path = join(dir, fileNameOf(m));
    await writeFile(path, toYaml(m));
    paths.push(path);
  }
  return paths;
}
