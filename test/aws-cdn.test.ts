import {
  CloudFrontClient,
  CreateDistributionWithTagsCommand,
  DeleteDistributionCommand,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  ListDistributionsCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UpdateDistributionCommand,
} from "@aws-sdk/client-cloudfront";
import type { DistributionConfig } from "@aws-sdk/client-cloudfront";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Annotations, FINALIZER } from "../core/managed.ts";
import { MESSAGES } from "../providers/aws/cdn/client.ts";
import { cdn } from "../providers/aws/cdn/index.ts";
import { OwnerTags, tagsToMap } from "../providers/aws/tags.ts";
import type { FaultConfigInput, FaultProxy } from "../sandbox/faultproxy/index.ts";
import { awsClientConfig } from "./harness/aws.ts";
import { awsEnvironment, installAwsCrds } from "./harness/aws-provider.ts";
import type { AwsEnvironment } from "./harness/aws-provider.ts";
import { applyExample, resourceOf } from "./harness/environment.ts";
import { kubectl, kubectlOk } from "./harness/kube.ts";
import { condition, eventsFor, toldLateInitialization } from "./harness/managed.ts";
import { uniqueName } from "./harness/names.ts";

// The CDN kind (a CloudFront distribution) end to end: kubectl → kube-apiserver → the real core →
// the AWS provider → the official CloudFront SDK → a fault proxy → moto. CloudFront is global (moto
// keeps one distribution list for every region), so tests isolate by namespace, ProviderConfig and
// their own fault proxy, and only ever look at the distributions they made.

const REGION = "us-east-1";
const WAIT = { timeout: 60_000, interval: 250 };
const RESOURCE = resourceOf(cdn);
const MUTATING = ["CreateDistribution", "CreateDistributionWithTags", "UpdateDistribution", "DeleteDistribution", "TagResource", "UntagResource"];
const direct = new CloudFrontClient(awsClientConfig({ region: REGION, direct: true }));

type Env = AwsEnvironment<FaultProxy>;

/** A namespace, a fault proxy of its own in front of moto, a ProviderConfig pointing at it, and a manager watching the namespace. */
async function startEnv(prefix: string, opts: { faults?: FaultConfigInput; pollIntervalMs?: number } = {}): Promise<Env> {
  const env = await awsEnvironment(cdn, { nsPrefix: prefix, region: REGION, proxySeed: 7, faults: opts.faults, pollIntervalMs: opts.pollIntervalMs ?? 2_000, deleteTimeout: "60s" });
  return {
    ...env,
    async close() {
      env.proxy.setFaults({ rules: [] });
      await env.close();
    },
  };
}

const origin = (id = "web", domainName = "origin.example.com"): Record<string, unknown> => ({ id, domainName, custom: { originProtocolPolicy: "https-only" } });
const basic = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  origins: [origin()],
  defaultCacheBehavior: { targetOriginId: "web", viewerProtocolPolicy: "redirect-to-https" },
  comment: "terraplane test",
  tags: { team: "edge" },
  ...extra,
});

async function waitReady(env: Env, name: string, timeout = "60s"): Promise<void> {
  await kubectlOk(["wait", `${RESOURCE}/${name}`, "-n", env.ns, "--for=condition=Ready", `--timeout=${timeout}`]);
}

/** Ready, Synced, late-initialisation written back and observed: nothing left in flight. */
async function waitSettled(env: Env, name: string, timeout = 60_000): Promise<void> {
  await expect
    .poll(async () => {
      const mr = await env.view(name);
      return condition(mr, "Ready")?.status === "True" && condition(mr, "Synced")?.status === "True" && mr?.status?.observedGeneration === mr?.metadata.generation;
    }, { timeout, interval: 250 })
    .toBe(true);
}

async function idOf(env: Env, name: string): Promise<string> {
  const id = (await env.view(name))?.metadata.annotations?.[Annotations.externalName];
  expect(id).toBeTruthy();
  return id ?? "";
}

async function cloudConfig(id: string): Promise<{ config: DistributionConfig; etag: string }> {
  const out = await direct.send(new GetDistributionConfigCommand({ Id: id }));
  return { config: out.DistributionConfig ?? { CallerReference: "", Origins: undefined, DefaultCacheBehavior: undefined, Comment: "", Enabled: false }, etag: out.ETag ?? "" };
}

async function cloudTags(id: string): Promise<Record<string, string>> {
  const d = await direct.send(new GetDistributionCommand({ Id: id }));
  return tagsToMap((await direct.send(new ListTagsForResourceCommand({ Resource: d.Distribution?.ARN ?? "" }))).Tags?.Items);
}

async function cloudExists(id: string): Promise<boolean> {
  try {
    await direct.send(new GetDistributionCommand({ Id: id }));
    return true;
  } catch (err) {
    if (err instanceof Error && err.name === "NoSuchDistribution") return false;
    throw err;
  }
}

/** Changes the distribution "behind Terraplane's back", as another tool or a person would. */
async function changeInCloud(id: string, change: (c: DistributionConfig) => DistributionConfig): Promise<void> {
  const { config, etag } = await cloudConfig(id);
  await direct.send(new UpdateDistributionCommand({ Id: id, IfMatch: etag, DistributionConfig: change(config) }));
}

/** A distribution made outside Terraplane with the SDK. */
async function createInCloud(callerReference: string, tags: Record<string, string> = {}): Promise<string> {
  const out = await direct.send(
    new CreateDistributionWithTagsCommand({
      DistributionConfigWithTags: {
        Tags: { Items: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
        DistributionConfig: {
          CallerReference: callerReference,
          Comment: "made by hand",
          Enabled: true,
          PriceClass: "PriceClass_100",
          Origins: { Quantity: 1, Items: [{ Id: "web", DomainName: "legacy.example.com", CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: "https-only" } }] },
          DefaultCacheBehavior: { TargetOriginId: "web", ViewerProtocolPolicy: "allow-all", ForwardedValues: { QueryString: false, Cookies: { Forward: "none" } }, MinTTL: 0 },
        },
      },
    }),
  );
  return out.Distribution?.Id ?? "";
}

async function deleteInCloud(id: string): Promise<void> {
  const { etag } = await cloudConfig(id).catch(() => ({ etag: "" }));
  await direct.send(new DeleteDistributionCommand({ Id: id, IfMatch: etag || "*" })).catch(() => undefined);
}

/** Requests the proxy received for each CloudFront operation (faulted ones included). */
function requests(proxy: FaultProxy, operation: string): number {
  return proxy.stats().services.cloudfront?.operations[operation]?.requests ?? 0;
}

function mutatingCalls(proxy: FaultProxy): Record<string, number> {
  const out: Record<string, number> = {};
  for (const op of MUTATING) if (requests(proxy, op) !== 0) out[op] = requests(proxy, op);
  return out;
}

/** Every distribution in moto carrying this uid as its ownership tag. */
async function ownedDistributions(uid: string): Promise<string[]> {
  const list = await direct.send(new ListDistributionsCommand({}));
  const ids: string[] = [];
  for (const d of list.DistributionList?.Items ?? []) {
    const tags = tagsToMap((await direct.send(new ListTagsForResourceCommand({ Resource: d.ARN ?? "" }))).Tags?.Items);
    if (tags[OwnerTags.uid] === uid) ids.push(d.Id ?? "");
  }
  return ids;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Reads every 50 ms until `read` yields a value (for short-lived states that expect.poll could miss). */
async function captured<T>(read: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing seen in ${timeoutMs} ms`);
    await sleep(50);
  }
}

describe("CDN (CloudFront distribution) against moto", () => {
  beforeAll(async () => {
    await installAwsCrds([cdn]);
  });

  it("creates a distribution: Ready, atProvider filled, ownership tags, late-initialised defaults, printer columns", async () => {
    const env = await startEnv("cdn-create");
    try {
      await env.apply("site", basic());
      await waitReady(env, "site");
      await waitSettled(env, "site");
      const mr = await env.view("site");
      const id = await idOf(env, "site");
      expect(mr?.metadata.finalizers).toContain(FINALIZER);
      expect(mr?.status?.atProvider).toMatchObject({ id, status: "Deployed", enabled: true, inProgressInvalidationBatches: 0 });
      expect(mr?.status?.atProvider?.arn).toMatch(new RegExp(`^arn:aws:cloudfront::\\d{12}:distribution/${id}$`));
      expect(mr?.status?.atProvider?.domainName).toMatch(/\.cloudfront\.net$/);
      // Unset fields filled from the cloud, never fought.
      expect(mr?.spec.forProvider).toMatchObject({
        region: REGION,
        priceClass: "PriceClass_All",
        enabled: true,
        viewerCertificate: { cloudFrontDefaultCertificate: true },
        defaultCacheBehavior: { allowedMethods: ["GET", "HEAD"], cachedMethods: ["GET", "HEAD"], ttl: { minTtl: 0, defaultTtl: 86400, maxTtl: 31536000 } },
        origins: [{ id: "web", custom: { httpPort: 80, httpsPort: 443, originSslProtocols: ["TLSv1.2"] } }],
      });
      const { config } = await cloudConfig(id);
      expect(config.CallerReference).toBe(`terraplane-${String((await kubectlOk(["get", RESOURCE, "site", "-n", env.ns, "-o", "jsonpath={.metadata.uid}"])).trim())}`);
      expect(config.Comment).toBe("terraplane test");
      const tags = await cloudTags(id);
      expect(tags).toMatchObject({ team: "edge", [OwnerTags.managedBy]: "terraplane", [OwnerTags.resource]: `CDN/${env.ns}/site` });
      expect(tags[OwnerTags.uid]).toBeTruthy();
      const events = await eventsFor(env.ns, "site");
      expect(events.map((e) => e.reason)).toContain("CreatedExternalResource");
      expect(toldLateInitialization(events)).toBe(true);
      const table = await kubectlOk(["get", RESOURCE, "site", "-n", env.ns]);
      expect(table).toMatch(/NAME\s+READY\s+SYNCED\s+EXTERNAL-NAME\s+AGE\s+DOMAIN\s+STATUS/);
      expect(table).toMatch(new RegExp(`site\\s+True\\s+True\\s+${id}\\s+\\S+\\s+\\S+\\.cloudfront\\.net\\s+Deployed`));
      expect(requests(env.proxy, "CreateDistributionWithTags")).toBe(1);
    } finally {
      await env.close();
    }
  });

  it("applies a spec change with UpdateDistribution and TagResource (UpdatedExternalResource, no drift)", async () => {
    const env = await startEnv("cdn-update");
    try {
      await env.apply("site", basic());
      await waitSettled(env, "site");
      const id = await idOf(env, "site");
      await kubectlOk([
        "patch", `${RESOURCE}/site`, "-n", env.ns, "--type=merge", "-p",
        JSON.stringify({ spec: { forProvider: { comment: "changed", priceClass: "PriceClass_100", tags: { team: "cdn", cost: "42" }, defaultCacheBehavior: { compress: false } } } }),
      ]);
      await expect.poll(async () => (await cloudConfig(id)).config.PriceClass, WAIT).toBe("PriceClass_100");
      const { config } = await cloudConfig(id);
      expect(config.Comment).toBe("changed");
      expect(config.DefaultCacheBehavior?.Compress).toBe(false);
      expect(config.Origins?.Items?.[0]?.ConnectionAttempts).toBe(3); // what Terraplane does not manage is sent back as it was
      await expect.poll(() => cloudTags(id), WAIT).toMatchObject({ team: "cdn", cost: "42", [OwnerTags.managedBy]: "terraplane" });
      await expect.poll(async () => (await eventsFor(env.ns, "site")).map((e) => e.reason), WAIT).toContain("UpdatedExternalResource");
      const updated = (await eventsFor(env.ns, "site")).find((e) => e.reason === "UpdatedExternalResource");
      expect(updated?.message).toContain("priceClass");
      expect(updated?.message).toContain("tags");
      await waitSettled(env, "site");
      expect((await eventsFor(env.ns, "site")).map((e) => e.reason)).not.toContain("DriftDetected");
      expect(requests(env.proxy, "UpdateDistribution")).toBeGreaterThanOrEqual(1);
      expect(requests(env.proxy, "GetDistributionConfig")).toBeGreaterThanOrEqual(1); // read-modify-write with a fresh ETag
    } finally {
      await env.close();
    }
  });

  it("detects a change made with the SDK behind Terraplane's back, names the fields, and corrects it", async () => {
    const env = await startEnv("cdn-drift");
    try {
      await env.apply("site", basic({ aliases: [] }));
      await waitSettled(env, "site");
      const id = await idOf(env, "site");
      // Paused while the cloud is changed, so the whole change is seen in one observation.
      await kubectlOk(["annotate", `${RESOURCE}/site`, "-n", env.ns, `${Annotations.paused}=true`]);
      await expect.poll(async () => condition(await env.view("site"), "Synced")?.reason, WAIT).toBe("ReconcilePaused");
      await changeInCloud(id, (c) => ({
        ...c,
        PriceClass: "PriceClass_200",
        DefaultCacheBehavior: { ...c.DefaultCacheBehavior, TargetOriginId: "web", ViewerProtocolPolicy: "allow-all" },
      }));
      const arn = (await direct.send(new GetDistributionCommand({ Id: id }))).Distribution?.ARN ?? "";
      await direct.send(new TagResourceCommand({ Resource: arn, Tags: { Items: [{ Key: "team", Value: "someone-else" }] } }));
      await kubectlOk(["annotate", `${RESOURCE}/site`, "-n", env.ns, `${Annotations.paused}-`]);

      await expect.poll(async () => (await eventsFor(env.ns, "site")).find((e) => e.reason === "DriftDetected")?.message, WAIT).toBeTruthy();
      const drift = (await eventsFor(env.ns, "site")).find((e) => e.reason === "DriftDetected");
      expect(drift?.message).toBe("the cloud resource drifted from spec: defaultCacheBehavior.viewerProtocolPolicy, priceClass, tags");
      // status.drift lives until the next in-sync observation (about a progress interval): catch it.
      const drifted = await captured(async () => {
        const d = (await env.view("site"))?.status?.drift;
        return d?.corrected ? d : undefined;
      });
      expect(drifted.fields).toEqual([
        { path: "defaultCacheBehavior.viewerProtocolPolicy", desired: '"redirect-to-https"', observed: '"allow-all"' },
        { path: "priceClass", desired: '"PriceClass_All"', observed: '"PriceClass_200"' },
        { path: "tags", desired: '{"team":"edge"}', observed: '{"team":"someone-else"}' },
      ]);
      await expect.poll(async () => (await cloudConfig(id)).config.DefaultCacheBehavior?.ViewerProtocolPolicy, WAIT).toBe("redirect-to-https");
      expect((await cloudConfig(id)).config.PriceClass).toBe("PriceClass_All");
      await expect.poll(async () => (await cloudTags(id)).team, WAIT).toBe("edge");
    } finally {
      await env.close();
    }
  });

  it("imports a distribution made outside Terraplane read-only: Ready, atProvider mirrors the cloud, nothing written", async () => {
    const env = await startEnv("cdn-import");
    const id = await createInCloud(uniqueName("legacy"), { owner: "someone" });
    try {
      await env.apply(
        "legacy",
        {
          origins: [{ id: "web", domainName: "legacy.example.com", custom: { originProtocolPolicy: "https-only" } }],
          defaultCacheBehavior: { targetOriginId: "web", viewerProtocolPolicy: "allow-all" },
          priceClass: "PriceClass_100",
        },
        { spec: { managementPolicies: ["Observe"] }, annotations: { [Annotations.externalName]: id } },
      );
      await waitReady(env, "legacy");
      const cloud = (await direct.send(new GetDistributionCommand({ Id: id }))).Distribution;
      await expect.poll(async () => (await env.view("legacy"))?.status?.atProvider, WAIT).toEqual({
        id,
        arn: cloud?.ARN,
        domainName: cloud?.DomainName,
        status: cloud?.Status,
        enabled: true,
        lastModifiedTime: cloud?.LastModifiedTime?.toISOString(),
        inProgressInvalidationBatches: 0,
      });
      const mr = await env.view("legacy");
      expect(condition(mr, "Synced")?.status).toBe("True");
      expect(mr?.metadata.finalizers ?? []).not.toContain(FINALIZER);
      expect(mr?.spec.forProvider).not.toHaveProperty("comment"); // Observe only: no late initialisation either
      await sleep(3_000);
      expect(requests(env.proxy, "GetDistribution")).toBeGreaterThan(1);
      expect(mutatingCalls(env.proxy)).toEqual({});
      expect(await cloudTags(id)).toEqual({ owner: "someone" });

      await kubectlOk(["delete", `${RESOURCE}/legacy`, "-n", env.ns, "--timeout=30s"]);
      expect(await cloudExists(id)).toBe(true);
      expect(mutatingCalls(env.proxy)).toEqual({});
    } finally {
      await env.close();
      await deleteInCloud(id);
    }
  });

  it("deletes: disables, then deletes the distribution, then releases the object", async () => {
    const env = await startEnv("cdn-delete");
    try {
      await env.apply("gone", basic());
      await waitSettled(env, "gone");
      const id = await idOf(env, "gone");
      const updatesBefore = requests(env.proxy, "UpdateDistribution");
      await kubectlOk(["delete", `${RESOURCE}/gone`, "-n", env.ns, "--timeout=60s"]);
      expect(await env.view("gone")).toBeUndefined();
      expect(await cloudExists(id)).toBe(false);
      expect(requests(env.proxy, "UpdateDistribution") - updatesBefore).toBe(1); // the disable
      expect(requests(env.proxy, "DeleteDistribution")).toBe(1);
      const events = (await eventsFor(env.ns, "gone")).map((e) => e.reason);
      expect(events).toContain("DeletingExternalResource");
      expect(events).toContain("DeletedExternalResource");
    } finally {
      await env.close();
    }
  });

  it("orphans with deletionPolicy Orphan: the object goes, the distribution stays", async () => {
    const env = await startEnv("cdn-orphan");
    let id = "";
    try {
      await env.apply("keep", basic(), { spec: { deletionPolicy: "Orphan" } });
      await waitSettled(env, "keep");
      id = await idOf(env, "keep");
      await kubectlOk(["delete", `${RESOURCE}/keep`, "-n", env.ns, "--timeout=30s"]);
      expect(await env.view("keep")).toBeUndefined();
      expect(await cloudExists(id)).toBe(true);
      expect((await cloudConfig(id)).config.Enabled).toBe(true);
      expect(mutatingCalls(env.proxy)).toEqual({ CreateDistributionWithTags: 1 });
      expect((await eventsFor(env.ns, "keep")).map((e) => e.reason)).toContain("OrphanedExternalResource");
    } finally {
      await env.close();
      if (id) await deleteInCloud(id);
    }
  });

  it("reports Creating while deploying, and deletes only once the disabled distribution is Deployed (moto made to take its time)", { timeout: 180_000 }, async () => {
    const env = await startEnv("cdn-deploying");
    const moto = inject("sandbox").motoEndpoint;
    const model = "cloudfront::distribution";
    const post = async (path: string, body: unknown): Promise<void> => {
      const res = await fetch(`${moto}/moto-api/state-manager/${path}`, { method: "POST", body: JSON.stringify(body) });
      expect(res.status).toBe(201);
    };
    // moto reports every distribution Deployed at once; this makes new ones InProgress for 30 s
    // (long enough for a loaded machine to get through the steps below while it lasts).
    await post("set-transition", { model_name: model, transition: { progression: "time", seconds: 30 } });
    try {
      await env.apply("slow", basic());
      await expect.poll(async () => condition(await env.view("slow"), "Ready"), WAIT).toMatchObject({ status: "False", reason: "Creating", message: MESSAGES.deploying });
      expect((await env.view("slow"))?.status?.atProvider?.status).toBe("InProgress");
      await kubectlOk(["delete", `${RESOURCE}/slow`, "-n", env.ns, "--wait=false"]);
      await expect.poll(async () => condition(await env.view("slow"), "Ready"), WAIT).toMatchObject({ reason: "Deleting", message: MESSAGES.disabling });
      const pending = (await env.view("slow"))?.status?.["pendingOperation"];
      expect(pending).toMatchObject({ action: "delete" });
      expect(requests(env.proxy, "UpdateDistribution")).toBe(1); // disabled ...
      expect(requests(env.proxy, "DeleteDistribution")).toBe(0); // ... but not deleted while deploying
      await sleep(1_500);
      expect((await env.view("slow"))?.status?.["pendingOperation"]).toEqual(pending); // stable: no status write per poll
      await expect.poll(() => env.view("slow"), { timeout: 60_000, interval: 250 }).toBeUndefined();
      expect(requests(env.proxy, "DeleteDistribution")).toBe(1);
      expect(requests(env.proxy, "UpdateDistribution")).toBe(1);
    } finally {
      await post("unset-transition", { model_name: model });
      await env.close();
    }
  });

  it("rejects invalid specs at admission with messages that say what to do", async () => {
    const env = await startEnv("cdn-invalid");
    try {
      const reject = async (name: string, forProvider: Record<string, unknown>, expected: string): Promise<void> => {
        const out = await kubectl(["apply", "-f", "-"], env.manifest(name, forProvider));
        expect(out.code, `${name} should be rejected`).not.toBe(0);
        expect(out.stderr).toContain(expected);
      };
      await reject("bad-enum", basic({ defaultCacheBehavior: { targetOriginId: "web", viewerProtocolPolicy: "sometimes" } }), 'Unsupported value: "sometimes"');
      await reject("no-origin", basic({ defaultCacheBehavior: { targetOriginId: "nowhere", viewerProtocolPolicy: "allow-all" } }), "defaultCacheBehavior.targetOriginId must name one of the origins");
      await reject(
        "both-caches",
        basic({ defaultCacheBehavior: { targetOriginId: "web", viewerProtocolPolicy: "allow-all", cachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6", ttl: { defaultTtl: 60 } } }),
        "set either cachePolicyId or ttl, not both",
      );
      await reject("methods", basic({ defaultCacheBehavior: { targetOriginId: "web", viewerProtocolPolicy: "allow-all", allowedMethods: ["GET", "POST"] } }), "allowedMethods must be [GET, HEAD], [GET, HEAD, OPTIONS] or all seven methods");
      await reject("aliases", basic({ aliases: ["www.example.com"] }), "aliases need a certificate that covers them");
      await reject("two-kinds", basic({ origins: [{ id: "web", domainName: "x.example.com", custom: { originProtocolPolicy: "http-only" }, s3: {} }] }), "each origin needs exactly one of custom or s3");
      await reject("owner-tags", basic({ tags: { "terraplane.dev/uid": "x" } }), "tags must not use the terraplane.dev/ prefix");
      await reject("ttl-order", basic({ defaultCacheBehavior: { targetOriginId: "web", viewerProtocolPolicy: "allow-all", ttl: { minTtl: 100, defaultTtl: 10 } } }), "ttl.minTtl must not exceed ttl.defaultTtl");

      await env.apply("fixed", basic(), { annotations: { [Annotations.paused]: "true" } });
      const region = await kubectl(["patch", `${RESOURCE}/fixed`, "-n", env.ns, "--type=merge", "-p", '{"spec":{"forProvider":{"region":"eu-west-1"}}}']);
      expect(region.code).not.toBe(0);
      expect(region.stderr).toContain("region is immutable: create a new CDN with the new region (and delete this one) instead of changing it");
    } finally {
      await env.close();
    }
  });

  it("reports a cloud-side invalid parameter in Synced without a hot loop, and recovers when the spec is fixed", async () => {
    const env = await startEnv("cdn-cloudinvalid");
    try {
      const bad = basic({ origins: [{ id: "web", domainName: "assets.example.com", s3: {} }] });
      await env.apply("s3", bad, { annotations: { [Annotations.pollInterval]: "1h" } });
      await expect.poll(async () => condition(await env.view("s3"), "Synced"), WAIT).toMatchObject({ status: "False", reason: "ReconcileError" });
      const synced = condition(await env.view("s3"), "Synced");
      expect(synced?.message).toContain("cannot create the cloud resource");
      expect(synced?.message).toContain("does not refer to a valid S3 bucket");
      expect(synced?.message).toContain("InvalidArgument");
      await sleep(4_000);
      expect(requests(env.proxy, "CreateDistributionWithTags")).toBe(1); // terminal: no retries until an edit or the (1h) poll
      const warnings = (await eventsFor(env.ns, "s3")).filter((e) => e.reason === "CannotCreateExternalResource");
      expect(warnings).toHaveLength(1);

      await kubectlOk(["patch", `${RESOURCE}/s3`, "-n", env.ns, "--type=json", "-p", JSON.stringify([{ op: "replace", path: "/spec/forProvider/origins/0/domainName", value: "assets.s3.amazonaws.com" }])]);
      await waitReady(env, "s3");
      expect(requests(env.proxy, "CreateDistributionWithTags")).toBe(2);
    } finally {
      await env.close();
    }
  });

  it("finds its own distribution after a create whose outcome was lost, instead of duplicating it", async () => {
    const env = await startEnv("cdn-idem");
    const made: string[] = [];
    try {
      // Both objects start paused, so their uids are known before Terraplane acts.
      await env.apply("crashed", basic(), { annotations: { [Annotations.paused]: "true" } });
      await env.apply("timedout", basic(), { annotations: { [Annotations.paused]: "true" } });
      const uid = async (name: string): Promise<string> => (await kubectlOk(["get", RESOURCE, name, "-n", env.ns, "-o", "jsonpath={.metadata.uid}"])).trim();
      const owner = (name: string, u: string): Record<string, string> => ({ [OwnerTags.managedBy]: "terraplane", [OwnerTags.resource]: `CDN/${env.ns}/${name}`, [OwnerTags.uid]: u });
      // What a create that went through but whose answer never arrived leaves behind.
      const crashedUid = await uid("crashed");
      const timedoutUid = await uid("timedout");
      made.push(await createInCloud(`terraplane-${crashedUid}`, owner("crashed", crashedUid)));
      made.push(await createInCloud(`terraplane-${timedoutUid}`, owner("timedout", timedoutUid)));

      // 1. The controller died between create-pending and create-succeeded: observe finds it by its ownership tag.
      await kubectlOk(["annotate", `${RESOURCE}/crashed`, "-n", env.ns, `${Annotations.createPending}=${new Date().toISOString()}`]);
      await kubectlOk(["annotate", `${RESOURCE}/crashed`, "-n", env.ns, `${Annotations.paused}-`]);
      // 2. The create timed out and was recorded as failed: the retried create (same CallerReference) meets DistributionAlreadyExists and resolves it to ours.
      await kubectlOk(["annotate", `${RESOURCE}/timedout`, "-n", env.ns, `${Annotations.paused}-`]);

      await waitReady(env, "crashed");
      await waitReady(env, "timedout");
      expect(await idOf(env, "crashed")).toBe(made[0]);
      expect(await idOf(env, "timedout")).toBe(made[1]);
      expect(await ownedDistributions(crashedUid)).toEqual([made[0]]);
      expect(await ownedDistributions(timedoutUid)).toEqual([made[1]]);
      expect(requests(env.proxy, "CreateDistributionWithTags")).toBe(1); // only "timedout" tried, and got DistributionAlreadyExists
      expect(proxyUpstream4xx(env.proxy, "CreateDistributionWithTags")).toBe(1);
    } finally {
      await env.close();
      for (const id of made) if (await cloudExists(id)) await deleteInCloud(id);
    }
  });

  it("repeats a create whose outcome is unknown (CallerReference makes it idempotent): one distribution, nobody asked to step in", async () => {
    const env = await startEnv("cdn-retry");
    try {
      // The controller died after create-pending, before the create reached CloudFront: nothing to find by tag.
      await env.apply("lost", basic(), { annotations: { [Annotations.paused]: "true" } });
      await kubectlOk(["annotate", `${RESOURCE}/lost`, "-n", env.ns, `${Annotations.createPending}=${new Date().toISOString()}`]);
      await kubectlOk(["annotate", `${RESOURCE}/lost`, "-n", env.ns, `${Annotations.paused}-`]);
      await waitReady(env, "lost");
      const uid = (await kubectlOk(["get", RESOURCE, "lost", "-n", env.ns, "-o", "jsonpath={.metadata.uid}"])).trim();
      expect(await ownedDistributions(uid)).toEqual([await idOf(env, "lost")]);
      expect((await eventsFor(env.ns, "lost")).map((e) => e.reason)).not.toContain("CreateOutcomeUnknown");
      expect(requests(env.proxy, "CreateDistributionWithTags")).toBe(1);
    } finally {
      await env.close();
    }
  });

  it("converges behind 30 % throttling, without duplicates, and stays correct", { timeout: 240_000 }, async () => {
    const env = await startEnv("cdn-throttle", { faults: { rules: [{ fault: "throttle", rate: 0.3, match: { service: "cloudfront" } }] }, pollIntervalMs: 1_000 });
    try {
      await env.apply("busy", basic({ aliases: [], priceClass: "PriceClass_200" }));
      await waitReady(env, "busy", "180s");
      await waitSettled(env, "busy", 120_000);
      const id = await idOf(env, "busy");
      const uid = (await kubectlOk(["get", RESOURCE, "busy", "-n", env.ns, "-o", "jsonpath={.metadata.uid}"])).trim();
      expect(await ownedDistributions(uid)).toEqual([id]);
      expect(env.proxy.stats().services.cloudfront?.total.faults.throttle).toBeGreaterThan(0);
      expect(env.proxy.stats().services.cloudfront?.operations["CreateDistributionWithTags"]?.upstream["2xx"]).toBe(1);

      // A change still goes through, and once converged nothing more is written.
      await kubectlOk(["patch", `${RESOURCE}/busy`, "-n", env.ns, "--type=merge", "-p", '{"spec":{"forProvider":{"comment":"under pressure"}}}']);
      await expect.poll(async () => (await cloudConfig(id)).config.Comment, { timeout: 120_000, interval: 500 }).toBe("under pressure");
      await waitSettled(env, "busy", 120_000);
      env.proxy.resetStats();
      await sleep(5_000);
      expect(mutatingCalls(env.proxy)).toEqual({});
      expect((await cloudConfig(id)).config).toMatchObject({ Comment: "under pressure", PriceClass: "PriceClass_200", Enabled: true });
    } finally {
      await env.close();
    }
  });

  it("examples/aws/cdn.yaml becomes Ready as written (only its namespace and config reference swapped for the test's)", async () => {
    const env = await startEnv("cdn-example");
    try {
      const name = await applyExample(env, "examples/aws/cdn.yaml");
      await waitReady(env, name);
      await waitSettled(env, name);
      const id = await idOf(env, name);
      expect((await cloudConfig(id)).config).toMatchObject({ Comment: "Static website", PriceClass: "PriceClass_100", DefaultCacheBehavior: { CachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6" } });
      expect(await cloudTags(id)).toMatchObject({ team: "web", environment: "production" });
    } finally {
      await env.close();
    }
  });

  it("issues no mutating calls over ten poll cycles once converged (no perpetual diff)", { timeout: 180_000 }, async () => {
    const env = await startEnv("cdn-steady", { pollIntervalMs: 1_000 });
    try {
      await env.apply(
        "steady",
        basic({
          origins: [
            { id: "web", domainName: "Origin.Example.com", originPath: "/site", custom: { originProtocolPolicy: "match-viewer", originSslProtocols: ["TLSv1.2", "TLSv1.1"] } },
            { id: "assets", domainName: "assets.s3.amazonaws.com", s3: {} },
          ],
          defaultCacheBehavior: {
            targetOriginId: "web",
            viewerProtocolPolicy: "https-only",
            allowedMethods: ["OPTIONS", "HEAD", "GET"],
            cachedMethods: ["HEAD", "GET"],
            cachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6",
            compress: true,
          },
          aliases: ["www.example.com", "cdn.example.com"],
          viewerCertificate: { acmCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555" },
          logging: { bucket: "logs.s3.amazonaws.com", prefix: "cdn/" },
          tags: { team: "edge", env: "test" },
        }),
      );
      await waitSettled(env, "steady");
      await sleep(1_500);
      await waitSettled(env, "steady");
      const generation = (await env.view("steady"))?.metadata.generation;
      env.proxy.resetStats();
      // Ten poll cycles (one GetDistribution and one ListTagsForResource each), however long a loaded machine takes.
      await expect.poll(() => requests(env.proxy, "GetDistribution"), { timeout: 90_000, interval: 500 }).toBeGreaterThanOrEqual(10);
      expect(mutatingCalls(env.proxy)).toEqual({});
      expect(requests(env.proxy, "ListTagsForResource")).toBeGreaterThanOrEqual(9);
      const mr = await env.view("steady");
      expect(mr?.metadata.generation).toBe(generation); // no late-initialisation churn either
      expect(mr?.status?.drift).toBeUndefined();
      expect(mr?.spec.forProvider).toMatchObject({ viewerCertificate: { sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" }, logging: { includeCookies: false } });
    } finally {
      await env.close();
    }
  });
});

function proxyUpstream4xx(proxy: FaultProxy, operation: string): number {
  return proxy.stats().services.cloudfront?.operations[operation]?.upstream["4xx"] ?? 0;
}

afterAll(() => {
  direct.destroy();
});
