import type { LoadBalancer, TargetGroup } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Listing, ListingReadOptions, ListingSource } from "../../../core/listing.ts";
import type { ElbApi } from "./api.ts";
import type { ReadApi } from "./read.ts";

// Batch observe for LoadBalancer: one listing per account and region holds every load balancer
// (DescribeLoadBalancers, 400 a page) and every target group (DescribeTargetGroups without a load
// balancer filter, 400 a page), each with its tags (DescribeTags, 20 ARNs a call). That is all the
// ownership checks and the load balancer's and target groups' own diffs need. What no list serves
// stays a read per resource on every poll: DescribeListeners (it needs a LoadBalancerArn) and
// DescribeTargetHealth (one target group a call).
//
// One listing, so one snapshot and one freshness rule for both: its pages are the load balancers'
// then the target groups' (the token says which list a marker belongs to). A target group is listed
// under its name and under its ARN, the two ways a load balancer's set finds one.

/** One listed thing with its tags, under one of its keys. */
export type ElbListed =
  | { readonly key: string; readonly lb: LoadBalancer; readonly tags: Readonly<Record<string, string>> }
  | { readonly key: string; readonly tg: TargetGroup; readonly tags: Readonly<Record<string, string>> };

export const lbKey = (name: string): string => `lb/${name}`;
export const tgNameKey = (name: string): string => `tg/${name}`;
export const tgArnKey = (arn: string): string => `tg-arn/${arn}`;

const LB_PAGES = "lb:";
const TG_PAGES = "tg:";

async function tagged<T>(api: ElbApi, items: readonly T[], arnOf: (item: T) => string | undefined): Promise<{ item: T; arn: string; tags: Readonly<Record<string, string>> }[]> {
  const withArn = items.flatMap((item) => {
    const arn = arnOf(item);
    return arn ? [{ item, arn }] : [];
  });
  if (withArn.length === 0) return [];
  const tags = await api.describeTags(withArn.map((x) => x.arn));
  return withArn.map((x) => ({ ...x, tags: tags.get(x.arn) ?? {} }));
}

async function listedLoadBalancers(api: ElbApi, lbs: readonly LoadBalancer[]): Promise<ElbListed[]> {
  return (await tagged(api, lbs, (lb) => lb.LoadBalancerArn)).flatMap(({ item, tags }) => (item.LoadBalancerName ? [{ key: lbKey(item.LoadBalancerName), lb: item, tags }] : []));
}

async function listedTargetGroups(api: ElbApi, tgs: readonly TargetGroup[]): Promise<ElbListed[]> {
  return (await tagged(api, tgs, (tg) => tg.TargetGroupArn)).flatMap(({ item, arn, tags }) => [
    ...(item.TargetGroupName ? [{ key: tgNameKey(item.TargetGroupName), tg: item, tags }] : []),
    { key: tgArnKey(arn), tg: item, tags },
  ]);
}

/** The listing source of one account and region; `apiFor` gives an ElbApi whose requests carry the listing's own signal. */
export function elbListingSource(apiFor: (signal: AbortSignal) => ElbApi): ListingSource<ElbListed> {
  return {
    async page(token, signal) {
      const api = apiFor(signal);
      if (token === undefined || token.startsWith(LB_PAGES)) {
        const page = await api.describeLoadBalancersPage(token?.slice(LB_PAGES.length) || undefined);
        return { items: await listedLoadBalancers(api, page.items), next: page.next ? `${LB_PAGES}${page.next}` : TG_PAGES };
      }
      const page = await api.describeTargetGroupsPage(token.slice(TG_PAGES.length) || undefined);
      return { items: await listedTargetGroups(api, page.items), next: page.next ? `${TG_PAGES}${page.next}` : undefined };
    },
    idOf: (item) => item.key,
    async get(key, signal) {
      const api = apiFor(signal);
      const [kind = "", ...rest] = key.split("/");
      const value = rest.join("/");
      let found: ElbListed[];
      if (kind === "lb") {
        const lb = await api.describeLoadBalancer(value);
        found = await listedLoadBalancers(api, lb ? [lb] : []);
      } else {
        found = await listedTargetGroups(api, kind === "tg" ? await api.describeTargetGroupsByName([value]) : await api.describeTargetGroupsByArn([value]));
      }
      return found.find((item) => item.key === key);
    },
  };
}

/**
 * The reads of one load balancer's set with the target groups and tags taken from the listing (a
 * target group the listing lacks is confirmed by the listing's own Get), and listeners and target
 * health read per resource as always: readAround over it observes exactly what it observes per resource.
 */
export function listedReadApi(
  api: ElbApi,
  listing: Listing<ElbListed>,
  listed: { lb: LoadBalancer; tags: Readonly<Record<string, string>> },
  opts: ListingReadOptions,
): ReadApi {
  const tagsByArn = new Map<string, Readonly<Record<string, string>>>();
  if (listed.lb.LoadBalancerArn) tagsByArn.set(listed.lb.LoadBalancerArn, listed.tags);
  const groups = async (keys: readonly string[]): Promise<TargetGroup[]> => {
    const reads = await Promise.all(keys.map((key) => listing.read(key, opts)));
    return reads.flatMap(({ item }) => {
      if (!item || !("tg" in item)) return [];
      if (item.tg.TargetGroupArn) tagsByArn.set(item.tg.TargetGroupArn, item.tags);
      return [item.tg];
    });
  };
  return {
    describeListeners: (lbArn) => api.describeListeners(lbArn),
    describeTargetHealth: (arn) => api.describeTargetHealth(arn),
    describeTargetGroupsByName: (names) => groups(names.map(tgNameKey)),
    describeTargetGroupsByArn: (arns) => groups(arns.map(tgArnKey)),
    async describeTags(arns) {
      const unknown = arns.filter((arn) => !tagsByArn.has(arn));
      const fetched = unknown.length > 0 ? await api.describeTags(unknown) : new Map<string, Record<string, string>>();
      return new Map(arns.map((arn) => [arn, { ...(tagsByArn.get(arn) ?? fetched.get(arn) ?? {}) }]));
    },
  };
}
