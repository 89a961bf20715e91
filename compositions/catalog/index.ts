import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// The bundled definitions and compositions are YAML files beside this module (one directory per
// abstract kind): the same files users read, apply and copy.

export const CATALOG_DIR = fileURLToPath(new URL(".", import.meta.url));

/** Every YAML file of the catalog, sorted. */
export function catalogFiles(): string[] {
  return readdirSync(CATALOG_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(CATALOG_DIR, d.name)).filter((f) => f.endsWith(".yaml")).map((f) => join(CATALOG_DIR, d.name, f)))
    .sort();
}
