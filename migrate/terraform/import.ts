import { mapAwsCdns } from "./aws/cdn.ts";
import { mapAwsDatabases } from "./aws/database.ts";
import { mapAwsLoadBalancers } from "./aws/loadbalancer.ts";
import { mapGcpDatabases } from "./gcp/database.ts";
import { mapGcpFrontends } from "./gcp/frontends.ts";
import { buildManifest } from "./manifest.ts";
import type { Manifest, ManifestOptions, SecretToFill } from "./manifest.ts";
import type { ImportContext, MappedResource, Mapper, Skip } from "./mapping.ts";
import { uniqueNames } from "./names.ts";
import { ReferenceIndex } from "./refs.ts";
import { leakedPaths } from "./sensitive.ts";
import { readState } from "./state.ts";
import type { TfState } from "./state.ts";

// `terraplane import terraform`, without the I/O: a state's text in, manifests and a report out.
// Each mapper claims the instances it understands; data sources and everything unclaimed are
// reported as skipped, so every address in the state is accounted for.

const MAPPERS: readonly Mapper[] = [mapAwsLoadBalancers, mapAwsDatabases, mapAwsCdns, mapGcpDatabases, mapGcpFrontends];

export interface MappedEntry {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly externalName: string;
  readonly addresses: readonly string[];
  readonly dropped: MappedResource["dropped"];
  readonly notes: readonly string[];
}

export interface ImportReport {
  readonly source: string;
  readonly format: TfState["format"];
  readonly terraformVersion: string | undefined;
  readonly mapped: readonly MappedEntry[];
  readonly skipped: readonly Skip[];
  readonly secrets: readonly SecretToFill[];
}

export interface ImportResult {
  readonly manifests: readonly Manifest[];
  readonly report: ImportReport;
}

function kindKey(m: MappedResource): string {
  return `${m.kind.group}/${m.kind.kind}`;
}

/** Object names per kind, unique within it and derived from each primary address only. */
function namesFor(mapped: readonly MappedResource[]): Map<MappedResource, string> {
  const out = new Map<MappedResource, string>();
  for (const key of new Set(mapped.map(kindKey))) {
    const group = mapped.filter((m) => kindKey(m) === key);
    const names = uniqueNames(group.map((m) => ({ address: m.primary.address, parts: m.primary })));
    for (const m of group) out.set(m, names.get(m.primary.address) ?? m.primary.name);
  }
  return out;
}

function unclaimed(ctx: ImportContext, claimed: ReadonlySet<string>): Skip[] {
  return ctx.instances
    .filter((i) => !claimed.has(i.address))
    .map((i) => ({
      address: i.address,
      type: i.type,
      reason: i.mode === "data" ? "a data source: Terraform reads it, nobody manages it" : `unsupported type ${i.type}: no Terraplane kind maps it`,
    }));
}

export function importTerraform(text: string, source: string, opts: ManifestOptions): ImportResult {
  const state = readState(text, source);
  const ctx: ImportContext = { instances: state.instances, refs: new ReferenceIndex(state.instances) };
  const mapped: MappedResource[] = [];
  const skipped: Skip[] = [];
  const claimed = new Set<string>();
  for (const mapper of MAPPERS) {
    const result = mapper(ctx);
    mapped.push(...result.mapped);
    skipped.push(...result.skipped);
    for (const a of result.claimed) claimed.add(a);
  }
  skipped.push(...unclaimed(ctx, claimed));
  const names = namesFor(mapped);
  const manifests: Manifest[] = [];
  const entries: MappedEntry[] = [];
  const secrets: SecretToFill[] = [];
  for (const m of mapped) {
    const name = names.get(m) ?? m.primary.name;
    const built = buildManifest(m, name, opts);
    if (!built.ok) {
      // Never emit what the API server would reject: report it instead.
      skipped.push({ address: m.primary.address, type: m.primary.type, reason: `the mapped ${m.kind.kind} does not validate (${built.problems})` });
      continue;
    }
    const leaked = leakedPaths(state.instances.filter((i) => m.addresses.includes(i.address)), built.manifest);
    if (leaked.length > 0) {
      skipped.push({ address: m.primary.address, type: m.primary.type, reason: `the manifest would contain the sensitive value of ${leaked.join(", ")}; not emitted` });
      continue;
    }
    manifests.push(built.manifest);
    secrets.push(...built.secrets);
    entries.push({ apiVersion: built.manifest.apiVersion, kind: m.kind.kind, name, externalName: m.externalName, addresses: m.addresses, dropped: m.dropped, notes: m.notes });
  }
  const report: ImportReport = { source, format: state.format, terraformVersion: state.terraformVersion, mapped: entries, skipped, secrets };
  return { manifests, report };
}
