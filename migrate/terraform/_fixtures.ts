import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isRecord } from "./attrs.ts";

// Test input: the real states in ../shared/tfstate-fixtures (read as they are) and this folder's
// testdata/, states in the shape provider v6 writes. Also: every secret value they hold.

export const SHARED_FIXTURES = new URL("../../../shared/tfstate-fixtures/", import.meta.url).pathname;
export const OWN_FIXTURES = new URL("./testdata/", import.meta.url).pathname;

export function fixtureFiles(): string[] {
  const shared = readdirSync(SHARED_FIXTURES).filter((f) => f !== "README.md").map((f) => join(SHARED_FIXTURES, f));
  const own = readdirSync(OWN_FIXTURES).map((f) => join(OWN_FIXTURES, f));
  return [...shared, ...own].sort();
}

export function fixture(name: string): string {
  const shared = join(SHARED_FIXTURES, name);
  try {
    return readFileSync(shared, "utf8");
  } catch {
    return readFileSync(join(OWN_FIXTURES, name), "utf8");
  }
}

/** Attribute names whose values are secrets whether or not the state marks them sensitive. */
const SECRET_NAMES = new Set(["password", "root_password", "secret_data", "access_token", "master_password", "oauth2_client_secret"]);

function stepsValue(v: unknown, path: readonly (string | number)[]): unknown {
  let cur = v;
  for (const step of path) {
    if (Array.isArray(cur) && typeof step === "number") cur = cur[step];
    else if (isRecord(cur)) cur = cur[String(step)];
    else return undefined;
  }
  return cur;
}

function leaves(v: unknown): string[] {
  if (typeof v === "string") return v === "" ? [] : [v];
  if (typeof v === "number") return [String(v)];
  if (Array.isArray(v)) return v.flatMap(leaves);
  if (isRecord(v)) return Object.values(v).flatMap(leaves);
  return [];
}

function named(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(named);
  if (!isRecord(v)) return [];
  return Object.entries(v).flatMap(([k, x]) => (SECRET_NAMES.has(k) ? leaves(x) : named(x)));
}

const listOf = (v: unknown, key: string): unknown[] => (isRecord(v) && Array.isArray(v[key]) ? v[key] : []);

function stepOf(s: unknown): (string | number)[] {
  if (!isRecord(s)) return [];
  const v = isRecord(s.value) ? s.value.value : s.value;
  return typeof v === "string" || typeof v === "number" ? [v] : [];
}

/** Values at the sensitive_attributes paths of every instance. */
function sensitiveValues(doc: unknown): string[] {
  const instances = listOf(doc, "resources").flatMap((r) => listOf(r, "instances"));
  return instances.flatMap((i) => listOf(i, "sensitive_attributes").flatMap((p) => (Array.isArray(p) && isRecord(i) ? leaves(stepsValue(i.attributes, p.flatMap(stepOf))) : [])));
}

/** Every secret in a state's text: values at sensitive_attributes paths and under secret-named attributes. */
export function secretsIn(text: string): string[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return [];
  }
  const out = new Set([...named(doc), ...sensitiveValues(doc)]);
  // Secret data holding JSON (a Secret Manager version) holds its own secrets.
  for (const v of [...out]) {
    try {
      for (const inner of named(JSON.parse(v))) out.add(inner);
    } catch {
      // not JSON
    }
  }
  return [...out].filter((s) => s.length >= 4);
}
