import type { z } from "zod";

/** A CEL rule as it appears in a CRD's `x-kubernetes-validations`. */
export interface CelRule {
  readonly rule: string;
  readonly message: string;
  readonly reason?: "FieldValueInvalid" | "FieldValueForbidden" | "FieldValueRequired" | "FieldValueDuplicate";
}

/** An extra `kubectl get` column beyond the ones every managed kind gets (READY, SYNCED, EXTERNAL-NAME, AGE). */
export interface PrinterColumn {
  readonly name: string;
  readonly type: "string" | "integer" | "number" | "boolean" | "date";
  readonly jsonPath: string;
  readonly priority?: number;
  readonly description?: string;
}

/** Any custom resource kind Terraplane serves: the zod schemas are the one source of its type, validation and CRD. */
export interface CrdKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular?: string;
  readonly shortNames?: readonly string[];
  readonly scope: "Namespaced" | "Cluster";
  readonly categories?: readonly string[];
  readonly description: string;
  readonly spec: z.ZodType;
  readonly status?: z.ZodType;
  readonly printerColumns?: readonly PrinterColumn[];
}

/** A managed resource kind: one cloud resource type, with its desired (`forProvider`) and observed (`atProvider`) fields. */
export interface ManagedKind<F extends z.ZodType = z.ZodType, A extends z.ZodType = z.ZodType> {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly shortNames?: readonly string[];
  readonly description: string;
  readonly forProvider: F;
  readonly atProvider: A;
  /** Rules on `spec.forProvider` as a whole, e.g. immutable fields (see `immutable()`). */
  readonly forProviderRules?: readonly CelRule[];
  readonly printerColumns?: readonly PrinterColumn[];
}

/**
 * CEL rules that make each named top-level field of forProvider immutable once set, including
 * adding or removing it, with a message that says what to do instead.
 */
export function immutable(fields: readonly string[], kind: string): CelRule[] {
  return fields.map((field) => ({
    rule: `has(self.${field}) == has(oldSelf.${field}) && (!has(self.${field}) || self.${field} == oldSelf.${field})`,
    message: `${field} is immutable: create a new ${kind} with the new ${field} (and delete this one) instead of changing it`,
  }));
}

/**
 * CEL rules for fields the cloud may fill in (late initialisation) but that cannot change once set:
 * unset → set is allowed, a change or removal is not.
 */
export function immutableOnceSet(fields: readonly string[], kind: string): CelRule[] {
  return fields.map((field) => ({
    rule: `!has(oldSelf.${field}) || (has(self.${field}) && self.${field} == oldSelf.${field})`,
    message: `${field} cannot be changed once set: create a new ${kind} with the new ${field} (and delete this one) instead`,
  }));
}
