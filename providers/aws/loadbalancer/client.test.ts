import assert from "node:assert/strict";
import { describe, expect, it } from "vitest";
import type {
  CreateListenerInput,
  CreateLoadBalancerInput,
  CreateTargetGroupInput,
  IpAddressType,
  Listener,
  LoadBalancer,
  ModifyListenerInput,
  ModifyTargetGroupInput,
  TargetDescription,
  TargetGroup,
  TargetHealthDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { ProviderError, errorClassOf } from "../../../core/errors.ts";
import { Listing } from "../../../core/listing.ts";
import { Annotations } from "../../../core/managed.ts";
import type { ExistingObservation, Managed, Observation } from "../../../core/provider.ts";
import { tagsToMap } from "../tags.ts";
import type { ElbApi, ElbPage } from "./api.ts";
import { LoadBalancerClient } from "./client.ts";
import { elbListingSource } from "./listing.ts";
import type { ElbListed } from "./listing.ts";
import { targetGroupName } from "./names.ts";
import { LoadBalancerParameters } from "./schema.ts";
import type { LoadBalancerObservation } from "./schema.ts";

// The external client against an in-memory ELBv2: call order (dependencies on create, update and
// delete), idempotency (a retried create finds its own), ownership checks, and silence when up to date.

class FakeElb implements ElbApi {
  readonly calls: string[] = [];
  readonly lbs = new Map<string, LoadBalancer>();
  readonly tags = new Map<string, Record<string, string>>();
  readonly listeners = new Map<string, Listener>();
  readonly tgs = new Map<string, TargetGroup>();
  readonly targets = new Map<string, TargetDescription[]>();
  #n = 0;

  #id(kind: string): string {
    return `arn:${kind}/${++this.#n}`;
  }

  async describeLoadBalancer(name: string): Promise<LoadBalancer | undefined> {
    this.calls.push("DescribeLoadBalancers");
    return this.lbs.get(name);
  }
  /** Page size of the account-wide lists (small, so tests see markers followed). */
  pageSize = 400;
  #page<T>(all: readonly T[], marker: string | undefined): ElbPage<T> {
    const from = Number(marker ?? "0");
    const next = from + this.pageSize < all.length ? String(from + this.pageSize) : undefined;
    return { items: all.slice(from, from + this.pageSize), next };
  }
  async describeLoadBalancersPage(marker: string | undefined): Promise<ElbPage<LoadBalancer>> {
    this.calls.push("DescribeLoadBalancers:page");
    return this.#page([...this.lbs.values()], marker);
  }
  async describeTargetGroupsPage(marker: string | undefined): Promise<ElbPage<TargetGroup>> {
    this.calls.push("DescribeTargetGroups:page");
    return this.#page([...this.tgs.values()], marker);
  }
  async createLoadBalancer(input: CreateLoadBalancerInput): Promise<LoadBalancer> {
    this.calls.push("CreateLoadBalancer");
    const lb: LoadBalancer = {
      LoadBalancerName: input.Name,
      LoadBalancerArn: this.#id("loadbalancer"),
      Type: input.Type,
      Scheme: input.Scheme,
      VpcId: "vpc-1",
      State: { Code: "provisioning" },
      IpAddressType: "ipv4",
      AvailabilityZones: (input.Subnets ?? []).map((SubnetId) => ({ SubnetId })),
      SecurityGroups: input.SecurityGroups ?? [],
    };
    this.lbs.set(input.Name ?? "", lb);
    this.tags.set(lb.LoadBalancerArn ?? "", tagsToMap(input.Tags));
    return lb;
  }
  async deleteLoadBalancer(arn: string): Promise<void> {
    this.calls.push("DeleteLoadBalancer");
    for (const [name, lb] of this.lbs) if (lb.LoadBalancerArn === arn) this.lbs.delete(name);
    // Its listeners go with it.
    for (const [key, l] of this.listeners) if (l.LoadBalancerArn === arn) this.listeners.delete(key);
  }
  async setSubnets(): Promise<void> {
    this.calls.push("SetSubnets");
  }
  async setSecurityGroups(): Promise<void> {
    this.calls.push("SetSecurityGroups");
  }
  async setIpAddressType(_arn: string, _type: IpAddressType): Promise<void> {
    this.calls.push("SetIpAddressType");
  }
  async describeTags(arns: readonly string[]): Promise<Map<string, Record<string, string>>> {
    this.calls.push("DescribeTags");
    return new Map(arns.map((arn) => [arn, { ...this.tags.get(arn) }]));
  }
  async addTags(arn: string, tags: Readonly<Record<string, string>>): Promise<void> {
    this.calls.push("AddTags");
    this.tags.set(arn, { ...this.tags.get(arn), ...tags });
  }
  async removeTags(arn: string, keys: readonly string[]): Promise<void> {
    this.calls.push("RemoveTags");
    this.tags.set(arn, Object.fromEntries(Object.entries(this.tags.get(arn) ?? {}).filter(([k]) => !keys.includes(k))));
  }
  async describeListeners(lbArn: string): Promise<Listener[]> {
    this.calls.push("DescribeListeners");
    return [...this.listeners.values()].filter((l) => l.LoadBalancerArn === lbArn);
  }
  async createListener(input: CreateListenerInput): Promise<Listener> {
    this.calls.push(`CreateListener:${input.Port}`);
    const listener: Listener = { ...input, ListenerArn: this.#id("listener") };
    this.listeners.set(listener.ListenerArn ?? "", listener);
    return listener;
  }
  async modifyListener(input: ModifyListenerInput): Promise<void> {
    this.calls.push("ModifyListener");
    const current = this.listeners.get(input.ListenerArn ?? "");
    if (current) this.listeners.set(input.ListenerArn ?? "", { ...current, ...input });
  }
  async deleteListener(arn: string): Promise<boolean> {
    this.calls.push("DeleteListener");
    return this.listeners.delete(arn);
  }
  async describeTargetGroupsByName(names: readonly string[]): Promise<TargetGroup[]> {
    this.calls.push("DescribeTargetGroups");
    return names.flatMap((n) => {
      const tg = this.tgs.get(n);
      return tg ? [tg] : [];
    });
  }
  async describeTargetGroupsByArn(arns: readonly string[]): Promise<TargetGroup[]> {
    if (arns.length > 0) this.calls.push("DescribeTargetGroups");
    return [...this.tgs.values()].filter((tg) => arns.includes(tg.TargetGroupArn ?? ""));
  }
  async createTargetGroup(input: CreateTargetGroupInput): Promise<TargetGroup> {
    this.calls.push(`CreateTargetGroup:${input.Name}`);
    const tg: TargetGroup = {
      TargetGroupName: input.Name,
      TargetGroupArn: this.#id("targetgroup"),
      Protocol: input.Protocol,
      Port: input.Port,
      VpcId: input.VpcId,
      TargetType: input.TargetType,
      HealthCheckProtocol: input.HealthCheckProtocol ?? input.Protocol,
      HealthCheckPath: input.HealthCheckPath ?? "/",
      HealthCheckPort: "traffic-port",
      HealthCheckIntervalSeconds: input.HealthCheckIntervalSeconds ?? 30,
    };
    this.tgs.set(input.Name ?? "", tg);
    this.tags.set(tg.TargetGroupArn ?? "", tagsToMap(input.Tags));
    return tg;
  }
  async modifyTargetGroup(input: ModifyTargetGroupInput): Promise<void> {
    this.calls.push("ModifyTargetGroup");
    for (const [name, tg] of this.tgs) if (tg.TargetGroupArn === input.TargetGroupArn) this.tgs.set(name, { ...tg, ...input });
  }
  async deleteTargetGroup(arn: string): Promise<boolean> {
    this.calls.push("DeleteTargetGroup");
    const inUse = [...this.listeners.values()].some((l) => l.DefaultActions?.some((a) => a.TargetGroupArn === arn));
    if (inUse) throw new ProviderError("Conflict", "in use", { code: "ResourceInUseException" });
    for (const [name, tg] of this.tgs) if (tg.TargetGroupArn === arn) this.tgs.delete(name);
    return true;
  }
  async describeTargetHealth(arn: string): Promise<TargetHealthDescription[]> {
    this.calls.push("DescribeTargetHealth");
    return (this.targets.get(arn) ?? []).map((Target) => ({ Target, TargetHealth: { State: "healthy" } }));
  }
  async registerTargets(arn: string, targets: readonly TargetDescription[]): Promise<void> {
    this.calls.push("RegisterTargets");
    this.targets.set(arn, [...(this.targets.get(arn) ?? []), ...targets]);
  }
  async deregisterTargets(arn: string, targets: readonly TargetDescription[]): Promise<void> {
    this.calls.push("DeregisterTargets");
    const gone = new Set(targets.map((t) => t.Id));
    this.targets.set(arn, (this.targets.get(arn) ?? []).filter((t) => !gone.has(t.Id)));
  }

  /** The calls that change something, in order. */
  writes(): string[] {
    return this.calls.filter((c) => !c.startsWith("Describe"));
  }
}

type Lb = Managed<LoadBalancerParameters, LoadBalancerObservation>;

/** The observation of a load balancer that exists (fails the test otherwise). */
function existing<A>(obs: Observation<A>): ExistingObservation<A> {
  assert(obs.exists, "expected the load balancer to exist");
  return obs;
}

/** A LoadBalancer as the core hands it over: forProvider already parsed by the kind's schema. */
function managed(forProvider: Record<string, unknown>, extra: { annotations?: Record<string, string>; status?: Lb["status"]; deleting?: boolean } = {}): Lb {
  return {
    apiVersion: "aws.terraplane.dev/v1alpha1",
    kind: "LoadBalancer",
    metadata: {
      name: "web",
      namespace: "team",
      uid: "uid-1",
      annotations: extra.annotations ?? {},
      ...(extra.deleting ? { deletionTimestamp: new Date() } : {}),
    },
    spec: { forProvider: LoadBalancerParameters.parse(forProvider), managementPolicies: ["*"], providerConfigRef: { kind: "ProviderConfig", name: "aws" } },
    ...(extra.status ? { status: extra.status } : {}),
  };
}

const spec = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  region: "us-east-1",
  subnets: ["subnet-a", "subnet-b"],
  securityGroups: [],
  ipAddressType: "ipv4",
  tags: { team: "web" },
  targetGroups: [{ name: "app", protocol: "HTTP", port: 80, vpcId: "vpc-1", targetType: "ip", healthCheck: { path: "/", intervalSeconds: 30 }, targets: [{ id: "10.0.0.1" }] }],
  listeners: [{ port: 80, protocol: "HTTP", defaultAction: { forward: { targetGroupName: "app" } } }],
  ...over,
});

async function created(fake: FakeElb, forProvider = spec()): Promise<Lb> {
  const mr = managed(forProvider);
  await new LoadBalancerClient(fake).create(mr);
  fake.calls.length = 0;
  return mr;
}

describe("LoadBalancerClient", () => {
  it("creates in dependency order: load balancer, target groups, listeners, registrations", async () => {
    const fake = new FakeElb();
    const result = await new LoadBalancerClient(fake).create(managed(spec()));
    expect(result.externalName).toBe("web");
    expect(fake.writes()).toEqual(["CreateLoadBalancer", `CreateTargetGroup:${targetGroupName("web", "app")}`, "CreateListener:80", "RegisterTargets"]);
    const lbTags = fake.tags.get(fake.lbs.get("web")?.LoadBalancerArn ?? "");
    expect(lbTags).toMatchObject({ team: "web", "terraplane.dev/uid": "uid-1", "terraplane.dev/resource": "LoadBalancer/team/web" });
  });

  it("observes an up-to-date set, and makes no write for it", async () => {
    const fake = new FakeElb();
    const mr = await created(fake);
    const client = new LoadBalancerClient(fake);
    const obs = await client.observe(mr);
    expect(obs).toMatchObject({ exists: true, diff: [], ready: "Creating" });
    expect(fake.writes()).toEqual([]);
  });

  it("finds its own load balancer on a retried create instead of creating another", async () => {
    const fake = new FakeElb();
    const mr = await created(fake);
    await new LoadBalancerClient(fake).create(mr);
    expect(fake.writes()).toEqual([]);
    expect(fake.lbs.size).toBe(1);
  });

  it("refuses to adopt someone else's load balancer unless the external-name annotation asks for it", async () => {
    const fake = new FakeElb();
    await fake.createLoadBalancer({ Name: "web", Subnets: ["subnet-a"], Tags: [{ Key: "owner", Value: "ops" }] });
    const err = await new LoadBalancerClient(fake).observe(managed(spec())).catch((e: unknown) => e);
    expect(errorClassOf(err)).toBe("InvalidParameter");
    expect(String(err)).toContain('set the terraplane.dev/external-name annotation to "web"');
    const adopted = await new LoadBalancerClient(fake).observe(managed(spec(), { annotations: { [Annotations.externalName]: "web" } }));
    expect(adopted.exists).toBe(true);
  });

  describe("target groups named by terraplane.dev/external-names", () => {
    /** A set as Terraform made it: untagged load balancer and target group under Terraform's names, a listener forwarding to it. */
    async function terraformMade(fake: FakeElb): Promise<void> {
      const lb = await fake.createLoadBalancer({ Name: "web", Type: "application", Scheme: "internet-facing", Subnets: ["subnet-a", "subnet-b"], Tags: [{ Key: "team", Value: "web" }] });
      const tg = await fake.createTargetGroup({ Name: "tf-app-20240101", Protocol: "HTTP", Port: 80, VpcId: "vpc-1", TargetType: "ip", HealthCheckPath: "/", HealthCheckIntervalSeconds: 30 });
      await fake.registerTargets(tg.TargetGroupArn ?? "", [{ Id: "10.0.0.1", Port: 80 }]);
      await fake.createListener({ LoadBalancerArn: lb.LoadBalancerArn, Port: 80, Protocol: "HTTP", DefaultActions: [{ Type: "forward", TargetGroupArn: tg.TargetGroupArn }] });
      fake.calls.length = 0;
    }
    const adopting = (names: Record<string, string>, extra: Parameters<typeof managed>[1] = {}): Lb =>
      managed(spec(), { ...extra, annotations: { [Annotations.externalName]: "web", [Annotations.externalNames]: JSON.stringify(names) } });

    it("adopts exactly the target group the annotation names: zero diff, no write, found under that name", async () => {
      const fake = new FakeElb();
      await terraformMade(fake);
      const obs = existing(await new LoadBalancerClient(fake).observe(adopting({ "targetGroups[app]": "tf-app-20240101" })));
      expect(obs.diff).toEqual([]);
      expect(obs.atProvider?.targetGroups).toMatchObject([{ name: "app", targetGroupName: "tf-app-20240101" }]);
      expect(fake.writes()).toEqual([]);
    });

    it("refuses the same untagged target group when nobody named it, saying how to adopt exactly it", async () => {
      const fake = new FakeElb();
      await terraformMade(fake);
      await fake.createTargetGroup({ Name: targetGroupName("web", "app"), Protocol: "HTTP", Port: 80, VpcId: "vpc-1", TargetType: "ip" });
      const err = await new LoadBalancerClient(fake).observe(managed(spec(), { annotations: { [Annotations.externalName]: "web" } })).catch((e: unknown) => e);
      expect(errorClassOf(err)).toBe("InvalidParameter");
      expect(String(err)).toContain(`target group "${targetGroupName("web", "app")}" (targetGroups[app]) already exists and was not created by this LoadBalancer`);
      expect(String(err)).toContain(`{"targetGroups[app]": "${targetGroupName("web", "app")}"}`);
    });

    it("refuses a named target group that another Terraplane resource owns", async () => {
      const fake = new FakeElb();
      await terraformMade(fake);
      const arn = fake.tgs.get("tf-app-20240101")?.TargetGroupArn ?? "";
      fake.tags.set(arn, { "terraplane.dev/uid": "uid-other" });
      const err = await new LoadBalancerClient(fake).observe(adopting({ "targetGroups[app]": "tf-app-20240101" })).catch((e: unknown) => e);
      expect(String(err)).toContain("is managed by another Terraplane resource (its terraplane.dev/uid tag is uid-other)");
    });

    it.each([
      ["not JSON", "{app", "not JSON"],
      ["an array", "[]", "expected a JSON object"],
      ["an unknown part", '{"listeners[80]": "x"}', '"listeners[80]" is not a part of this LoadBalancer; its parts are targetGroups[app]'],
      ["a name AWS refuses", '{"targetGroups[app]": "no_underscores"}', '"no_underscores" (for targetGroups[app]) cannot be its name'],
    ])("refuses an annotation that is %s, terminally", async (_what, raw, message) => {
      const fake = new FakeElb();
      await terraformMade(fake);
      const mr = managed(spec(), { annotations: { [Annotations.externalName]: "web", [Annotations.externalNames]: raw } });
      const err = await new LoadBalancerClient(fake).observe(mr).catch((e: unknown) => e);
      expect(errorClassOf(err)).toBe("InvalidParameter");
      expect(String(err)).toContain(message);
    });

    it("changes a named target group in place, and deletes it with the load balancer", async () => {
      const fake = new FakeElb();
      await terraformMade(fake);
      const edited = managed(spec({ targetGroups: [{ name: "app", protocol: "HTTP", port: 80, vpcId: "vpc-1", targetType: "ip", healthCheck: { path: "/healthz", intervalSeconds: 30 }, targets: [{ id: "10.0.0.1" }] }] }), {
        annotations: { [Annotations.externalName]: "web", [Annotations.externalNames]: JSON.stringify({ "targetGroups[app]": "tf-app-20240101" }) },
      });
      const client = new LoadBalancerClient(fake);
      const obs = existing(await client.observe(edited));
      expect(obs.diff.map((d) => d.path)).toEqual(["targetGroups[app].healthCheck.path"]);
      await client.update(edited, obs.diff);
      expect(fake.writes()).toEqual(["ModifyTargetGroup"]);
      expect(fake.tgs.get("tf-app-20240101")?.HealthCheckPath).toBe("/healthz");
      const deleting = adopting({ "targetGroups[app]": "tf-app-20240101" }, { deleting: true });
      const deleter = new LoadBalancerClient(fake);
      await deleter.observe(deleting);
      fake.calls.length = 0;
      await deleter.delete(deleting);
      expect(fake.writes()).toEqual(["DeleteListener", "DeleteLoadBalancer", "DeleteTargetGroup"]);
      expect(fake.tgs.size).toBe(0);
    });
  });

  it("replaces a renamed target group: creates the new one, repoints the listener, then deletes the old", async () => {
    const fake = new FakeElb();
    const mr = await created(fake);
    const client = new LoadBalancerClient(fake);
    const first = existing(await client.observe(mr));
    const renamed = managed(
      spec({
        targetGroups: [{ name: "app-v2", protocol: "HTTP", port: 8080, vpcId: "vpc-1", targetType: "ip", targets: [{ id: "10.0.0.1" }] }],
        listeners: [{ port: 80, protocol: "HTTP", defaultAction: { forward: { targetGroupName: "app-v2" } } }],
      }),
      { status: { atProvider: first.atProvider } },
    );
    const obs = existing(await client.observe(renamed));
    expect(obs.diff.map((d) => d.path)).toEqual(["targetGroups[app-v2]", "targetGroups[app]", "listeners[80].defaultAction"]);
    fake.calls.length = 0;
    await client.update(renamed, obs.diff);
    expect(fake.writes()).toEqual([`CreateTargetGroup:${targetGroupName("web", "app-v2")}`, "ModifyListener", "RegisterTargets", "DeleteTargetGroup"]);
    expect([...fake.tgs.keys()]).toEqual([targetGroupName("web", "app-v2")]);
  });

  it("refuses an update that only a replacement could make, saying what to do", async () => {
    const fake = new FakeElb();
    const mr = await created(fake);
    const client = new LoadBalancerClient(fake);
    const err = await client.update(mr, [{ path: "scheme", desired: "internal", observed: "internet-facing" }]).catch((e: unknown) => e);
    expect(errorClassOf(err)).toBe("InvalidParameter");
    expect(String(err)).toContain('cannot change scheme (spec "internal", cloud "internet-facing") in place: create a new LoadBalancer');
    expect(fake.writes()).toEqual([]);
  });

  it("deletes listeners, then the load balancer, then its target groups; target groups still in use wait for the next reconcile", async () => {
    const fake = new FakeElb();
    const mr = await created(fake);
    const deleting = managed(spec(), { deleting: true, status: { atProvider: existing(await new LoadBalancerClient(fake).observe(mr)).atProvider } });
    const client = new LoadBalancerClient(fake);
    await client.observe(deleting);
    fake.calls.length = 0;
    await client.delete(deleting);
    expect(fake.writes()).toEqual(["DeleteListener", "DeleteLoadBalancer", "DeleteTargetGroup"]);
    expect(fake.tgs.size).toBe(0);
    expect(await new LoadBalancerClient(fake).observe(deleting)).toMatchObject({ exists: false });
  });

  it("while deleting, keeps reporting a target group left behind until it is gone", async () => {
    const fake = new FakeElb();
    const mr = await created(fake);
    const atProvider = existing(await new LoadBalancerClient(fake).observe(mr)).atProvider;
    await fake.deleteLoadBalancer(fake.lbs.get("web")?.LoadBalancerArn ?? "");
    const deleting = managed(spec(), { deleting: true, status: { atProvider } });
    const client = new LoadBalancerClient(fake);
    expect(await client.observe(deleting)).toMatchObject({ exists: true, ready: "Deleting", message: `the load balancer is gone; deleting its target groups: ${targetGroupName("web", "app")}` });
    await client.delete(deleting);
    expect(fake.tgs.size).toBe(0);
  });
});

describe("observe from a shared listing (batch observe)", () => {
  const poll = { signal: new AbortController().signal, maxAgeMs: 60_000 };
  const listingOver = (fake: FakeElb, now?: () => number): Listing<ElbListed> => new Listing(elbListingSource(() => fake), now ? { now } : {});
  const reads = (fake: FakeElb): string[] => fake.calls.filter((c) => c.startsWith("Describe"));

  it("gives the same observation as a read by itself, reading only listeners and target health per load balancer", async () => {
    const fake = new FakeElb();
    const mr = await created(fake);
    const single = await new LoadBalancerClient(fake).observe(mr);
    fake.calls.length = 0;
    const batched = await new LoadBalancerClient(fake, listingOver(fake)).observe(mr, poll);
    expect(batched).toEqual(single);
    expect(reads(fake)).toEqual(["DescribeLoadBalancers:page", "DescribeTags", "DescribeTargetGroups:page", "DescribeTags", "DescribeListeners", "DescribeTargetHealth"]);
  });

  it("pages both lists by their markers, once for every load balancer of the account and region", async () => {
    const fake = new FakeElb();
    fake.pageSize = 1;
    const mrs = [await created(fake)];
    for (const name of ["api", "admin"]) {
      const mr = managed(spec());
      mr.metadata.name = name;
      mr.metadata.uid = `uid-${name}`;
      await new LoadBalancerClient(fake).create(mr);
      mrs.push(mr);
    }
    const singles = await Promise.all(mrs.map((mr) => new LoadBalancerClient(fake).observe(mr)));
    fake.calls.length = 0;
    const listing = listingOver(fake);
    const batched = await Promise.all(mrs.map((mr) => new LoadBalancerClient(fake, listing).observe(mr, poll)));
    expect(batched).toEqual(singles);
    expect(listing.fetches).toBe(1);
    const count = (op: string): number => fake.calls.filter((c) => c === op).length;
    expect([count("DescribeLoadBalancers:page"), count("DescribeTargetGroups:page"), count("DescribeTags")]).toEqual([3, 3, 6]);
    expect([count("DescribeLoadBalancers"), count("DescribeTargetGroups"), count("DescribeListeners"), count("DescribeTargetHealth")]).toEqual([0, 0, 3, 3]);
  });

  it("reads by itself after its own change, confirms a load balancer missing from the listing, and reads by itself for a plan", async () => {
    let now = 0;
    const fake = new FakeElb();
    const mr = await created(fake);
    const listing = listingOver(fake, () => now);
    const client = new LoadBalancerClient(fake, listing);
    await client.observe(mr, poll);
    // Our own update: the listing from before it cannot speak for the set.
    now = 10;
    await client.update(mr, []);
    fake.calls.length = 0;
    await new LoadBalancerClient(fake, listing).observe(mr, poll);
    expect(reads(fake)).toEqual(["DescribeLoadBalancers", "DescribeTags", "DescribeListeners", "DescribeTargetGroups", "DescribeTags", "DescribeTargetHealth"]);
    // Deleted out of band after a listing that still holds it: the next listing lacks it, a Get confirms.
    now = 100_000;
    fake.calls.length = 0;
    await fake.deleteLoadBalancer(fake.lbs.get("web")?.LoadBalancerArn ?? "");
    expect(await new LoadBalancerClient(fake, listing).observe(mr, poll)).toEqual({ exists: false });
    expect(reads(fake)).toEqual(["DescribeLoadBalancers:page", "DescribeTargetGroups:page", "DescribeTags", "DescribeLoadBalancers"]);
    fake.calls.length = 0;
    await new LoadBalancerClient(fake, listing).observe(mr);
    expect(reads(fake)).toEqual(["DescribeLoadBalancers"]);
  });

  it("sees a change made out of band in the next listing, as the same diff", async () => {
    let now = 0;
    const fake = new FakeElb();
    const mr = await created(fake);
    const listing = listingOver(fake, () => now);
    existing(await new LoadBalancerClient(fake, listing).observe(mr, poll));
    const lbArn = fake.lbs.get("web")?.LoadBalancerArn ?? "";
    await fake.addTags(lbArn, { team: "someone-else" });
    const tg = fake.tgs.get(targetGroupName("web", "app"));
    if (tg) fake.tgs.set(targetGroupName("web", "app"), { ...tg, HealthCheckPath: "/other" });
    now = 120_000;
    const batched = existing(await new LoadBalancerClient(fake, listing).observe(mr, poll));
    const single = existing(await new LoadBalancerClient(fake).observe(mr));
    expect(batched.diff).toEqual(single.diff);
    expect(batched.diff.map((d) => d.path).sort()).toEqual(["tags", "targetGroups[app].healthCheck.path"]);
  });
});
