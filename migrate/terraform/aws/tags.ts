import type { Attrs } from "../attrs.ts";
import type { Findings } from "../mapping.ts";
import type { TfInstance } from "../state.ts";

/**
 * The tags the cloud resource carries: `tags_all` (the resource's tags plus the provider's
 * default_tags), since Terraplane compares the whole set. Keys the kind reserves are left out and
 * reported; no tags reads as unset (not managed).
 */
export function awsTags(inst: TfInstance, a: Attrs, f: Findings, reserved: readonly string[]): Record<string, string> | undefined {
  const all = a.map("tags_all") ?? a.map("tags") ?? {};
  const own = a.map("tags") ?? {};
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(all).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    if ([...reserved, "terraplane.dev/"].some((p) => key.startsWith(p))) f.drop(inst.address, `tags_all.${key}`, "a reserved tag key the kind does not accept");
    else kept[key] = value;
  }
  const inherited = Object.keys(kept).filter((k) => !(k in own));
  if (inherited.length > 0) f.note(`${inst.address}: tags ${inherited.join(", ")} come from the provider's default_tags; they are in the manifest's tags`);
  return Object.keys(kept).length > 0 ? kept : undefined;
}
