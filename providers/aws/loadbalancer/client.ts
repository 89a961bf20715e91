import type { LoadBalancer } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ProviderError, errorClassOf } from "../../../core/errors.ts";
import { externalName } from "../../../core/policies.ts";
import type { Listing } from "../../../core/listing.ts";
import type { CallOptions, ConnectionDetails, CreateResult, DeleteResult, ExternalClient, FieldDiff, Managed, Observation, UpdateResult } from "../../../core/provider.ts";
import { OwnerTags, ownerTags } from "../tags.ts";
import type { ElbApi } from "./api.ts";
import type { ConvergeContext } from "./context.ts";
import { converge, createLoadBalancerInput } from "./converge.ts";
import { lbKey, listedReadApi, tgNameKey } from "./listing.ts";
import type { ElbListed } from "./listing.ts";
import { assertLoadBalancerName } from "./names.ts";
import { atProvider, diffAll, immutableDiffs, lateInit, matchTargetGroups, readiness } from "./normalize.ts";
import type { Matched } from "./normalize.ts";
import { observeLoadBalancer } from "./observed.ts";
import type { CloudState, ObservedLoadBalancer, ObservedTargetGroup } from "./observed.ts";
import { mayUse, namingOf } from "./part-names.ts";
import { readAround, readCloud, readTargetGroups } from "./read.ts";
import { LoadBalancerParameters } from "./schema.ts";
import type { LoadBalancerObservation } from "./schema.ts";
import { deleteTargetGroups, notOurs } from "./target-groups.ts";

// The LoadBalancer's external client. One instance serves one reconcile (the connector builds it
// per connect, on the cached SDK client and that reconcile's signal), so what observe read is kept
// for the update or delete that follows in the same reconcile instead of being read twice. observe
// only reads. With batch observe a poll's observe takes the load balancer, its target groups and
// their tags from the account and region's shared listing (listing.ts), and reads only the
// listeners and target health by itself; the state it builds, and so the diff, is the same.

type Lb = Managed<LoadBalancerParameters, LoadBalancerObservation>;

function contextOf(api: ElbApi, mr: Lb): ConvergeContext {
  const lbName = assertLoadBalancerName(mr);
  const naming = namingOf(mr, lbName, (mr.spec.forProvider.targetGroups ?? []).map((tg) => tg.name));
  return { api, lbName, naming, desired: mr.spec.forProvider, ownerTags: ownerTags(mr), uid: mr.metadata.uid ?? "" };
}

/** Target group names to look for: spec's keys' (named or derived), those the user named, and those this resource recorded as its own in status. */
function candidateNames(mr: Lb, ctx: ConvergeContext): string[] {
  const fromStatus = (mr.status?.atProvider?.targetGroups ?? []).filter((tg) => tg.name !== undefined).map((tg) => tg.targetGroupName);
  return [...(ctx.desired.targetGroups ?? []).map((tg) => ctx.naming.nameOf(tg.name)), ...ctx.naming.keyByNamed.keys(), ...fromStatus];
}

/**
 * A load balancer found by name is this resource's when it carries its uid tag (e.g. a create that
 * timed out), or when the user named it with the external-name annotation and no other Terraplane
 * resource owns it (an import). Anything else is someone else's: never adopted silently.
 */
function assertAdoptable(mr: Managed, lb: ObservedLoadBalancer): void {
  const uid = lb.tags[OwnerTags.uid];
  if (uid === mr.metadata.uid) return;
  if (!uid && externalName(mr) !== undefined) return;
  const message = uid
    ? `load balancer "${lb.name}" is managed by another Terraplane resource (${lb.tags[OwnerTags.resource] ?? uid}): use another name`
    : `load balancer "${lb.name}" already exists and was not created by this LoadBalancer: to adopt it, set the terraplane.dev/external-name annotation to "${lb.name}"; otherwise use another name`;
  throw new ProviderError("InvalidParameter", message);
}

function assertTargetGroupsOurs(matched: Matched, ctx: ConvergeContext): void {
  for (const [key, tg] of matched.targetGroups) if (tg && !mayUse(tg, ctx.uid, ctx.naming)) throw notOurs(tg.name, key, tg.tags[OwnerTags.uid]);
}

/**
 * Late-initialised values go back into the spec, where the CRD's schema checks them: a cloud value
 * the schema would refuse (a newer enum value, say) is not worth a failed write on every poll.
 */
function validLateInit(desired: LoadBalancerParameters, late: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  return late && LoadBalancerParameters.safeParse({ ...desired, ...late }).success ? late : undefined;
}

function describeImmutable(diff: readonly FieldDiff[]): string {
  const fields = diff.map((d) => `${d.path} (spec ${JSON.stringify(d.desired)}, cloud ${JSON.stringify(d.observed)})`).join(", ");
  const lbLevel = diff.some((d) => d.path === "type" || d.path === "scheme");
  const advice = lbLevel
    ? "create a new LoadBalancer with the new settings (and delete this one) instead"
    : "give the target group a new name (and point the listeners at it) to replace it";
  return `cannot change ${fields} in place: ${advice}`;
}

function connectionDetails(lb: ObservedLoadBalancer): ConnectionDetails {
  const details: Record<string, string> = { arn: lb.arn };
  if (lb.dnsName) details.endpoint = lb.dnsName;
  if (lb.canonicalHostedZoneId) details.hostedZoneId = lb.canonicalHostedZoneId;
  return details;
}

/** Target groups this resource deletes with itself: its own, and those the user named. */
const deletable = (ctx: ConvergeContext) => (tg: ObservedTargetGroup): boolean => mayUse(tg, ctx.uid, ctx.naming);

export class LoadBalancerClient implements ExternalClient<LoadBalancerParameters, LoadBalancerObservation> {
  readonly #api: ElbApi;
  /** The account and region's shared listing (batch observe); without it every observe reads its set by itself. */
  readonly #listing: Listing<ElbListed> | undefined;
  /** What observe read in this reconcile: the set, or (while deleting) the target groups left behind. */
  #seen: { cloud: CloudState } | { leftovers: ObservedTargetGroup[] } | undefined;

  constructor(api: ElbApi, listing?: Listing<ElbListed>) {
    this.#api = api;
    this.#listing = listing;
  }

  async observe(mr: Lb, opts?: CallOptions): Promise<Observation<LoadBalancerObservation>> {
    const ctx = contextOf(this.#api, mr);
    const cloud = await this.#read(ctx, candidateNames(mr, ctx), opts);
    if (!cloud) return this.#missing(mr, ctx);
    assertAdoptable(mr, cloud.lb);
    const matched = matchTargetGroups(ctx.desired, cloud, ctx.uid, ctx.naming);
    assertTargetGroupsOurs(matched, ctx);
    this.#seen = { cloud };
    const diff = diffAll(ctx.desired, cloud, matched);
    const late = validLateInit(ctx.desired, lateInit(ctx.desired, cloud, matched));
    return {
      exists: true,
      diff,
      atProvider: atProvider(cloud, matched.keyByArn),
      connectionDetails: connectionDetails(cloud.lb),
      ...(late ? { lateInitialized: late } : {}),
      ...readiness(cloud.lb),
    };
  }

  /**
   * From the shared listing when there is one and the core allows it (a poll), else by itself (a
   * plan, batch off). A load balancer read by a Get (after our own change, or missing from the
   * listing) has the rest of its set read by itself too: the listing may predate the change.
   */
  async #read(ctx: ConvergeContext, names: readonly string[], opts: CallOptions | undefined): Promise<CloudState | undefined> {
    const listing = this.#listing;
    if (!listing || opts?.maxAgeMs === undefined) return readCloud(this.#api, ctx.lbName, names);
    const read = { signal: opts.signal, maxAgeMs: opts.maxAgeMs, onChanged: opts.onChanged };
    const { item, via } = await listing.read(lbKey(ctx.lbName), read);
    if (!item || !("lb" in item) || !item.lb.LoadBalancerArn) return undefined;
    if (via !== "listing") return readAround(this.#api, item.lb, names);
    return readAround(listedReadApi(this.#api, listing, item, read), item.lb, names);
  }

  /** Whatever the outcome, the listing no longer speaks for this load balancer's set until it is fetched again. */
  async #mutating<T>(ctx: ConvergeContext, names: readonly string[], mutate: () => Promise<T>): Promise<T> {
    try {
      return await mutate();
    } finally {
      this.#listing?.mutated(lbKey(ctx.lbName));
      for (const name of names) this.#listing?.mutated(tgNameKey(name));
    }
  }

  /** No load balancer. While deleting, target groups it leaves behind still have to go (they outlive it). */
  async #missing(mr: Lb, ctx: ConvergeContext): Promise<Observation<LoadBalancerObservation>> {
    if (!mr.metadata.deletionTimestamp) return { exists: false };
    const leftovers = (await readTargetGroups(this.#api, candidateNames(mr, ctx))).filter(deletable(ctx));
    this.#seen = { leftovers };
    if (leftovers.length === 0) return { exists: false };
    const names = leftovers.map((tg) => tg.name).sort().join(", ");
    return { exists: true, diff: [], ready: "Deleting", message: `the load balancer is gone; deleting its target groups: ${names}` };
  }

  async create(mr: Lb): Promise<CreateResult> {
    const ctx = contextOf(this.#api, mr);
    return this.#mutating(ctx, candidateNames(mr, ctx), () => this.#create(mr, ctx));
  }

  async #create(mr: Lb, ctx: ConvergeContext): Promise<CreateResult> {
    const lb = await this.#ensureLoadBalancer(mr, ctx);
    const cloud = await readAround(this.#api, lb, candidateNames(mr, ctx));
    const matched = matchTargetGroups(ctx.desired, cloud, ctx.uid, ctx.naming);
    assertTargetGroupsOurs(matched, ctx);
    await converge(ctx, cloud, matched);
    return { externalName: ctx.lbName, connectionDetails: connectionDetails(cloud.lb) };
  }

  /** Finds the load balancer before creating it: ELB names are unique per region, so a create retried after a timeout finds its own. */
  async #ensureLoadBalancer(mr: Lb, ctx: ConvergeContext): Promise<LoadBalancer> {
    const existing = await this.#api.describeLoadBalancer(ctx.lbName);
    if (existing) return this.#adopt(mr, existing);
    try {
      return await this.#api.createLoadBalancer(createLoadBalancerInput(ctx));
    } catch (err) {
      if (errorClassOf(err) !== "AlreadyExists") throw err;
      const raced = await this.#api.describeLoadBalancer(ctx.lbName);
      if (!raced) throw err;
      return this.#adopt(mr, raced);
    }
  }

  async #adopt(mr: Managed, lb: LoadBalancer): Promise<LoadBalancer> {
    const arn = lb.LoadBalancerArn ?? "";
    const tags = (await this.#api.describeTags([arn])).get(arn) ?? {};
    assertAdoptable(mr, observeLoadBalancer(lb, tags));
    return lb;
  }

  async update(mr: Lb, diff: readonly FieldDiff[]): Promise<UpdateResult> {
    const ctx = contextOf(this.#api, mr);
    return this.#mutating(ctx, candidateNames(mr, ctx), () => this.#update(mr, ctx, diff));
  }

  async #update(mr: Lb, ctx: ConvergeContext, diff: readonly FieldDiff[]): Promise<UpdateResult> {
    const immutable = immutableDiffs(diff);
    if (immutable.length > 0) throw new ProviderError("InvalidParameter", describeImmutable(immutable));
    const cloud = this.#seen && "cloud" in this.#seen ? this.#seen.cloud : await readCloud(this.#api, ctx.lbName, candidateNames(mr, ctx));
    if (!cloud) throw new ProviderError("NotFound", `load balancer "${ctx.lbName}" disappeared before it could be updated`);
    const matched = matchTargetGroups(ctx.desired, cloud, ctx.uid, ctx.naming);
    assertTargetGroupsOurs(matched, ctx);
    await converge(ctx, cloud, matched);
    return {};
  }

  /** Listeners, then the load balancer, then this resource's target groups (the cloud refuses while a listener still uses one). */
  async delete(mr: Lb): Promise<DeleteResult> {
    const ctx = contextOf(this.#api, mr);
    return this.#mutating(ctx, candidateNames(mr, ctx), () => this.#delete(mr, ctx));
  }

  async #delete(mr: Lb, ctx: ConvergeContext): Promise<DeleteResult> {
    if (!this.#seen) await this.observe(mr);
    const seen = this.#seen;
    if (!seen) return {};
    let groups: readonly ObservedTargetGroup[];
    if ("cloud" in seen) {
      for (const listener of seen.cloud.listeners) await this.#api.deleteListener(listener.arn);
      await this.#api.deleteLoadBalancer(seen.cloud.lb.arn);
      groups = seen.cloud.targetGroups.filter(deletable(ctx));
    } else {
      groups = seen.leftovers;
    }
    // Still attached (the cloud lets go of them a little after the load balancer is gone): the next reconcile retries.
    await deleteTargetGroups(ctx, groups, true);
    return {};
  }
}
