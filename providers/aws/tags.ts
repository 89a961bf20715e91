import type { Managed } from "../../core/provider.ts";

// Every resource Terraplane creates carries its managing object's identity, so a create retried
// after a timeout can find what it made, and a person can see who owns it.
export const OWNER_TAG_PREFIX = "terraplane.dev/";
export const OwnerTags = {
  managedBy: "terraplane.dev/managed-by",
  resource: "terraplane.dev/resource",
  uid: "terraplane.dev/uid",
} as const;

export function ownerTags(mr: Managed): Record<string, string> {
  return {
    [OwnerTags.managedBy]: "terraplane",
    [OwnerTags.resource]: `${mr.kind ?? ""}/${mr.metadata.namespace}/${mr.metadata.name}`,
    [OwnerTags.uid]: mr.metadata.uid ?? "",
  };
}

export type Tag = { Key?: string | undefined; Value?: string | undefined };

export function tagsToMap(tags: readonly Tag[] | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) map[t.Key] = t.Value ?? "";
  return map;
}

export function mapToTags(map: Readonly<Record<string, string>>): { Key: string; Value: string }[] {
  return Object.keys(map)
    .sort()
    .map((Key) => ({ Key, Value: map[Key] ?? "" }));
}

/** The user's tags as observed: everything but Terraplane's own ownership tags. */
export function userTags(observed: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(observed).filter(([k]) => !k.startsWith(OWNER_TAG_PREFIX)));
}

/** The tag changes that turn `observed` user tags into `desired`: keys to set, keys to remove. */
export function tagChanges(desired: Readonly<Record<string, string>>, observed: Readonly<Record<string, string>>): { set: Record<string, string>; remove: string[] } {
  const set = Object.fromEntries(Object.entries(desired).filter(([k, v]) => observed[k] !== v));
  const remove = Object.keys(observed).filter((k) => !(k in desired) && !k.startsWith(OWNER_TAG_PREFIX));
  return { set, remove };
}

/** True when the resource carries this managed object's uid tag: it is ours. */
export function ownedBy(mr: Managed, observed: Readonly<Record<string, string>>): boolean {
  return observed[OwnerTags.uid] === mr.metadata.uid;
}
