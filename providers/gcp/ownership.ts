import type { Managed } from "../../core/provider.ts";

// Ownership marks on what Terraplane creates: labels where the resource has them (Cloud SQL user
// labels, forwarding rules, addresses), and a description line where it does not (most compute
// load-balancing resources have no labels).

/** Labels: lowercase keys and values of at most 63 characters, as Google requires. */
export function ownerLabels(mr: Managed): Record<string, string> {
  return {
    "terraplane-managed-by": "terraplane",
    "terraplane-uid": (mr.metadata.uid ?? "").toLowerCase().slice(0, 63),
  };
}

export function isOwnerLabel(key: string): boolean {
  return key.startsWith("terraplane-");
}

/** The user's labels as observed: everything but Terraplane's own. */
export function userLabels(observed: Readonly<Record<string, string>> | null | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(observed ?? {}).filter(([k]) => !isOwnerLabel(k)));
}

export function ownerDescription(mr: Managed): string {
  return `Managed by Terraplane: ${mr.kind ?? ""} ${mr.metadata.namespace}/${mr.metadata.name} (uid ${mr.metadata.uid ?? ""})`;
}

export function ownedByDescription(mr: Managed, description: string | null | undefined): boolean {
  return !!mr.metadata.uid && (description ?? "").includes(`(uid ${mr.metadata.uid})`);
}

/** The description carries another object's Terraplane mark: someone else's, even when named in terraplane.dev/external-names. */
export function ownedByOtherDescription(mr: Managed, description: string | null | undefined): boolean {
  return (description ?? "").includes("Managed by Terraplane: ") && !ownedByDescription(mr, description);
}
