import type { z } from "zod";
import type { CrdKind, PrinterColumn } from "./kind.ts";

/** What a provider says about its configuration kinds; the pair is built from it. */
export interface ProviderConfigDefinition {
  readonly group: string;
  readonly version: string;
  /** The provider's name, added to the kinds' categories (aws, gcp). */
  readonly provider: string;
  /** What a config holds, e.g. "AWS credentials and defaults"; the scope is said after it. */
  readonly holds: string;
  readonly spec: z.ZodType;
  /** Columns before AGE. */
  readonly printerColumns: readonly PrinterColumn[];
}

/**
 * Every provider's ProviderConfig (namespaced: for resources in its namespace) and
 * ClusterProviderConfig (for resources in any namespace): one spec, two scopes.
 */
export function providerConfigKinds(def: ProviderConfigDefinition): readonly CrdKind[] {
  return (["ProviderConfig", "ClusterProviderConfig"] as const).map((kind) => ({
    group: def.group,
    version: def.version,
    kind,
    plural: `${kind.toLowerCase()}s`,
    scope: kind === "ProviderConfig" ? "Namespaced" : "Cluster",
    categories: ["terraplane", def.provider],
    description: `${def.holds}${kind === "ProviderConfig" ? " for managed resources in this namespace" : " for managed resources in any namespace"}.`,
    spec: def.spec,
    printerColumns: [...def.printerColumns, { name: "AGE", type: "date", jsonPath: ".metadata.creationTimestamp" }],
  }));
}
