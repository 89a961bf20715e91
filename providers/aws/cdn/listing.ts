import { ListDistributionsCommand } from "@aws-sdk/client-cloudfront";
import type { CloudFrontClient, DistributionSummary, LoggingConfig } from "@aws-sdk/client-cloudfront";
import type { ListPage, ListingSource } from "../../../core/listing.ts";
import { cloudFrontCall } from "./errors.ts";
import { getDistribution } from "./read.ts";
import type { Read } from "./read.ts";

// Batch observe for CDN: CloudFront is global, so one listing per account (credentials) holds every
// distribution, from ListDistributions 100 a page (its maximum; moto 5.2.5 ignores MaxItems and
// Marker and answers everything in one page). A DistributionSummary carries every field the diff
// compares but one: Logging (nor InProgressInvalidationBatches, which is only status). So:
// - Logging is remembered from the last whole read of the distribution (a GetDistribution: after our
//   own change, for one missing from a listing, or when nothing is remembered) together with its
//   ETag. Real CloudFront puts the ETag in each summary: while it is the same the remembered Logging
//   is the distribution's, and a new ETag means a Get. moto's summaries carry no ETag; then the
//   remembered Logging serves only late-initialisation (spec leaves logging unset), and a spec that
//   sets logging is read with a Get each poll, since only a Get can show its drift.
// - Tags are not in a summary: ListTagsForResource stays per resource (when spec.tags is set), as
//   does GetDistributionConfig (for the ETag an update needs) and every read of a delete.

/** CloudFront's largest ListDistributions page. */
export const CLOUDFRONT_PAGE_SIZE = 100;

/** One distribution as a listing or a Get has it. */
export interface ListedDistribution {
  readonly distribution: Read["distribution"];
  /** The version it names: a Get's ETag, or a summary's (real CloudFront; moto's summaries have none). */
  readonly etag: string | undefined;
  /** From a Get: the whole config. From a summary: everything but Logging. */
  readonly whole: boolean;
}

/** A summary as a distribution: the config fields a summary carries, Logging left out. */
export function listedFromSummary(s: DistributionSummary): ListedDistribution | undefined {
  if (!s.Id || !s.ARN) return undefined;
  return {
    distribution: {
      Id: s.Id,
      ARN: s.ARN,
      Status: s.Status,
      LastModifiedTime: s.LastModifiedTime,
      DomainName: s.DomainName,
      InProgressInvalidationBatches: undefined,
      DistributionConfig: {
        CallerReference: undefined,
        Aliases: s.Aliases,
        Origins: s.Origins,
        OriginGroups: s.OriginGroups,
        DefaultCacheBehavior: s.DefaultCacheBehavior,
        CacheBehaviors: s.CacheBehaviors,
        CustomErrorResponses: s.CustomErrorResponses,
        Comment: s.Comment,
        PriceClass: s.PriceClass,
        Enabled: s.Enabled,
        ViewerCertificate: s.ViewerCertificate,
        Restrictions: s.Restrictions,
        WebACLId: s.WebACLId,
        HttpVersion: s.HttpVersion,
        IsIPV6Enabled: s.IsIPV6Enabled,
        Staging: s.Staging,
      },
    },
    etag: s.ETag || undefined,
    whole: false,
  };
}

export function listedFromRead(read: Read): ListedDistribution {
  return { distribution: read.distribution, etag: read.etag || undefined, whole: true };
}

/** The two reads the listing makes, over the SDK (or a fake in tests); each request carries the listing's own signal. */
export interface CloudFrontReads {
  listPage(marker: string | undefined, signal: AbortSignal): Promise<ListPage<DistributionSummary>>;
  get(id: string, signal: AbortSignal): Promise<Read | undefined>;
}

export function sdkCloudFrontReads(client: CloudFrontClient): CloudFrontReads {
  return {
    async listPage(marker, signal) {
      const out = await cloudFrontCall("cloudfront:ListDistributions", () =>
        client.send(new ListDistributionsCommand({ MaxItems: CLOUDFRONT_PAGE_SIZE, ...(marker ? { Marker: marker } : {}) }), { abortSignal: signal }),
      );
      const list = out.DistributionList;
      return { items: list?.Items ?? [], next: list?.IsTruncated ? list.NextMarker : undefined };
    },
    get: (id, signal) => getDistribution(client, id, { abortSignal: signal }),
  };
}

export function cloudFrontListingSource(reads: CloudFrontReads): ListingSource<ListedDistribution> {
  return {
    async page(token, signal) {
      const page = await reads.listPage(token, signal);
      return { items: page.items.flatMap((s) => listedFromSummary(s) ?? []), next: page.next };
    },
    idOf: (item) => item.distribution.Id,
    async get(id, signal) {
      const read = await reads.get(id, signal);
      return read ? listedFromRead(read) : undefined;
    },
  };
}

/**
 * Each distribution's Logging as its last whole read had it, under that read's ETag: what a summary
 * lacks. An entry goes when its distribution is found missing or is deleted.
 */
export class RememberedLogging {
  readonly #byId = new Map<string, { readonly etag: string | undefined; readonly logging: LoggingConfig | undefined }>();

  remember(listed: ListedDistribution): void {
    if (listed.whole) this.#byId.set(listed.distribution.Id, { etag: listed.etag, logging: listed.distribution.DistributionConfig.Logging });
  }

  forget(id: string): void {
    this.#byId.delete(id);
  }

  get size(): number {
    return this.#byId.size;
  }

  /**
   * The distribution with its Logging, or undefined when only a Get can tell: nothing remembered, a
   * summary of another version, or (a summary with no version) a spec that compares logging.
   */
  completed(listed: ListedDistribution, specSetsLogging: boolean): Read["distribution"] | undefined {
    if (listed.whole) return listed.distribution;
    const known = this.#byId.get(listed.distribution.Id);
    if (!known) return undefined;
    const current = listed.etag !== undefined ? known.etag === listed.etag : !specSetsLogging;
    if (!current) return undefined;
    const d = listed.distribution;
    return { ...d, DistributionConfig: { ...d.DistributionConfig, Logging: known.logging } };
  }
}
