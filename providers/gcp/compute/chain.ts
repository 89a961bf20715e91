import { errorClassOf, ProviderError } from "../../../core/errors.ts";
import { waves } from "../../../core/graph.ts";
import { Annotations } from "../../../core/managed.ts";
import { partNames } from "../../../core/part-names.ts";
import { externalName } from "../../../core/policies.ts";
import type { FieldDiff, Managed, OperationRef, Readiness } from "../../../core/provider.ts";
import { ownedByDescription, ownedByOtherDescription, ownerDescription, ownerLabels } from "../ownership.ts";
import type { Collection, ComputeOperation, ResourceApi, ResourceReader } from "./api.ts";
import { describeOperation, pendingOperation, statusName } from "./operations.ts";

// A chain of compute resources managed as one Kubernetes object (a LoadBalancer, a CDN): each
// resource is a Part that names the parts it references (`dependsOn`), and the order is computed
// from that (core/graph.ts waves), never numbered by hand. Parts are read together; created wave by
// wave (each wave's operations must finish before the next starts, since compute refuses references
// to resources whose insert is still running); deleted wave by wave in reverse. Each step returns the
// names of the operations it started; nothing waits on them.

/** The fields every compute resource the chain manages has. */
export interface ComputeResource {
  name?: string | null;
  selfLink?: string | null;
  description?: string | null;
  fingerprint?: string | null;
}

/** One part as observed. */
export interface PartState {
  readonly exists: boolean;
  readonly selfLink?: string;
  /** Its description carries this object's uid: Terraplane created it for this object. */
  readonly owned: boolean;
  /** Its description carries another Terraplane object's uid. */
  readonly ownedByOther?: boolean;
  /** Normalised differences from the desired state (paths under spec.forProvider). */
  readonly diff: readonly FieldDiff[];
  /** Starts the call that removes `diff`; undefined when there is none or the difference cannot be changed in place. */
  readonly fix?: () => Promise<string>;
  /** Values for atProvider, e.g. the IP address. */
  readonly details: Readonly<Record<string, string>>;
}

export interface Part {
  /** Stable identity within the chain, e.g. `urlMap`, `backendServices.web`. */
  readonly key: string;
  /** For messages: `URL map "shop-um"`. */
  readonly what: string;
  readonly collection: Collection;
  readonly name: string;
  /** The keys of the parts this one references: they are created before it and deleted after it. */
  readonly dependsOn: readonly string[];
  /** Referenced only (an address the user reserved): observed, never created, changed or deleted. */
  readonly external?: boolean;
  read(): Promise<PartState>;
  insert(): Promise<string>;
  remove(): Promise<string | undefined>;
}

export interface PartSpec<R extends ComputeResource> {
  readonly key: string;
  /** The resource type for messages: `URL map`. */
  readonly type: string;
  readonly collection: Collection;
  readonly name: string;
  /** The keys of the parts this one references (see Part). */
  readonly dependsOn: readonly string[];
  readonly external?: boolean;
  readonly project: string;
  readonly owner: Managed;
  readonly api: ResourceReader<R> | ResourceApi<R>;
  /** The insert body (name, description and labels are added). */
  readonly desired: R;
  /** Owner labels on insert too (addresses and forwarding rules have labels). */
  readonly labels?: boolean;
  /** Normalised differences of the observed resource from the desired one. */
  readonly diff?: (observed: R) => FieldDiff[];
  /** The call that removes `diff`; default: a patch with the desired body and the observed fingerprint. */
  readonly fix?: (observed: R, diff: readonly FieldDiff[]) => Promise<string>;
  /** Whether `fix` can remove this diff (default: yes); when not, the difference is reported as one to resolve by hand. */
  readonly canFix?: (diff: readonly FieldDiff[]) => boolean;
  readonly details?: (observed: R) => Record<string, string>;
  /** Called with what each read found (undefined: missing), for kinds that need the typed resource (late initialisation). */
  readonly onRead?: (observed: R | undefined) => void;
}

function hasPatch<R>(api: ResourceReader<R> | ResourceApi<R>): api is ResourceApi<R> {
  return "patch" in api;
}

function defaultFix<R extends ComputeResource>(spec: PartSpec<R>): ((observed: R) => Promise<string>) | undefined {
  const api = spec.api;
  if (!hasPatch(api)) return undefined;
  return (observed) => api.patch(spec.project, spec.name, spec.desired, observed.fingerprint);
}

function stateOf<R extends ComputeResource>(spec: PartSpec<R>, fixer: ((observed: R, diff: readonly FieldDiff[]) => Promise<string>) | undefined, observed: R): PartState {
  const diff = spec.diff?.(observed) ?? [];
  const fixable = diff.length > 0 && fixer !== undefined && (spec.canFix?.(diff) ?? true);
  return {
    exists: true,
    ...(observed.selfLink ? { selfLink: observed.selfLink } : {}),
    owned: ownedByDescription(spec.owner, observed.description),
    ownedByOther: ownedByOtherDescription(spec.owner, observed.description),
    diff,
    ...(fixable ? { fix: () => fixer(observed, diff) } : {}),
    details: spec.details?.(observed) ?? {},
  };
}

/** A Part over one typed collection. */
export function part<R extends ComputeResource>(spec: PartSpec<R>): Part {
  const fixer = spec.fix ?? defaultFix(spec);
  return {
    key: spec.key,
    what: `${spec.type} "${spec.name}"`,
    collection: spec.collection,
    name: spec.name,
    dependsOn: spec.dependsOn,
    ...(spec.external ? { external: true } : {}),
    async read() {
      const observed = await spec.api.get(spec.project, spec.name);
      spec.onRead?.(observed);
      return observed ? stateOf(spec, fixer, observed) : { exists: false, owned: false, diff: [], details: {} };
    },
    insert: () =>
      spec.api.insert(spec.project, {
        ...spec.desired,
        name: spec.name,
        description: ownerDescription(spec.owner),
        ...(spec.labels ? { labels: ownerLabels(spec.owner) } : {}),
      }),
    remove: () => spec.api.delete(spec.project, spec.name),
  };
}

/** A part with what was read of it. */
export interface Observed {
  readonly part: Part;
  readonly state: PartState;
}

/** Reads every part (concurrently: reads are cheap and independent). */
export async function readChain(parts: readonly Part[]): Promise<Observed[]> {
  return Promise.all(parts.map(async (p) => ({ part: p, state: await p.read() })));
}

/**
 * Whether this object may take an existing part it did not create (ADR 0012): one the user named
 * in terraplane.dev/external-names, unless another Terraplane object owns it; or, when that
 * annotation is absent, any part under the names derived from the external-name annotation (the
 * base names the whole chain in Terraplane's layout).
 */
function adoptable(mr: Managed, o: Observed): boolean {
  const named = partNames(mr);
  if (named.size > 0) return named.has(o.part.key) && o.state.ownedByOther !== true;
  return externalName(mr) !== undefined;
}

function partList(parts: readonly Observed[]): string {
  return parts.map((o) => o.part.what).join(", ");
}

/** Refuses parts that exist but were not created for this object, unless adoptable names them. */
export function assertOwned(chain: readonly Observed[], mr: Managed, kind: string): void {
  const foreign = chain.filter((o) => o.state.exists && !o.state.owned && !o.part.external && !adoptable(mr, o));
  if (foreign.length === 0) return;
  const others = foreign.filter((o) => o.state.ownedByOther === true);
  const message = others.length > 0 ? ownedElsewhere(others, kind) : partNames(mr).size > 0 ? notNamed(foreign, kind) : notAdopted(foreign, mr, kind);
  throw new ProviderError("AlreadyExists", message, { code: "alreadyExists" });
}

function ownedElsewhere(parts: readonly Observed[], kind: string): string {
  return `${partList(parts)} ${parts.length === 1 ? "is" : "are"} managed by another Terraplane object: choose other names for this ${kind}`;
}

/** Found under a derived name while the user named the parts to adopt: a coincidence, never adopted. */
function notNamed(parts: readonly Observed[], kind: string): string {
  const one = parts.length === 1;
  const example = JSON.stringify(Object.fromEntries(parts.map((o) => [o.part.key, o.part.name])));
  return (
    `${partList(parts)} already exist${one ? "s" : ""} and ${one ? "was" : "were"} not created by this ${kind}, and ${Annotations.externalNames} does not name ${one ? "it" : "them"}: ` +
    `to adopt exactly ${one ? "that one" : "those"}, add ${example} to the annotation; otherwise delete or rename ${one ? "it" : "them"} in Google Cloud`
  );
}

function notAdopted(parts: readonly Observed[], mr: Managed, kind: string): string {
  const one = parts.length === 1;
  return (
    `${partList(parts)} already exist${one ? "s" : ""} and ${one ? "was" : "were"} not created by this ${kind}: to manage ${one ? "it" : "them"}, ` +
    `set the annotation ${Annotations.externalName}: ${mr.metadata.name} (with managementPolicies ["Observe"] to only watch; otherwise ${one ? "it is" : "they are"} changed to match spec ` +
    `and deleted with this ${kind} unless deletionPolicy is Orphan), or name each existing part in ${Annotations.externalNames}; or choose another name`
  );
}

/** Every difference: parts missing (path = the part's key), then each part's field differences. */
export function chainDiff(chain: readonly Observed[]): FieldDiff[] {
  const missing = chain.filter((o) => !o.state.exists).map((o) => ({ path: o.part.key, desired: o.part.name, observed: null }));
  return [...missing, ...chain.flatMap((o) => o.state.diff)];
}

/**
 * The parts in dependency order: the waves of a topological sort of what each part depends on
 * (every part after the ones it references); within a wave, the order they were given in.
 */
export function inWaves(chain: readonly Observed[]): Observed[][] {
  const byKey = new Map(chain.map((o) => [o.part.key, o]));
  return waves(new Map(chain.map((o) => [o.part.key, o.part.dependsOn]))).map((wave) => wave.flatMap((key) => byKey.get(key) ?? []));
}

/** The parts of the last wave exist: the chain's entry point (the forwarding rule) is there. */
export function topExists(chain: readonly Observed[]): boolean {
  return (inWaves(chain).at(-1) ?? []).every((o) => o.state.exists);
}

/** A part this object may delete: one created for it, or one it adopted (see adoptable). */
export function mayDelete(mr: Managed, o: Observed): boolean {
  return o.state.owned || adoptable(mr, o);
}

export function anyManagedExists(chain: readonly Observed[]): boolean {
  return chain.some((o) => o.state.exists && !o.part.external);
}

export interface Step {
  readonly operations: readonly string[];
  readonly action: "create" | "update" | "delete";
}

/** A step as a contract result: the operations it started, recorded as one pending operation (none when it started nothing). */
export function stepResult(step: Step | undefined, action: string | undefined = step?.action): { pendingOperation?: OperationRef } {
  if (!step || step.operations.length === 0 || action === undefined) return {};
  return { pendingOperation: pendingOperation(step.operations, action) };
}

function cannotChange(o: Observed): ProviderError {
  const fields = o.state.diff.map((d) => `${d.path} is ${JSON.stringify(d.observed)}, spec says ${JSON.stringify(d.desired)}`).join("; ");
  return new ProviderError(
    "InvalidParameter",
    `${o.part.what} differs from spec and cannot be changed in place (${fields}): delete it in Google Cloud to have Terraplane recreate it, or change the spec to match`,
    { code: "ImmutableFieldMismatch" },
  );
}

function missingExternal(o: Observed): ProviderError {
  return new ProviderError("InvalidParameter", `${o.part.what}, referenced by spec, does not exist: create it, or reference another one`, { code: "notFound" });
}

/** Runs several starts together; one failure fails the step (the others' operations are found again by name next time). */
async function startAll(calls: readonly (() => Promise<string | undefined>)[]): Promise<string[]> {
  const names = await Promise.all(calls.map((c) => c()));
  return names.filter((n) => n !== undefined);
}

/** An insert that meets the resource already there (an earlier attempt whose answer was lost) is not an error: it is read next time. */
async function insertOrAdopt(p: Part): Promise<string | undefined> {
  try {
    return await p.insert();
  } catch (err) {
    if (errorClassOf(err) === "AlreadyExists") return undefined;
    throw err;
  }
}

/**
 * Starts the next step towards spec: in the first wave with work, inserts what is missing and
 * fixes what differs; once everything is in place, deletes `stale` parts (no longer in spec), those
 * of the last wave first. Undefined when there is nothing to do.
 */
export async function ensureNext(chain: readonly Observed[], stale: readonly Observed[] = []): Promise<Step | undefined> {
  for (const wave of inWaves(chain)) {
    const absentExternal = wave.find((o) => o.part.external && !o.state.exists);
    if (absentExternal) throw missingExternal(absentExternal);
    const missing = wave.filter((o) => !o.state.exists && !o.part.external);
    const differing = wave.filter((o) => o.state.exists && o.state.diff.length > 0);
    if (missing.length === 0 && differing.length === 0) continue;
    const fixes = differing.flatMap((o) => (o.state.fix ? [o.state.fix] : []));
    const unfixable = differing.find((o) => !o.state.fix);
    if (unfixable && missing.length === 0 && fixes.length === 0) throw cannotChange(unfixable);
    const operations = await startAll([...missing.map((o) => () => insertOrAdopt(o.part)), ...fixes]);
    return { operations, action: missing.length > 0 ? "create" : "update" };
  }
  const isStale = (o: Observed): boolean => stale.includes(o) && o.state.exists && !o.part.external;
  const lastWithStale = lastNonEmpty(inWaves([...chain, ...stale]).map((wave) => wave.filter(isStale)));
  return lastWithStale ? { operations: await removeAll(lastWithStale), action: "delete" } : undefined;
}

function lastNonEmpty<T>(lists: readonly (readonly T[])[]): readonly T[] | undefined {
  return [...lists].reverse().find((list) => list.length > 0);
}

async function removeOne(o: Observed): Promise<string | undefined> {
  try {
    return await o.part.remove();
  } catch (err) {
    if (errorClassOf(err) !== "Conflict") throw err;
    // In use: by a dependent whose delete has not landed yet, or by something outside this chain.
    throw new ProviderError("Conflict", `${o.part.what} is still in use by another resource; waiting for that to be deleted first: ${err instanceof Error ? err.message : String(err)}`, {
      code: "resourceInUseByAnotherResource",
      cause: err,
    });
  }
}

async function removeAll(parts: readonly Observed[]): Promise<string[]> {
  return startAll(parts.map((o) => () => removeOne(o)));
}

export interface DeleteScope {
  /** Parts no longer in spec that still exist: always this object's to delete. */
  readonly stale?: readonly Observed[];
  /** Which of the chain's parts this object may delete (default: all). */
  readonly mayDelete?: (o: Observed) => boolean;
}

/**
 * Starts deleting the last wave that still has parts this object may delete (stale ones included);
 * undefined when all are gone. The order comes from the whole chain, so leaving a part alone (not
 * ours) never changes when the others go.
 */
export async function deleteNext(chain: readonly Observed[], scope: DeleteScope = {}): Promise<Step | undefined> {
  const stale = scope.stale ?? [];
  const mayDelete = scope.mayDelete ?? ((): boolean => true);
  const deletable = (o: Observed): boolean => o.state.exists && !o.part.external && (stale.includes(o) || mayDelete(o));
  const last = lastNonEmpty(inWaves([...chain, ...stale]).map((wave) => wave.filter(deletable)));
  return last ? { operations: await removeAll(last), action: "delete" } : undefined;
}

/** Readiness of a chain: Available only when every part exists and no operation of ours is running; otherwise what is missing or pending, and why. */
export function chainReadiness(chain: readonly Observed[], running: readonly ComputeOperation[], deleting = false): { ready: Readiness; message?: string } {
  if (running.length > 0) {
    const ops = running.map((op) => `${describeOperation(op)} is ${statusName(op) ?? "running"}`).join("; ");
    return { ready: deleting ? "Deleting" : "Creating", message: `waiting for compute: ${ops}` };
  }
  const missing = chain.filter((o) => !o.state.exists);
  if (missing.length === 0) return { ready: "Available" };
  return { ready: deleting ? "Deleting" : "Creating", message: `not yet created: ${missing.map((o) => o.part.what).join(", ")}` };
}

/** atProvider entry of one part: name, self-link, whether it exists, and its details. */
export function partStatus(o: Observed): { name: string; selfLink?: string; exists: boolean } & Record<string, unknown> {
  return { name: o.part.name, exists: o.state.exists, ...(o.state.selfLink ? { selfLink: o.state.selfLink } : {}), ...o.state.details };
}
