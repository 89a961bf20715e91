import { isDeepStrictEqual } from "node:util";
import { z } from "zod";
import type { RegisteredKind } from "../../core/provider.ts";
import { ProviderError } from "../../core/errors.ts";
import { crdFor, managedCrd } from "../../core/crd/generate.ts";
import type { CustomResourceDefinition } from "../../core/crd/generate.ts";
import { immutable } from "../../core/kind.ts";
import type { ManagedKind } from "../../core/kind.ts";
import { Annotations } from "../../core/managed.ts";
import { Listings } from "../../core/listing.ts";
import type { Listing, ListingSource } from "../../core/listing.ts";
import type { CallOptions, ExternalClient, FieldDiff, Managed, Observation } from "../../core/provider.ts";
import { batchObserveFields, listingOptions, observeSettings } from "../../providers/shared/batch-observe.ts";
import type { CloudThing } from "./memory-cloud.ts";
import { MemoryCloud } from "./memory-cloud.ts";

export const ThingParameters = z.object({
  region: z.string().min(1).describe("Where the thing lives. Immutable."),
  size: z.number().int().min(1).max(100).describe("How big, 1 to 100."),
  color: z.enum(["red", "green", "blue"]).optional().describe("Late-initialised from the cloud when unset."),
  tags: z.record(z.string(), z.string()).optional(),
});
export type ThingParameters = z.infer<typeof ThingParameters>;

export const ThingObservation = z.object({ id: z.string(), state: z.string(), size: z.number().int() });
export type ThingObservation = z.infer<typeof ThingObservation>;

const ProviderConfigSpec = z.object({
  cloud: z.string().min(1).describe("Name of the in-memory cloud."),
  credentialsSecretRef: z.object({ namespace: z.string(), name: z.string(), key: z.string() }).optional(),
  ...batchObserveFields,
});

/** The in-memory cloud's default list page (RDS's DescribeDBInstances also pages by 100). */
export const DEFAULT_LIST_PAGE_SIZE = 100;

/**
 * The test-double provider: a real provider against the in-memory cloud, with its own API group so
 * each test file is isolated. Everything the core does with it goes through the real API server.
 * Each resource is read by itself unless its ProviderConfig sets `batchObserve`: then polls are
 * served from one shared listing of the cloud (`listPageSize` a page), as the real providers do.
 */
export function doubleProvider(group: string, opts: { assignedByCloud?: boolean; listPageSize?: number } = {}) {
  const cloud = new MemoryCloud();
  const assignedByCloud = opts.assignedByCloud ?? false;
  const pageSize = opts.listPageSize ?? DEFAULT_LIST_PAGE_SIZE;
  // The cloud stands for the session (one account, region, credentials): one listing for all.
  const listings = new Listings<MemoryCloud, CloudThing>();
  const managed: ManagedKind<typeof ThingParameters, typeof ThingObservation> = {
    group,
    version: "v1alpha1",
    kind: "Thing",
    plural: "things",
    shortNames: ["thing"],
    description: "A thing in the in-memory test cloud.",
    forProvider: ThingParameters,
    atProvider: ThingObservation,
    forProviderRules: immutable(["region"], "Thing"),
  };
  const configKinds = (["ProviderConfig", "ClusterProviderConfig"] as const).map((kind) =>
    crdFor({
      group,
      version: "v1alpha1",
      kind,
      plural: `${kind.toLowerCase()}s`,
      scope: kind === "ProviderConfig" ? "Namespaced" : "Cluster",
      description: "Where the test double's cloud is.",
      spec: ProviderConfigSpec,
    }),
  );
  const registered: RegisteredKind<ThingParameters, ThingObservation> = {
    provider: "double",
    managed,
    externalName: { assignedByCloud },
    connector: {
      async connect(mr, ctx) {
        const pc = ProviderConfigSpec.safeParse((await ctx.providerConfig(mr)).spec);
        if (!pc.success) throw new ProviderError("Configuration", `invalid ProviderConfig: ${z.prettifyError(pc.error)}`);
        if (pc.data.credentialsSecretRef) await ctx.secretValue(pc.data.credentialsSecretRef);
        if (pc.data.cloud !== "memory") throw new ProviderError("Configuration", `unknown cloud "${pc.data.cloud}"`);
        const settings = observeSettings(pc.data);
        const listing = settings.batch ? listings.for(cloud, () => listingSource(cloud, pageSize), listingOptions(settings)) : undefined;
        return thingClient(cloud, assignedByCloud, listing);
      },
    },
  };
  const crds: CustomResourceDefinition[] = [managedCrd(managed), ...configKinds];
  return { cloud, registered, crds };
}

function idOf(mr: Managed, assignedByCloud: boolean): string | undefined {
  return mr.metadata.annotations?.[Annotations.externalName] ?? (assignedByCloud ? undefined : mr.metadata.name);
}

function diffOf(desired: ThingParameters, thing: CloudThing): FieldDiff[] {
  const diff: FieldDiff[] = [];
  if (desired.size !== thing.size) diff.push({ path: "size", desired: desired.size, observed: thing.size });
  if (desired.color !== undefined && desired.color !== thing.color) diff.push({ path: "color", desired: desired.color, observed: thing.color });
  // Tags compare as maps: order never matters, and unset means "none managed".
  if (desired.tags !== undefined && !isDeepStrictEqual(desired.tags, thing.tags)) diff.push({ path: "tags", desired: desired.tags, observed: thing.tags });
  return diff;
}

function listingSource(cloud: MemoryCloud, pageSize: number): ListingSource<CloudThing> {
  return {
    async page(token) {
      const page = await cloud.list(token, pageSize);
      return { items: page.things, next: page.next };
    },
    idOf: (thing) => thing.id,
    get: (id) => cloud.get(id),
  };
}

function thingClient(cloud: MemoryCloud, assignedByCloud: boolean, listing: Listing<CloudThing> | undefined): ExternalClient<ThingParameters, ThingObservation> {
  /** From the shared listing when there is one and the core allows it (a poll), else by itself. */
  const read = async (id: string, opts: CallOptions): Promise<CloudThing | undefined> =>
    listing && opts.maxAgeMs !== undefined ? (await listing.read(id, { signal: opts.signal, maxAgeMs: opts.maxAgeMs })).item : cloud.get(id);
  /** Whatever the outcome, the listing no longer speaks for this thing until it is fetched again. */
  const mutating = async <T>(id: string, mutate: () => Promise<T>): Promise<T> => {
    try {
      return await mutate();
    } finally {
      listing?.mutated(id);
    }
  };
  return {
    async observe(mr, opts): Promise<Observation<ThingObservation>> {
      const id = idOf(mr, assignedByCloud);
      const thing = id ? await read(id, opts) : undefined;
      if (!thing) return { exists: false };
      const desired = mr.spec.forProvider;
      const diff = diffOf(desired, thing);
      const readiness = thing.state === "available" ? "Available" : thing.state === "creating" ? "Creating" : "Deleting";
      return {
        exists: true,
        diff,
        atProvider: { id: thing.id, state: thing.state, size: thing.size },
        connectionDetails: { endpoint: `${thing.id}.memory.local`, password: `pw-${thing.id}` },
        ...(desired.color === undefined ? { lateInitialized: { color: thing.color } } : {}),
        ready: readiness,
        ...(readiness === "Available" ? {} : { message: `the thing is ${thing.state}` }),
      };
    },
    async create(mr) {
      const desired = mr.spec.forProvider;
      const id = assignedByCloud ? undefined : (idOf(mr, false) ?? mr.metadata.name);
      const input = { ...(id ? { id } : {}), size: desired.size, color: desired.color ?? "red", tags: desired.tags ?? {} };
      const thing = id ? await mutating(id, () => cloud.create(input)) : await cloud.create(input);
      listing?.mutated(thing.id);
      return { externalName: thing.id };
    },
    async update(mr, diff) {
      const id = idOf(mr, assignedByCloud) ?? "";
      const desired = mr.spec.forProvider;
      const change: Partial<CloudThing> = {};
      for (const d of diff) {
        if (d.path === "size") change.size = desired.size;
        if (d.path === "color" && desired.color) change.color = desired.color;
        if (d.path === "tags") change.tags = desired.tags ?? {};
      }
      await mutating(id, () => cloud.update(id, change));
      return {};
    },
    async delete(mr) {
      const id = idOf(mr, assignedByCloud) ?? "";
      await mutating(id, () => cloud.delete(id));
      return {};
    },
  };
}
