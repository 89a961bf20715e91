import { createHash } from "node:crypto";
import { checkedPartNames } from "../../../core/part-names.ts";
import type { PartNames } from "../../../core/part-names.ts";
import { externalName } from "../../../core/policies.ts";
import type { Managed } from "../../../core/provider.ts";

// Names of the compute resources a LoadBalancer or CDN manages, derived deterministically from the
// managed object's base name (the terraplane.dev/external-name annotation, else metadata.name), so a
// create whose answer was lost finds the same resource again instead of making a second one.
// A part the user named in the terraplane.dev/external-names annotation (ADR 0012: an import of
// what Terraform made) has that name instead.
// Compute names follow RFC 1035: [a-z]([-a-z0-9]*[a-z0-9])?, at most 63 characters.

export const MAX_NAME = 63;
const HASH_CHARS = 8;
const RFC1035 = /^[a-z](?:[-a-z0-9]*[a-z0-9])?$/;

/** The suffixes of the sub-resources: `<base>-um`, `<base>-bs-<key>`, ... */
export const Suffix = {
  healthCheck: "hc",
  backendService: "bs",
  backendBucket: "bb",
  urlMap: "um",
  targetProxy: "proxy",
  address: "ip",
  forwardingRule: "fr",
} as const;

/** The base name every sub-resource name starts from: the external-name annotation, else metadata.name. */
export function baseName(mr: Managed): string {
  return externalName(mr) ?? mr.metadata.name;
}

export function isComputeName(name: string): boolean {
  return name.length <= MAX_NAME && RFC1035.test(name);
}

/**
 * `<base>-<suffix...>` when that is a valid compute name; otherwise a cleaned-up, truncated version
 * ending in a hash of the full intended name, so distinct inputs keep distinct names.
 */
export function computeName(base: string, ...suffix: readonly string[]): string {
  const full = [base, ...suffix].join("-");
  if (isComputeName(full)) return full;
  const hash = createHash("sha256").update(full).digest("hex").slice(0, HASH_CHARS);
  let cleaned = full
    .toLowerCase()
    .replace(/[^-a-z0-9]/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[^a-z]+/, "");
  cleaned = cleaned.slice(0, MAX_NAME - HASH_CHARS - 1).replace(/-+$/, "");
  return cleaned === "" ? `tp-${hash}` : `${cleaned}-${hash}`;
}

/** Every sub-resource name of one managed object. */
export interface ChainNames {
  readonly base: string;
  readonly healthCheck: string;
  backendService(key?: string): string;
  backendBucket(key?: string): string;
  readonly urlMap: string;
  /** Both proxy collections use this name (only one exists at a time). */
  readonly targetProxy: string;
  readonly address: string;
  readonly forwardingRule: string;
}

/** The names of the parts, derived from `base` except those `named` gives by part key (`urlMap`, `backendServices[web]`, `backend`). */
export function chainNames(base: string, named: PartNames = new Map()): ChainNames {
  const pick = (key: string, derived: () => string): string => named.get(key) ?? derived();
  return {
    base,
    healthCheck: pick("healthCheck", () => computeName(base, Suffix.healthCheck)),
    backendService: (key) =>
      key === undefined ? pick("backend", () => computeName(base, Suffix.backendService)) : pick(`backendServices[${key}]`, () => computeName(base, Suffix.backendService, key)),
    backendBucket: (key) => (key === undefined ? pick("backend", () => computeName(base, Suffix.backendBucket)) : computeName(base, Suffix.backendBucket, key)),
    urlMap: pick("urlMap", () => computeName(base, Suffix.urlMap)),
    targetProxy: pick("targetProxy", () => computeName(base, Suffix.targetProxy)),
    address: pick("address", () => computeName(base, Suffix.address)),
    forwardingRule: pick("forwardingRule", () => computeName(base, Suffix.forwardingRule)),
  };
}

/** The part keys each composite kind can name in terraplane.dev/external-names. */
const FRONTEND_KEYS = ["urlMap", "targetProxy", "address", "forwardingRule"] as const;
export const PART_KEYS = {
  LoadBalancer: ["healthCheck", "backendServices[<key>]", ...FRONTEND_KEYS],
  CDN: ["backend", ...FRONTEND_KEYS],
} as const;
const SERVICE_KEY = /^backendServices\[[a-z]([-a-z0-9]*[a-z0-9])?\]$/;

function isPartKey(kind: keyof typeof PART_KEYS, key: string): boolean {
  if (kind === "LoadBalancer" && SERVICE_KEY.test(key)) return true;
  return PART_KEYS[kind].some((k) => k === key && !k.includes("<"));
}

/** chainNames for a managed object, with its terraplane.dev/external-names checked (a wrong key or name is a terminal error). */
export function namesOf(mr: Managed, kind: keyof typeof PART_KEYS): ChainNames {
  const named = checkedPartNames(mr, {
    kind,
    isKey: (key) => isPartKey(kind, key),
    keys: PART_KEYS[kind],
    nameProblem: (name) => (isComputeName(name) ? undefined : "compute names are 1 to 63 lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen"),
  });
  return chainNames(baseName(mr), named);
}

// ---- references ----------------------------------------------------------------------------

const FULL = /^https?:\/\/[^/]+\/compute\/(?:v1|beta|alpha)\//;
const PATH = /^projects\/([^/]+)\/global\/([A-Za-z]+)\/([^/]+)$/;
const SHORT = /^global\/([A-Za-z]+)\/([^/]+)$/;

/** The reference form Terraplane sends: `projects/<p>/global/<collection>/<name>` (compute accepts it and answers self-links). */
export function globalRef(project: string, collection: string, name: string): string {
  return `projects/${project}/global/${collection}/${name}`;
}

/** The self-link compute reports for a global resource. */
export function selfLinkOf(project: string, collection: string, name: string): string {
  return `https://www.googleapis.com/compute/v1/${globalRef(project, collection, name)}`;
}

/**
 * A reference in Terraplane's canonical form, whatever form it came in (self-link of any API
 * version, `projects/p/global/c/n`, `global/c/n`); anything else (zonal instance groups, NEGs) is
 * normalised to its path after the API version, so full URLs and paths compare equal.
 */
export function normalizeRef(ref: string, project: string): string {
  const path = ref.trim().replace(FULL, "").replace(/^\//, "");
  const full = PATH.exec(path);
  if (full) return globalRef(full[1] ?? "", full[2] ?? "", full[3] ?? "");
  const short = SHORT.exec(path);
  if (short) return globalRef(project, short[1] ?? "", short[2] ?? "");
  return path;
}
