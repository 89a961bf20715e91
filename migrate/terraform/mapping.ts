import type { ManagedKind } from "../../core/kind.ts";
import { isDefault, valueAt } from "./attrs.ts";
import type { ReferenceIndex } from "./refs.ts";
import type { TfInstance } from "./state.ts";

// The contract between the import pipeline and the per-type mappers: a mapper claims the instances
// it understands (grouping several into one manifest where the kind is a composite), and says what
// it could not carry over: dropped configuration (adopt will refuse those), Terraform-only settings
// and defaults that differ (notes), and passwords that must come from a Secret.

/** Configuration of the cloud resource that the kind cannot express: the manifest does not say it. */
export interface Drop {
  readonly address: string;
  /** The attribute path in Terraform's terms, e.g. default_root_object or listener.0.rule. */
  readonly path: string;
  readonly reason: string;
}

/** A password (or other secret) the user must provide in a Secret; its value is never read into output. */
export interface SecretNeeded {
  readonly address: string;
  /** The sensitive Terraform attribute it replaces, e.g. password. */
  readonly attribute: string;
  /** The forProvider field that references the Secret, e.g. masterPasswordSecretRef. */
  readonly field: string;
  /** The Secret's key. */
  readonly key: string;
}

/** One manifest's worth of mapped state. */
export interface MappedResource {
  readonly kind: ManagedKind;
  /** The instance the object is named after (its address gives the name). */
  readonly primary: TfInstance;
  /** Every Terraform address folded into this object, the primary first. */
  readonly addresses: readonly string[];
  /** The cloud identifier Terraplane looks the resource up by. */
  readonly externalName: string;
  /** A composite's parts under the names Terraform gave them, by part key (the terraplane.dev/external-names annotation, ADR 0012). */
  readonly partNames?: Readonly<Record<string, string>>;
  readonly forProvider: Readonly<Record<string, unknown>>;
  readonly dropped: readonly Drop[];
  readonly notes: readonly string[];
  readonly secrets: readonly SecretNeeded[];
}

export interface Skip {
  readonly address: string;
  readonly type: string;
  readonly reason: string;
}

export interface ImportContext {
  readonly instances: readonly TfInstance[];
  readonly refs: ReferenceIndex;
}

export interface MapperResult {
  readonly mapped: readonly MappedResource[];
  readonly skipped: readonly Skip[];
  /** Addresses this mapper dealt with (mapped, folded in, or skipped with a reason of its own). */
  readonly claimed: ReadonlySet<string>;
}

export type Mapper = (ctx: ImportContext) => MapperResult;

/** A default per attribute path: a recorded value other than it is configuration the kind drops. */
export type LossTable = readonly (readonly [path: string, dflt: unknown])[];

/** Collects what a mapper could not carry over for one manifest. */
export class Findings {
  readonly dropped: Drop[] = [];
  readonly notes: string[] = [];
  readonly secrets: SecretNeeded[] = [];

  drop(address: string, path: string, reason: string): void {
    if (!this.dropped.some((d) => d.address === address && d.path === path)) this.dropped.push({ address, path, reason });
  }

  /** Drops every path of `table` whose recorded value is not the default. */
  dropNonDefault(inst: TfInstance, table: LossTable, reason: string): void {
    for (const [path, dflt] of table) if (!isDefault(valueAt(inst.attributes, path), dflt)) this.drop(inst.address, path, reason);
  }

  note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }

  secret(s: SecretNeeded): void {
    this.secrets.push(s);
  }
}

/** Managed instances of the given types. */
export function ofTypes(ctx: ImportContext, types: readonly string[]): TfInstance[] {
  return ctx.instances.filter((i) => i.mode === "managed" && types.includes(i.type));
}

/** The region: provider v6's per-resource `region` attribute, else the one in the ARN. */
export function awsRegionOf(a: { str(key: string): string | undefined }): string | undefined {
  return a.str("region") ?? regionOfArn(a.str("arn"));
}

/** The region in an ARN (arn:partition:service:region:account:...), or unset. */
export function regionOfArn(arn: string | undefined): string | undefined {
  const region = arn?.split(":")[3];
  return region ? region : undefined;
}

/** An object without its undefined values, so a spec says only what is set. */
export function defined<T extends object>(obj: T): T {
  for (const [key, value] of Object.entries(obj)) if (value === undefined) Reflect.deleteProperty(obj, key);
  return obj;
}
