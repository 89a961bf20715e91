import { createHash } from "node:crypto";

// Kubernetes object names from Terraform addresses. A name is made from the module names, the
// resource name and the count / for_each key (the type is left out: the kind says it), cleaned to
// DNS-1123 (lower case, digits, hyphens, at most 63 characters). It depends only on the address,
// so re-running the import on a grown state gives the same names; where cleaning made two addresses
// equal, or the name had to be cut short, a hash of the full address keeps them apart.

export const MAX_NAME = 63;
const HASH_CHARS = 8;

/** The parts of an address that name it: module names, resource name, index key. */
export interface AddressParts {
  readonly module: string;
  readonly name: string;
  readonly indexKey: string | number | undefined;
}

function moduleNames(module: string): string[] {
  // module.a.module.b["x"] → a, b[x]: keys of module instances are part of the name too.
  return [...module.matchAll(/module\.([^.[]+)(\[[^\]]*\])?/g)].map((m) => `${m[1] ?? ""}${m[2] ? `-${m[2]}` : ""}`);
}

/** DNS-1123 label characters only: lower case, digits, single hyphens, trimmed. */
export function clean(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

export function hashOf(text: string, chars = HASH_CHARS): string {
  return createHash("sha256").update(text).digest("hex").slice(0, chars);
}

/** `text` cleaned and cut to `max` characters; cut names end in a hash of `text` so they stay distinct. */
export function boundedName(text: string, max: number, hashSource = text): string {
  const cleaned = clean(text);
  if (cleaned !== "" && cleaned.length <= max) return cleaned;
  const hash = hashOf(hashSource);
  const head = cleaned.slice(0, max - HASH_CHARS - 1).replace(/-+$/, "");
  return head === "" ? `tf-${hash}`.slice(0, max) : `${head}-${hash}`;
}

/** The name an address reads as, before collisions are resolved. */
export function baseNameOf(parts: AddressParts): string {
  const key = parts.indexKey === undefined ? [] : [String(parts.indexKey)];
  return boundedName([...moduleNames(parts.module), parts.name, ...key].join("-"), MAX_NAME);
}

/**
 * Names for a set of addresses (one kind), unique among them: where two clean to the same name,
 * each gets a hash of its own address appended, so neither depends on the other's presence order.
 */
export function uniqueNames(entries: readonly { readonly address: string; readonly parts: AddressParts }[]): Map<string, string> {
  const base = new Map(entries.map((e) => [e.address, baseNameOf(e.parts)]));
  const count = new Map<string, number>();
  for (const name of base.values()) count.set(name, (count.get(name) ?? 0) + 1);
  const out = new Map<string, string>();
  for (const [address, name] of base) {
    if ((count.get(name) ?? 0) === 1) out.set(address, name);
    else out.set(address, `${name.slice(0, MAX_NAME - HASH_CHARS - 1).replace(/-+$/, "")}-${hashOf(address)}`);
  }
  return out;
}

/** A key inside a spec (target group, backend service): `pattern`-safe, at most `max` characters, starting with a letter. */
export function keyName(text: string, max: number): string {
  const name = boundedName(text, max);
  return /^[a-z]/.test(name) ? name : boundedName(`k-${text}`, max, text);
}
