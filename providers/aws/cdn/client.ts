import {
  CreateDistributionWithTagsCommand,
  DeleteDistributionCommand,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  ListDistributionsCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateDistributionCommand,
} from "@aws-sdk/client-cloudfront";
import type { CloudFrontClient, Distribution, DistributionConfig, DistributionSummary } from "@aws-sdk/client-cloudfront";
import { ProviderError, errorClassOf } from "../../../core/errors.ts";
import type { PendingOperation } from "../../../core/managed.ts";
import { createOutcomeUnknown, externalName } from "../../../core/policies.ts";
import type { DeleteResult, ExternalClient, FieldDiff, Managed, Observation, OperationRef, Readiness } from "../../../core/provider.ts";
import { mapToTags, ownedBy, ownerTags, tagChanges, tagsToMap, userTags } from "../tags.ts";
import { cloudFrontCall, errorCode } from "./errors.ts";
import { applyDesired, diffCdn, fromDistributionConfig, lateInit, skeletonConfig } from "./normalize.ts";
import { CdnParameters } from "./schema.ts";
import type { CdnObservation } from "./schema.ts";

// The CDN's ExternalClient: one CloudFront distribution per object, named by the id CloudFront
// assigns. Every call is one SDK request or a short fixed sequence of them (the SDK retries each);
// nothing waits for a deployment: an in-progress one is seen again on a later reconcile.

export const MESSAGES = {
  deploying: "deploying to edge locations",
  disabling: "the distribution is disabled and deploying; it is deleted once CloudFront reports it Deployed",
  deleting: "deleting the disabled distribution",
} as const;

/** An observation that may also name a distribution found by its ownership tag (after a create whose outcome was lost). */
export type CdnObservationResult = Observation<CdnObservation> & { readonly externalName?: string };

/** CloudFront's idempotency token for our create: the same for every retry of this object's create. */
export function callerReference(mr: Managed): string {
  const uid = mr.metadata.uid;
  if (!uid) throw new ProviderError("Configuration", `CDN ${mr.metadata.namespace}/${mr.metadata.name} has no uid yet`);
  return `terraplane-${uid}`;
}

function params(mr: Managed): CdnParameters {
  return CdnParameters.parse(mr.spec.forProvider);
}

function requireId(mr: Managed): string {
  const id = externalName(mr);
  if (!id) throw new ProviderError("Configuration", `CDN ${mr.metadata.namespace}/${mr.metadata.name} has no external name (distribution id)`);
  return id;
}

interface Read {
  readonly distribution: Distribution & { Id: string; ARN: string; DistributionConfig: DistributionConfig };
  /** The version just read, for IfMatch: never cached between reconciles. */
  readonly etag: string;
}

/** GetDistribution, or undefined when it does not exist. */
async function getDistribution(cf: CloudFrontClient, id: string): Promise<Read | undefined> {
  try {
    const out = await cloudFrontCall("cloudfront:GetDistribution", () => cf.send(new GetDistributionCommand({ Id: id })));
    const d = out.Distribution;
    if (!d?.Id || !d.ARN || !d.DistributionConfig) throw new ProviderError("Unknown", `cloudfront:GetDistribution returned no distribution for ${id}`);
    return { distribution: { ...d, Id: d.Id, ARN: d.ARN, DistributionConfig: d.DistributionConfig }, etag: out.ETag ?? "" };
  } catch (err) {
    if (errorClassOf(err) === "NotFound") return undefined;
    throw err;
  }
}

async function listTags(cf: CloudFrontClient, arn: string): Promise<Record<string, string>> {
  const out = await cloudFrontCall("cloudfront:ListTagsForResource", () => cf.send(new ListTagsForResourceCommand({ Resource: arn })));
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
export async function findOwned(cf: CloudFrontClient, mr: Managed, desired: CdnParameters): Promise<string | undefined> {
  let marker: string | undefined;
  do {
    const page = await cloudFrontCall("cloudfront:ListDistributions", () => cf.send(new ListDistributionsCommand({ ...(marker ? { Marker: marker } : {}) })));
    for (const s of likelyFirst(page.DistributionList?.Items ?? [], desired)) {
      if (s.ARN && s.Id && ownedBy(mr, await listTags(cf, s.ARN))) return s.Id;
    }
    marker = page.DistributionList?.IsTruncated ? page.DistributionList.NextMarker : undefined;
  } while (marker);
  return undefined;
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

function pendingDelete(mr: Managed, id: string): OperationRef {
  return mr.status?.pendingOperation ?? { id, action: "delete" };
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
    if (!deployed) return { ready: "Deleting", message: MESSAGES.disabling, pendingOperation: pendingDelete(mr, d.Id) };
    if (mr.status?.pendingOperation) return { ready: "Deleting", message: MESSAGES.deleting };
  }
  return deployed ? { ready: "Available" } : { ready: "Creating", message: MESSAGES.deploying };
}

/** Where to look: the external name, or (only after a create whose outcome was lost) our ownership tag. */
async function locate(cf: CloudFrontClient, mr: Managed, desired: CdnParameters): Promise<{ id: string; discovered: boolean } | undefined> {
  const name = externalName(mr);
  if (name) return { id: name, discovered: false };
  if (!createOutcomeUnknown(mr)) return undefined;
  const found = await findOwned(cf, mr, desired);
  return found ? { id: found, discovered: true } : undefined;
}

async function observe(cf: CloudFrontClient, mr: Managed): Promise<CdnObservationResult> {
  const desired = params(mr);
  const where = await locate(cf, mr, desired);
  const read = where ? await getDistribution(cf, where.id) : undefined;
  if (!where || !read) return { exists: false };
  const d = read.distribution;
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

async function create(cf: CloudFrontClient, mr: Managed): Promise<{ externalName: string }> {
  const desired = params(mr);
  const ref = callerReference(mr);
  const config = applyDesired(skeletonConfig(ref), desired);
  const Tags = { Items: mapToTags({ ...desired.tags, ...ownerTags(mr) }) };
  try {
    const out = await cloudFrontCall("cloudfront:CreateDistribution and cloudfront:TagResource", () =>
      cf.send(new CreateDistributionWithTagsCommand({ DistributionConfigWithTags: { DistributionConfig: config, Tags } })),
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
async function updateConfig(cf: CloudFrontClient, id: string, desired: CdnParameters): Promise<string | undefined> {
  const current = await cloudFrontCall("cloudfront:GetDistributionConfig", () => cf.send(new GetDistributionConfigCommand({ Id: id })));
  if (!current.DistributionConfig) throw new ProviderError("Unknown", `cloudfront:GetDistributionConfig returned no config for ${id}`);
  const next = applyDesired(current.DistributionConfig, desired);
  const out = await cloudFrontCall("cloudfront:UpdateDistribution", () => cf.send(new UpdateDistributionCommand({ Id: id, IfMatch: current.ETag, DistributionConfig: next })));
  return out.Distribution?.ARN;
}

/** The user's tags made to match, read fresh; Terraplane's ownership tags are never touched. */
async function updateTags(cf: CloudFrontClient, arn: string, desired: Readonly<Record<string, string>>): Promise<void> {
  const { set, remove } = tagChanges(desired, userTags(await listTags(cf, arn)));
  if (Object.keys(set).length > 0) await cloudFrontCall("cloudfront:TagResource", () => cf.send(new TagResourceCommand({ Resource: arn, Tags: { Items: mapToTags(set) } })));
  if (remove.length > 0) await cloudFrontCall("cloudfront:UntagResource", () => cf.send(new UntagResourceCommand({ Resource: arn, TagKeys: { Items: remove } })));
}

async function update(cf: CloudFrontClient, mr: Managed, diff: readonly FieldDiff[]): Promise<void> {
  const id = requireId(mr);
  const desired = params(mr);
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
async function remove(cf: CloudFrontClient, mr: Managed): Promise<DeleteResult> {
  const id = externalName(mr);
  const read = id ? await getDistribution(cf, id) : undefined;
  if (!id || !read) return {};
  const { distribution: d, etag } = read;
  if (d.DistributionConfig.Enabled !== false) {
    const config: DistributionConfig = { ...d.DistributionConfig, Enabled: false };
    await cloudFrontCall("cloudfront:UpdateDistribution", () => cf.send(new UpdateDistributionCommand({ Id: id, IfMatch: etag, DistributionConfig: config })));
    return { pendingOperation: pendingDelete(mr, id) };
  }
  if (d.Status !== "Deployed") return { pendingOperation: pendingDelete(mr, id) };
  try {
    await cloudFrontCall("cloudfront:DeleteDistribution", () => cf.send(new DeleteDistributionCommand({ Id: id, IfMatch: etag })));
  } catch (err) {
    if (errorClassOf(err) !== "NotFound") throw err;
  }
  return {};
}

/** The CDN's external client on one cached CloudFront SDK client. */
export function cdnClient(cf: CloudFrontClient): ExternalClient {
  return {
    observe: (mr) => observe(cf, mr),
    create: (mr) => create(cf, mr),
    update: async (mr, diff) => {
      await update(cf, mr, diff);
      return {};
    },
    delete: (mr) => remove(cf, mr),
  };
}
