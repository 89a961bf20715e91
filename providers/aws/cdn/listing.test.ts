import type { Distribution, DistributionConfig, DistributionSummary } from "@aws-sdk/client-cloudfront";
import { describe, expect, it } from "vitest";
import { Listing } from "../../../core/listing.ts";
import type { ListPage } from "../../../core/listing.ts";
import { RememberedLogging, cloudFrontListingSource, listedFromRead, listedFromSummary } from "./listing.ts";
import type { CloudFrontReads } from "./listing.ts";
import { fromDistributionConfig } from "./normalize.ts";
import type { Read } from "./read.ts";

// The CDN's listing source: a summary observes as the whole config does, but for Logging, which is
// remembered from the last whole read and trusted only while the version (ETag) is the same.

const config: DistributionConfig = {
  CallerReference: "terraplane-uid",
  Comment: "site",
  Enabled: true,
  Aliases: { Quantity: 1, Items: ["www.example.com"] },
  PriceClass: "PriceClass_100",
  Origins: { Quantity: 1, Items: [{ Id: "web", DomainName: "origin.example.com", OriginPath: "", CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: "https-only" } }] },
  DefaultCacheBehavior: { TargetOriginId: "web", ViewerProtocolPolicy: "redirect-to-https", Compress: true, MinTTL: 0, DefaultTTL: 86_400, MaxTTL: 31_536_000 },
  ViewerCertificate: { CloudFrontDefaultCertificate: true },
  Logging: { Enabled: true, Bucket: "logs.s3.amazonaws.com", Prefix: "cdn/", IncludeCookies: false },
};

function distribution(id: string, over: Partial<DistributionConfig> = {}): Read {
  const d: Distribution = { Id: id, ARN: `arn:aws:cloudfront::1:distribution/${id}`, Status: "Deployed", LastModifiedTime: new Date(0), DomainName: `${id}.cloudfront.net`, InProgressInvalidationBatches: 0, DistributionConfig: { ...config, ...over } };
  return { distribution: { ...d, Id: id, ARN: d.ARN ?? "", DistributionConfig: { ...config, ...over } }, etag: `v-${id}` };
}

/** What ListDistributions says of it: the summary's fields, no Logging; a version only where `etag` asks. */
function summaryOf(read: Read, etag = true): DistributionSummary {
  const d = read.distribution;
  const c = d.DistributionConfig;
  return {
    Id: d.Id,
    ARN: d.ARN,
    ...(etag ? { ETag: read.etag } : {}),
    Status: d.Status,
    LastModifiedTime: d.LastModifiedTime,
    DomainName: d.DomainName,
    Aliases: c.Aliases,
    Origins: c.Origins,
    DefaultCacheBehavior: c.DefaultCacheBehavior,
    CacheBehaviors: c.CacheBehaviors,
    CustomErrorResponses: c.CustomErrorResponses,
    Comment: c.Comment,
    PriceClass: c.PriceClass,
    Enabled: c.Enabled,
    ViewerCertificate: c.ViewerCertificate,
    Restrictions: c.Restrictions,
    WebACLId: c.WebACLId,
    HttpVersion: c.HttpVersion,
    IsIPV6Enabled: c.IsIPV6Enabled,
    Staging: false,
  };
}

describe("listedFromSummary", () => {
  it("observes every field the diff compares as the whole config does, except Logging", () => {
    const read = distribution("E1");
    const listed = listedFromSummary(summaryOf(read));
    expect(listed?.whole).toBe(false);
    const fromSummary = fromDistributionConfig(listed?.distribution.DistributionConfig ?? config);
    const { logging, ...rest } = fromDistributionConfig(read.distribution.DistributionConfig);
    expect(logging?.enabled).toBe(true);
    expect(fromSummary).toEqual({ ...rest, logging: { enabled: false } });
  });
});

describe("RememberedLogging", () => {
  const read = distribution("E1");
  const whole = listedFromRead(read);

  it("fills a summary of the same version with the Logging last read", () => {
    const memory = new RememberedLogging();
    memory.remember(whole);
    const completed = memory.completed(listedFromSummary(summaryOf(read)) ?? whole, true);
    expect(completed?.DistributionConfig.Logging).toEqual(config.Logging);
    expect(fromDistributionConfig(completed?.DistributionConfig ?? {} as DistributionConfig)).toEqual(fromDistributionConfig(read.distribution.DistributionConfig));
  });

  it("asks for a Get when nothing is remembered or the version changed", () => {
    const memory = new RememberedLogging();
    expect(memory.completed(listedFromSummary(summaryOf(read)) ?? whole, false)).toBeUndefined();
    memory.remember(whole);
    const changed = { ...read, etag: "v-2" };
    expect(memory.completed(listedFromSummary(summaryOf(changed)) ?? whole, false)).toBeUndefined();
  });

  it("without a version in the summary (moto), trusts it only where spec leaves logging unset", () => {
    const memory = new RememberedLogging();
    memory.remember(whole);
    const unversioned = listedFromSummary(summaryOf(read, false)) ?? whole;
    expect(unversioned.etag).toBeUndefined();
    expect(memory.completed(unversioned, true)).toBeUndefined();
    expect(memory.completed(unversioned, false)?.DistributionConfig.Logging).toEqual(config.Logging);
    memory.forget("E1");
    expect(memory.completed(unversioned, false)).toBeUndefined();
    expect(memory.size).toBe(0);
  });
});

describe("cloudFrontListingSource", () => {
  /** An account of distributions, listed `pageSize` at a time by marker. */
  function account(reads: readonly Read[], pageSize: number): CloudFrontReads & { calls: string[] } {
    const calls: string[] = [];
    return {
      calls,
      async listPage(marker): Promise<ListPage<DistributionSummary>> {
        calls.push(`ListDistributions:${marker ?? ""}`);
        const from = marker ? reads.findIndex((r) => r.distribution.Id === marker) + 1 : 0;
        const page = reads.slice(from, from + pageSize);
        return { items: page.map((r) => summaryOf(r)), next: from + pageSize < reads.length ? page.at(-1)?.distribution.Id : undefined };
      },
      async get(id) {
        calls.push(`GetDistribution:${id}`);
        return reads.find((r) => r.distribution.Id === id);
      },
    };
  }

  it("follows the markers once for every distribution, and Gets only what the listing lacks", async () => {
    const reads = ["E1", "E2", "E3"].map((id) => distribution(id));
    const api = account(reads, 2);
    const listing = new Listing(cloudFrontListingSource(api));
    const poll = { signal: new AbortController().signal, maxAgeMs: 60_000 };
    const found = await Promise.all(["E1", "E2", "E3"].map((id) => listing.read(id, poll)));
    expect(found.map((f) => [f.via, f.item?.whole])).toEqual([["listing", false], ["listing", false], ["listing", false]]);
    expect(await listing.read("E9", poll)).toEqual({ item: undefined, via: "get-missing" });
    expect(api.calls).toEqual(["ListDistributions:", "ListDistributions:E2", "GetDistribution:E9"]);
    listing.mutated("E1");
    const after = await listing.read("E1", poll);
    expect([after.via, after.item?.whole]).toEqual(["get-after-mutation", true]);
  });
});
