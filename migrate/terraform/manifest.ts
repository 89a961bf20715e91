import { z } from "zod";
import { managedSpecSchema } from "../../core/crd/generate.ts";
import { Annotations, ANNOTATION_PREFIX } from "../../core/managed.ts";
import type { MappedResource } from "./mapping.ts";

// A mapped resource as a manifest: safe by default (Observe only, Orphan on delete), named from its
// Terraform address, annotated with the external name (and a composite's part names), the addresses it came from and what the
// import dropped (adopt reads that and refuses until it is empty), and validated against the kind's
// own schema before it is emitted.

export const ImportAnnotations = {
  /** JSON list of the Terraform addresses folded into this object, the primary first. */
  terraformAddresses: `${ANNOTATION_PREFIX}/terraform-addresses`,
  /**
   * Comma-separated `<address>.<attribute path>` of configuration the kind could not express
   * (a comma inside an entry is written %2C). Absent when nothing was dropped.
   */
  importDropped: `${ANNOTATION_PREFIX}/import-dropped`,
} as const;

export interface ProviderConfigChoice {
  readonly kind: "ProviderConfig" | "ClusterProviderConfig";
  readonly name: string;
}

export interface ManifestOptions {
  readonly namespace: string | undefined;
  readonly providerConfig: ProviderConfigChoice;
}

/** A Secret the user must create before Terraplane may write the resource. */
export interface SecretToFill {
  readonly namespace: string | undefined;
  readonly name: string;
  readonly key: string;
  readonly address: string;
  readonly attribute: string;
}

export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly annotations: Readonly<Record<string, string>> };
  readonly spec: Readonly<Record<string, unknown>>;
}

export type BuiltManifest = { ok: true; manifest: Manifest; secrets: SecretToFill[] } | { ok: false; problems: string };

/** "provider-config" or "ProviderConfig/name" / "ClusterProviderConfig/name". */
export function parseProviderConfig(text: string): ProviderConfigChoice {
  const [kind, name] = text.includes("/") ? text.split("/", 2) : ["ClusterProviderConfig", text];
  if ((kind !== "ProviderConfig" && kind !== "ClusterProviderConfig") || !name) {
    throw new Error(`--provider-config "${text}": expected NAME (a ClusterProviderConfig) or ProviderConfig/NAME or ClusterProviderConfig/NAME`);
  }
  return { kind, name };
}

function droppedAnnotation(m: MappedResource): Record<string, string> {
  if (m.dropped.length === 0) return {};
  return { [ImportAnnotations.importDropped]: m.dropped.map((d) => `${d.address}.${d.path}`.replaceAll(",", "%2C")).join(",") };
}

export function buildManifest(m: MappedResource, name: string, opts: ManifestOptions): BuiltManifest {
  const forProvider: Record<string, unknown> = { ...m.forProvider };
  const secrets = m.secrets.map((s): SecretToFill => {
    const secretName = `${name}-${s.attribute.replaceAll("_", "-")}`.slice(0, 253);
    forProvider[s.field] = { name: secretName, key: s.key };
    return { namespace: opts.namespace, name: secretName, key: s.key, address: s.address, attribute: s.attribute };
  });
  const spec = {
    forProvider,
    managementPolicies: ["Observe"],
    deletionPolicy: "Orphan",
    providerConfigRef: { kind: opts.providerConfig.kind, name: opts.providerConfig.name },
  };
  const parsed = managedSpecSchema(m.kind).safeParse(spec);
  if (!parsed.success) return { ok: false, problems: z.prettifyError(parsed.error).replaceAll("\n", "; ") };
  const annotations = {
    [Annotations.externalName]: m.externalName,
    ...(m.partNames && Object.keys(m.partNames).length > 0 ? { [Annotations.externalNames]: JSON.stringify(m.partNames) } : {}),
    [ImportAnnotations.terraformAddresses]: JSON.stringify(m.addresses),
    ...droppedAnnotation(m),
  };
  const manifest: Manifest = {
    apiVersion: `${m.kind.group}/${m.kind.version}`,
    kind: m.kind.kind,
    metadata: { name, ...(opts.namespace ? { namespace: opts.namespace } : {}), annotations },
    spec,
  };
  return { ok: true, manifest, secrets };
}
