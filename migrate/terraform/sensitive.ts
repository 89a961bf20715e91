import { isRecord } from "./attrs.ts";
import type { PathStep, TfInstance } from "./state.ts";

// The last guard before output: whatever a mapper did, no value Terraform marks sensitive may
// reach a manifest. Mappers never read sensitive attributes into forProvider (a password becomes a
// Secret reference); this check catches a sensitive attribute a mapper did not know was one.

function at(value: unknown, path: readonly PathStep[]): unknown {
  let cur = value;
  for (const step of path) {
    if (Array.isArray(cur) && typeof step === "number") cur = cur[step];
    else if (isRecord(cur)) cur = cur[String(step)];
    else return undefined;
  }
  return cur;
}

function leaves(v: unknown): string[] {
  if (typeof v === "string") return v === "" ? [] : [v];
  if (typeof v === "number" || typeof v === "bigint") return [String(v)];
  if (Array.isArray(v)) return v.flatMap(leaves);
  if (isRecord(v)) return Object.values(v).flatMap(leaves);
  return [];
}

/** The sensitive attribute paths of `instances` whose values occur in `output` (paths only, never values). */
export function leakedPaths(instances: readonly TfInstance[], output: unknown): string[] {
  const text = leaves(output);
  return instances.flatMap((inst) =>
    inst.sensitivePaths
      .filter((path) => leaves(at(inst.attributes, path)).some((secret) => text.some((t) => t === secret || (secret.length >= 6 && t.includes(secret)))))
      .map((path) => `${inst.address}.${path.join(".")}`),
  );
}
