import {
  CreateDistributionWithTagsCommand,
  DeleteDistributionCommand,
  GetDistributionConfigCommand,
  ListDistributionsCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateDistributionCommand,
} from "@aws-sdk/client-cloudfront";
import type { CloudFrontClient, DistributionConfig, DistributionSummary } from "@aws-sdk/client-cloudfront";
import { ProviderError, errorClassOf } from "../../../core/errors.ts";
import { createOutcomeUnknown, externalName } from "../../../core/policies.ts";
import type { Listing, ListingReadOptions } from "../../../core/listing.ts";
import type { CallOptions, DeleteResult, ExternalClient, FieldDiff, Managed, Observation, OperationRef, Readiness } from "../../../core/provider.ts";
import { mapToTags, ownedBy, ownerTags, tagChanges, tagsToMap, userTags } from "../tags.ts";
import { cloudFrontCall, errorCode } from "./errors.ts";
import { listedFromRead } from "./listing.ts";
import type { ListedDistribution, RememberedLogging } from "./listing.ts";
import { getDistribution as getOne } from "./read.ts";
import type { Read } from "./read.ts";
import { applyDesired, diffCdn, fromDistributionConfig, lateInit, skeletonConfig } from "./normalize.ts";
import type { CdnObservation, CdnParameters } from "./schema.ts";

// The CDN's ExternalClient: one CloudFront distribution per object, named by the id CloudFront
// assigns. Every call is one SDK request or a short fixed sequence of them (the SDK retries each);
// nothing waits for a deployment: an in-progress one is seen again on a later reconcile.

export const MESSAGES = {
  deploying: "deploying to edge locations",
  disabling: "the distribution is disabled and deploying; it is deleted once CloudFront reports it Deployed",
  deleting: "deleting the disabled distribution",
} as const;

type Cdn = Managed<CdnParameters, CdnObservation>;

/** The account's shared listing and what it remembers of each distribution (batch observe). */
export interface CdnBatch {
  readonly listing: Listing<ListedDistribution>;
  readonly logging: RememberedLogging;
}

/** The cached CloudFront SDK client and this reconcile's request options (its signal): every request goes with both. */
interface CloudFront {
  readonly client: CloudFrontClient;
  readonly opts: { readonly abortSignal: AbortSignal };
  /** Without it every observe reads its distribution by itself. */
  readonly batch?: CdnBatch | undefined;
}

/** CloudFront's idempotency token for our create: the same for every retry of this object's create. */
export function callerReference(mr: Managed): string {
  const uid = mr.metadata.uid;
  if (!uid) throw new ProviderError("Configuration", `CDN ${mr.metadata.namespace}/${mr.metadata.name} has no uid yet`);
  return `terraplane-${uid}`;
}

function requireId(mr: Managed): string {
  const id = externalName(mr);
  if (!id) throw new ProviderError("Configuration", `CDN ${mr.metadata.namespace}/${mr.metadata.name} has no external name (distribution id)`);
  return id;
}

/** GetDistribution with this reconcile's signal, or undefined when it does not exist. */
async function getDistribution(cf: CloudFront, id: string): Promise<Read | undefined> {
  return getOne(cf.client, id, cf.opts);
}

async function listTags(cf: CloudFront, arn: string): Promise<Record<string, string>> {
  const out = await cloudFrontCall("cloudfront:ListTagsForResource", () => cf.client.send(new ListTagsForResourceCommand({ Resource: arn }), cf.opts));
  return tagsToMap(out.Tags?.Items);
}

/** Summaries whose origins match the desired ones first: the likeliest to be ours. */
function likelyFirst(items: readonly DistributionSummary[], desired: CdnParameters): DistributionSummary[] {
  const want = desired.origins.map((o) => o.id).sort().join("\0");
  const score = (s: DistributionSummary): number => ((s.Origins?.Items ?? []).map((o) => o.Id ?? "").sort().join("\0") === want ? 0 : 1);
  return [...items].sort((a, b) => score(a) - score(b));
}

/**
 * The distribution tagged with this object's uid, if any: ListDistributions, then the tags of each
 * (likeliest first). Only used after a create whose outcome was lost, never on a normal poll.
 */
async function findOwned(cf: CloudFront, mr: Managed, desired: CdnParameters): Promise<string | undefined> {
  let marker: string | undefined;
  do {
    const page = await cloudFrontCall("cloudfront:ListDistributions", () => cf.client.send(new ListDistributionsCommand({ ...(marker ? { Marker: marker } : {}) }), cf.opts));
    for (const s of likelyFirst(page.DistributionList?.Items ?? [], desired)) {
      if (s.ARN && s.Id && ownedBy(mr, await listTags(cf, s.ARN))) return s.Id;
    }
    marker = page.DistributionList?.IsTruncated ? page.DistributionList.NextMarker : undefined;
  } while (marker);
  return undefined;
}

/**
 * The distribution for a poll's observe from the shared listing: the summary with its remembered
 * Logging, or a GetDistribution when only that can tell (see listing.ts). In batch mode the status
 * never shows InProgressInvalidationBatches, which no summary carries: it would flap between reads.
 */
async function readListed(cf: CloudFront & { batch: CdnBatch }, mr: Cdn, id: string, poll: ListingReadOptions): Promise<Read["distribution"] | undefined> {
  const batch = cf.batch;
  const { item } = await batch.listing.read(id, poll);
  let d: Read["distribution"] | undefined;
  if (item) {
    batch.logging.remember(item);
    d = batch.logging.completed(item, mr.spec.forProvider.logging !== undefined);
    if (!d) {
      const read = await getDistribution(cf, id);
      if (read) batch.logging.remember(listedFromRead(read));
      d = read?.distribution;
    }
  }
  if (!d) batch.logging.forget(id);
  return d ? { ...d, InProgressInvalidationBatches: undefined } : undefined;
}

/** From the shared listing when there is one and the core allows it (a poll), else by itself (a plan, batch off, a distribution just discovered). */
async function readFor(cf: CloudFront, mr: Cdn, where: { id: string; discovered: boolean }, opts: CallOptions | undefined): Promise<Read["distribution"] | undefined> {
  const batch = cf.batch;
  if (batch && opts?.maxAgeMs !== undefined && !where.discovered) return readListed({ ...cf, batch }, mr, where.id, { signal: opts.signal, maxAgeMs: opts.maxAgeMs, onChanged: opts.onChanged });
  return (await getDistribution(cf, where.id))?.distribution;
}

/** Whatever the outcome, the listing no longer speaks for this distribution until it is fetched again. */
async function mutating<T>(cf: CloudFront, id: string | undefined, mutate: () => Promise<T>, idOf?: (result: T) => string | undefined): Promise<T> {
  let result: T | undefined;
  try {
    result = await mutate();
    return result;
  } finally {
    const mutated = id ?? (result !== undefined && idOf ? idOf(result) : undefined);
    if (mutated) cf.batch?.listing.mutated(mutated);
  }
}

function atProviderOf(d: Read["distribution"]): CdnObservation {
  return {
    id: d.Id,
    arn: d.ARN,
    ...(d.DomainName ? { domainName: d.DomainName } : {}),
    ...(d.Status ? { status: d.Status } : {}),
    enabled: d.DistributionConfig.Enabled ?? false,
    ...(d.LastModifiedTime ? { lastModifiedTime: d.LastModifiedTime.toISOString() } : {}),
    ...(d.InProgressInvalidationBatches !== undefined ? { inProgressInvalidationBatches: d.InProgressInvalidationBatches } : {}),
  };
}

/** The disable-then-delete in flight, named by the distribution (the core keeps when it started). */
function pendingDelete(id: string): OperationRef {
  return { id, action: "delete" };
}

/** What readiness is decided from: the distribution's id, Status and Enabled. */
export interface DistributionState {
  readonly Id: string;
  readonly Status?: string | undefined;
  readonly DistributionConfig: { readonly Enabled?: boolean | undefined };
}

/**
 * Readiness from CloudFront's own Status. While the object is being deleted, a disabled distribution
 * that is still deploying is a pending delete (the core waits); once Deployed, the core calls delete.
 */
export function readinessOf(mr: Managed, d: DistributionState): { ready: Readiness; message?: string; pendingOperation?: OperationRef } {
  const deployed = d.Status === "Deployed";
  if (mr.metadata.deletionTimestamp && d.DistributionConfig.Enabled === false) {
    if (!deployed) return { ready: "Deleting", message: MESSAGES.disabling, pendingOperation: pendingDelete(d.Id) };
    if (mr.status?.pendingOperation) return { ready: "Deleting", message: MESSAGES.deleting };
  }
  return deployed ? { ready: "Available" } : { ready: "Creating", message: MESSAGES.deploying };
}

/** Where to look: the external name, or (only after a create whose outcome was lost) our ownership tag. */
async function locate(cf: CloudFront, mr: Managed, desired: CdnParameters): Promise<{ id: string; discovered: boolean } | undefined> {
  const name = externalName(mr);
  if (name) return { id: name, discovered: false };
  if (!createOutcomeUnknown(mr)) return undefined;
  const found = await findOwned(cf, mr, desired);
  return found ? { id: found, discovered: true } : undefined;
}

async function observe(cf: CloudFront, mr: Cdn, opts: CallOptions | undefined): Promise<Observation<CdnObservation>> {
  const desired = mr.spec.forProvider;
  const where = await locate(cf, mr, desired);
  const d = where ? await readFor(cf, mr, where, opts) : undefined;
  if (!where || !d) return { exists: false };
  const observed = fromDistributionConfig(d.DistributionConfig);
  const tags = desired.tags === undefined ? undefined : await listTags(cf, d.ARN);
  const diff = diffCdn(desired, observed, tags);
  const late = lateInit(desired, observed);
  return {
    exists: true,
    diff,
    atProvider: atProviderOf(d),
    // Published only when spec.writeConnectionSecretToRef is set; nothing here is secret.
    ...(d.DomainName ? { connectionDetails: { domainName: d.DomainName, url: `https://${d.DomainName}` } } : {}),
    ...(Object.keys(late).length > 0 ? { lateInitialized: late } : {}),
    ...readinessOf(mr, d),
    ...(where.discovered ? { externalName: where.id } : {}),
  };
}

async function create(cf: CloudFront, mr: Cdn): Promise<{ externalName: string }> {
  const desired = mr.spec.forProvider;
  const ref = callerReference(mr);
  const config = applyDesired(skeletonConfig(ref), desired);
  const Tags = { Items: mapToTags({ ...desired.tags, ...ownerTags(mr) }) };
  try {
    const out = await cloudFrontCall("cloudfront:CreateDistribution and cloudfront:TagResource", () =>
      cf.client.send(new CreateDistributionWithTagsCommand({ DistributionConfigWithTags: { DistributionConfig: config, Tags } }), cf.opts),
    );
    if (!out.Distribution?.Id) throw new ProviderError("Unknown", "cloudfront:CreateDistribution returned no distribution id");
    return { externalName: out.Distribution.Id };
  } catch (err) {
    // A retried create (same CallerReference) whose first attempt did go through: find ours.
    if (errorCode(err) !== "DistributionAlreadyExists") throw err;
    const mine = await findOwned(cf, mr, desired);
    if (mine) return { externalName: mine };
    throw new ProviderError("AlreadyExists", `CallerReference ${ref} is used by a distribution that is not tagged as this CDN's (uid ${mr.metadata.uid ?? ""})`, {
      code: "DistributionAlreadyExists",
      cause: err,
    });
  }
}

/** GetDistributionConfig → desired laid over it → UpdateDistribution with IfMatch = the ETag just read. Returns the ARN. */
async function updateConfig(cf: CloudFront, id: string, desired: CdnParameters): Promise<string | undefined> {
  const current = await cloudFrontCall("cloudfront:GetDistributionConfig", () => cf.client.send(new GetDistributionConfigCommand({ Id: id }), cf.opts));
  if (!current.DistributionConfig) throw new ProviderError("Unknown", `cloudfront:GetDistributionConfig returned no config for ${id}`);
  const next = applyDesired(current.DistributionConfig, desired);
  const out = await cloudFrontCall("cloudfront:UpdateDistribution", () => cf.client.send(new UpdateDistributionCommand({ Id: id, IfMatch: current.ETag, DistributionConfig: next }), cf.opts));
  return out.Distribution?.ARN;
}

/** The user's tags made to match, read fresh; Terraplane's ownership tags are never touched. */
async function updateTags(cf: CloudFront, arn: string, desired: Readonly<Record<string, string>>): Promise<void> {
  const { set, remove } = tagChanges(desired, userTags(await listTags(cf, arn)));
  if (Object.keys(set).length > 0) await cloudFrontCall("cloudfront:TagResource", () => cf.client.send(new TagResourceCommand({ Resource: arn, Tags: { Items: mapToTags(set) } }), cf.opts));
  if (remove.length > 0) await cloudFrontCall("cloudfront:UntagResource", () => cf.client.send(new UntagResourceCommand({ Resource: arn, TagKeys: { Items: remove } }), cf.opts));
}

async function update(cf: CloudFront, mr: Cdn, diff: readonly FieldDiff[]): Promise<void> {
  const id = requireId(mr);
  const desired = mr.spec.forProvider;
  const arn = diff.some((d) => d.path !== "tags") ? await updateConfig(cf, id, desired) : undefined;
  if (desired.tags === undefined || !diff.some((d) => d.path === "tags")) return;
  const read = arn ? undefined : await getDistribution(cf, id);
  const target = arn ?? read?.distribution.ARN;
  if (!target) throw new ProviderError("NotFound", `distribution ${id} does not exist`);
  await updateTags(cf, target, desired.tags);
}

/**
 * Deleting a distribution takes three steps across reconciles, never waiting inside one: disable it
 * (UpdateDistribution with IfMatch), let it deploy (observe reports Deleting with a pending
 * operation), then DeleteDistribution with IfMatch = the ETag just read.
 */
async function remove(cf: CloudFront, mr: Cdn): Promise<DeleteResult> {
  const id = externalName(mr);
  const read = id ? await getDistribution(cf, id) : undefined;
  if (!id || !read) return {};
  const { distribution: d, etag } = read;
  if (d.DistributionConfig.Enabled !== false) {
    const config: DistributionConfig = { ...d.DistributionConfig, Enabled: false };
    await cloudFrontCall("cloudfront:UpdateDistribution", () => cf.client.send(new UpdateDistributionCommand({ Id: id, IfMatch: etag, DistributionConfig: config }), cf.opts));
    return { pendingOperation: pendingDelete(id) };
  }
  if (d.Status !== "Deployed") return { pendingOperation: pendingDelete(id) };
  try {
    await cloudFrontCall("cloudfront:DeleteDistribution", () => cf.client.send(new DeleteDistributionCommand({ Id: id, IfMatch: etag }), cf.opts));
  } catch (err) {
    if (errorClassOf(err) !== "NotFound") throw err;
  }
  return {};
}

/** One reconcile's CDN client on the cached CloudFront SDK client: every request carries that reconcile's signal. */
export function cdnClient(client: CloudFrontClient, signal: AbortSignal, batch?: CdnBatch): ExternalClient<CdnParameters, CdnObservation> {
  const cf: CloudFront = { client, opts: { abortSignal: signal }, batch };
  return {
    observe: (mr, opts) => observe(cf, mr, opts),
    create: (mr) => mutating(cf, externalName(mr), () => create(cf, mr), (r) => r.externalName),
    update: async (mr, diff) => {
      await mutating(cf, externalName(mr), () => update(cf, mr, diff));
      return {};
    },
    delete: async (mr) => {
      const id = externalName(mr);
      const result = await mutating(cf, id, () => remove(cf, mr));
      if (id && !result.pendingOperation) batch?.logging.forget(id);
      return result;
    },
  };
}
