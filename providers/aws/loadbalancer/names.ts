import { createHash } from "node:crypto";
import { ProviderError } from "../../../core/errors.ts";
import type { Managed } from "../../../core/provider.ts";
import { externalName } from "../../../core/policies.ts";

// Names: the load balancer's name is its external name (metadata.name unless the
// terraplane.dev/external-name annotation says otherwise), chosen up front, so a create whose
// outcome is unknown is found again by name. Target group names are derived deterministically from
// the load balancer's name and the user's key for the target group.

/** AWS's limit for load balancer and target group names. */
export const MAX_NAME = 32;
const HASH_CHARS = 6;
/** AWS: letters, digits and hyphens, no hyphen at either end, no "--"; a load balancer's may not start with "internal-". */
const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?!-))*$/;

/** The load balancer's name: the external-name annotation, or metadata.name. */
export function loadBalancerName(mr: Managed): string {
  return externalName(mr) ?? mr.metadata.name;
}

/** Why `name` cannot name a load balancer, or undefined when it can. */
export function loadBalancerNameProblem(name: string): string | undefined {
  if (name.length > MAX_NAME) return `it is ${name.length} characters long; the limit is ${MAX_NAME}`;
  if (!NAME.test(name) || name.endsWith("-")) return "only letters, digits and single hyphens are allowed, and it may not start or end with a hyphen";
  if (name.toLowerCase().startsWith("internal-")) return 'it may not start with "internal-"';
  return undefined;
}

/** Throws a terminal InvalidParameter error naming what to do when the name cannot be a load balancer's. */
export function assertLoadBalancerName(mr: Managed): string {
  const name = loadBalancerName(mr);
  const problem = loadBalancerNameProblem(name);
  if (problem === undefined) return name;
  const source = externalName(mr) !== undefined ? "the terraplane.dev/external-name annotation" : "metadata.name";
  throw new ProviderError(
    "InvalidParameter",
    `"${name}" (from ${source}) cannot be an ELB load balancer name: ${problem}. ` +
      "Create the LoadBalancer under a valid name, or set terraplane.dev/external-name to one",
  );
}

/**
 * The AWS name of the target group `key` of load balancer `lbName`: `<lbname>-<key>` cut to fit,
 * plus a short hash of both, so names stay unique, readable and at most 32 characters.
 */
export function targetGroupName(lbName: string, key: string): string {
  const hash = createHash("sha256").update(`${lbName}\0${key}`).digest("hex").slice(0, HASH_CHARS);
  const base = `${lbName}-${key}`
    .replace(/[^A-Za-z0-9-]/g, "-")
    .replace(/-{2,}/g, "-")
    .slice(0, MAX_NAME - HASH_CHARS - 1)
    .replace(/^-+|-+$/g, "");
  return base ? `${base}-${hash}` : `tg-${hash}`;
}
