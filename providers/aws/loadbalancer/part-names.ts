import { checkedPartNames } from "../../../core/part-names.ts";
import type { Managed } from "../../../core/provider.ts";
import { OwnerTags } from "../tags.ts";
import { MAX_NAME, targetGroupName } from "./names.ts";
import type { ObservedTargetGroup } from "./observed.ts";

// Target groups named by the user (ADR 0012): `targetGroups[<key>]` in the
// terraplane.dev/external-names annotation gives the AWS name of an existing target group (one
// Terraform made, say), which is then looked up under that name instead of the derived one, and
// used although it carries no ownership tag. A target group found under its derived name without
// this resource's uid tag is still refused.

const TG_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?!-))*$/;
const PART_KEY = /^targetGroups\[([a-z0-9]([-a-z0-9]*[a-z0-9])?)\]$/;

export const targetGroupPart = (key: string): string => `targetGroups[${key}]`;

/** How this resource names its target groups. */
export interface TargetGroupNaming {
  /** The AWS name of the target group `key`: the user's, else the derived one. */
  nameOf(key: string): string;
  /** The key of each AWS name the user gave. */
  readonly keyByNamed: ReadonlyMap<string, string>;
}

function nameProblem(name: string): string | undefined {
  if (name.length > MAX_NAME) return `it is ${name.length} characters long; AWS allows ${MAX_NAME}`;
  if (!TG_NAME.test(name) || name.endsWith("-")) return "only letters, digits and single hyphens are allowed, and it may not start or end with a hyphen";
  return undefined;
}

/** Target groups named by the user only; derived names otherwise. */
export function naming(lbName: string, named: ReadonlyMap<string, string> = new Map()): TargetGroupNaming {
  const keyByNamed = new Map<string, string>();
  for (const [part, name] of named) {
    const key = PART_KEY.exec(part)?.[1];
    if (key !== undefined) keyByNamed.set(name, key);
  }
  return { nameOf: (key) => named.get(targetGroupPart(key)) ?? targetGroupName(lbName, key), keyByNamed };
}

/** The naming of `mr`'s target groups, with the annotation checked (a terminal error names a wrong key or name). */
export function namingOf(mr: Managed, lbName: string, specKeys: readonly string[]): TargetGroupNaming {
  const named = checkedPartNames(mr, {
    kind: "LoadBalancer",
    isKey: (key) => PART_KEY.test(key),
    keys: specKeys.length > 0 ? specKeys.map(targetGroupPart) : ["targetGroups[<key>]"],
    nameProblem,
  });
  return naming(lbName, named);
}

/** This resource may use (change, delete) the target group: it carries its uid tag, or the user named it and no Terraplane resource owns it. */
export function mayUse(tg: ObservedTargetGroup, uid: string, n: TargetGroupNaming): boolean {
  const owner = tg.tags[OwnerTags.uid];
  return owner === uid || (owner === undefined && n.keyByNamed.has(tg.name));
}
