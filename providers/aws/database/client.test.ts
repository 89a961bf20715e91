import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { RDSClient } from "@aws-sdk/client-rds";
import type { CreateDBInstanceMessage, DBInstance, DeleteDBInstanceMessage, ModifyDBInstanceMessage } from "@aws-sdk/client-rds";
import { describe, expect, it } from "vitest";
import { errorClassOf, ProviderError } from "../../../core/errors.ts";
import { Listing } from "../../../core/listing.ts";
import type { ListingSource } from "../../../core/listing.ts";
import type { ExistingObservation, Managed, Observation } from "../../../core/provider.ts";
import { generatePassword, PasswordLedger } from "../../shared/database-passwords.ts";
import type { DatabaseSecrets } from "../../shared/database-passwords.ts";
import { DatabaseClient, sdkRdsApi } from "./client.ts";
import type { RdsApi } from "./client.ts";
import { databaseConnector } from "./connector.ts";
import { DatabaseParameters } from "./schema.ts";
import type { DatabaseObservation } from "./schema.ts";

// The client against a fake RdsApi: which calls each operation makes, and with what.

type Call = { op: "describe" | "create" | "modify" | "addTags" | "removeTags" | "delete"; input: unknown };

class FakeRds implements RdsApi {
  readonly calls: Call[] = [];
  readonly creates: CreateDBInstanceMessage[] = [];
  db: DBInstance | undefined;
  failCreate: ProviderError | undefined;

  constructor(db?: DBInstance) {
    this.db = db;
  }

  async describe(id: string) {
    this.calls.push({ op: "describe", input: id });
    return this.db;
  }
  async create(input: CreateDBInstanceMessage) {
    this.calls.push({ op: "create", input });
    this.creates.push(input);
    if (this.failCreate) throw this.failCreate;
    return { DBInstanceIdentifier: input.DBInstanceIdentifier, MasterUsername: input.MasterUsername, DBInstanceStatus: "creating" };
  }
  async modify(input: ModifyDBInstanceMessage) {
    this.calls.push({ op: "modify", input });
    return this.db;
  }
  async addTags(arn: string, tags: Readonly<Record<string, string>>) {
    this.calls.push({ op: "addTags", input: { arn, tags } });
  }
  async removeTags(arn: string, keys: readonly string[]) {
    this.calls.push({ op: "removeTags", input: { arn, keys } });
  }
  async delete(input: DeleteDBInstanceMessage) {
    this.calls.push({ op: "delete", input });
  }

  ops(): string[] {
    return this.calls.map((c) => c.op);
  }
  inputs(op: Call["op"]): unknown[] {
    return this.calls.filter((c) => c.op === op).map((c) => c.input);
  }
}

const UID = "uid-1";
const OWNER_TAGS = [
  { Key: "terraplane.dev/managed-by", Value: "terraplane" },
  { Key: "terraplane.dev/resource", Value: "Database/team/orders" },
  { Key: "terraplane.dev/uid", Value: UID },
];

function instance(overrides: Partial<DBInstance> = {}): DBInstance {
  return {
    DBInstanceIdentifier: "orders",
    DBInstanceArn: "arn:aws:rds:eu-west-2:123456789012:db:orders",
    DBInstanceClass: "db.t3.micro",
    Engine: "postgres",
    EngineVersion: "16.3",
    DBInstanceStatus: "available",
    MasterUsername: "app",
    Endpoint: { Address: "orders.abc.rds.amazonaws.com", Port: 5432 },
    AllocatedStorage: 20,
    BackupRetentionPeriod: 1,
    DeletionProtection: false,
    TagList: [...OWNER_TAGS, { Key: "team", Value: "orders" }],
    ...overrides,
  };
}

type Database = Managed<DatabaseParameters, DatabaseObservation>;

/** A Database as the core hands it over: forProvider already parsed by the kind's schema. */
interface MrExtra {
  annotations?: Record<string, string>;
  connectionSecret?: boolean;
  pendingOperation?: { id: string; action: string; startedAt: string };
  uid?: string;
}

function mr(forProvider: Record<string, unknown> = {}, extra: MrExtra = {}): Database {
  return {
    apiVersion: "aws.terraplane.dev/v1alpha1",
    kind: "Database",
    metadata: { name: "orders", namespace: "team", uid: extra.uid ?? UID, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    spec: {
      forProvider: DatabaseParameters.parse({ engine: "postgres", instanceClass: "db.t3.micro", allocatedStorage: 20, masterUsername: "app", skipFinalSnapshot: true, ...forProvider }),
      managementPolicies: ["*"],
      providerConfigRef: { kind: "ClusterProviderConfig", name: "default" },
      ...(extra.connectionSecret === false ? {} : { writeConnectionSecretToRef: { name: "orders-conn" } }),
    },
    ...(extra.pendingOperation ? { status: { pendingOperation: extra.pendingOperation } } : {}),
  };
}

/** The steady state: the password generated at create is in the connection Secret. */
const PUBLISHED: DatabaseSecrets = { publishedPassword: "published-at-create" };

function client(api: FakeRds, secrets: DatabaseSecrets = PUBLISHED, ledger = new PasswordLedger()): DatabaseClient {
  return new DatabaseClient({ api, region: "eu-west-2", secrets, ledger });
}

/** The observation of an instance that exists (fails the test otherwise). */
function existing<A>(obs: Observation<A>): ExistingObservation<A> {
  assert(obs.exists, "expected the DB instance to exist");
  return obs;
}

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ProviderError) return err;
    throw err;
  }
  throw new Error("expected a ProviderError");
}

describe("observe", () => {
  it("reports a missing instance as not existing", async () => {
    const obs = await client(new FakeRds()).observe(mr());
    expect(obs).toEqual({ exists: false });
  });

  it("reports an instance of ours with atProvider, connection details and late-initialised fields", async () => {
    const obs = existing(await client(new FakeRds(instance()), { desiredPassword: "pw-1", publishedPassword: "pw-1" }).observe(mr({ tags: { team: "orders" } })));
    expect(obs).toMatchObject({ exists: true, diff: [], ready: "Available", atProvider: { status: "available", engineVersion: "16.3" } });
    expect(obs.lateInitialized).toMatchObject({ region: "eu-west-2", engineVersion: "16", port: 5432 });
    expect(obs.connectionDetails).toEqual({ username: "app", engine: "postgres", host: "orders.abc.rds.amazonaws.com", port: "5432", password: "pw-1", uri: "postgres://app:pw-1@orders.abc.rds.amazonaws.com:5432/postgres" });
    expect(obs.message).toBeUndefined();
  });

  it("refuses an instance it did not create unless the external name was set on purpose", async () => {
    const foreign = instance({ TagList: [{ Key: "team", Value: "other" }] });
    const err = await failure(client(new FakeRds(foreign)).observe(mr()));
    expect(err.errorClass).toBe("AlreadyExists");
    expect(err.message).toContain("terraplane.dev/external-name");

    const adopted = await client(new FakeRds(foreign)).observe(mr({}, { annotations: { "terraplane.dev/external-name": "orders" } }));
    expect(adopted.exists).toBe(true);
  });

  it("reports an immutable field the spec gets wrong as a terminal error, never as an update", async () => {
    const err = await failure(client(new FakeRds(instance({ Engine: "mysql" }))).observe(mr()));
    expect(err.errorClass).toBe("InvalidParameter");
    expect(err.message).toContain('engine is "postgres" but the instance runs "mysql"');
  });

  it("while RDS is modifying: reports a pending operation (no update is sent) under an id that stays put, so the core keeps its start time", async () => {
    const api = new FakeRds(instance({ DBInstanceStatus: "modifying" }));
    const first = existing(await client(api).observe(mr({ instanceClass: "db.t3.small" })));
    expect(first).toMatchObject({ ready: "Unavailable", message: "the DB instance is modifying", diff: [{ path: "instanceClass" }] });
    expect(first.pendingOperation).toEqual({ id: "rds:modifying", action: "update" });
    const again = existing(await client(api).observe(mr({ instanceClass: "db.t3.small" }, { pendingOperation: { id: "rds:modifying", action: "update", startedAt: "2025-01-01T00:00:00.000Z" } })));
    expect(again.pendingOperation).toEqual(first.pendingOperation);
  });

  const passwordCases: Record<string, { reason: string; secrets: DatabaseSecrets; ledger?: string; wantDiff: boolean; wantPublished: string | undefined }> = {
    "in sync": { reason: "the published password is the referenced one", secrets: { desiredPassword: "a", publishedPassword: "a" }, wantDiff: false, wantPublished: "a" },
    "rotated": { reason: "the Secret changed: send it; keep publishing the old one until sent", secrets: { desiredPassword: "b", publishedPassword: "a" }, wantDiff: true, wantPublished: "a" },
    "just sent": { reason: "this process set it; the cached connection Secret is stale", secrets: { desiredPassword: "b", publishedPassword: "a" }, ledger: "b", wantDiff: false, wantPublished: "b" },
    "unknown": { reason: "no connection Secret and nothing set by this process: assume it holds", secrets: { desiredPassword: "a" }, wantDiff: false, wantPublished: "a" },
    "rotated without a connection Secret": { reason: "this process set another one", secrets: { desiredPassword: "b" }, ledger: "a", wantDiff: true, wantPublished: undefined },
    "generated": { reason: "no reference: the generated password in the Secret is kept", secrets: { publishedPassword: "g" }, wantDiff: false, wantPublished: "g" },
    "generated, then lost": { reason: "the controller died between the create and the Secret's write: nobody knows it, so a new one is set", secrets: {}, wantDiff: true, wantPublished: undefined },
  };
  for (const [name, { reason, secrets, ledger, wantDiff, wantPublished }] of Object.entries(passwordCases)) {
    it(`password: ${name}`, async () => {
      const passwords = new PasswordLedger();
      if (ledger) passwords.set(UID, ledger);
      const obs = existing(await client(new FakeRds(instance()), secrets, passwords).observe(mr()));
      expect(obs.diff, reason).toEqual(wantDiff ? [{ path: "masterPassword", desired: undefined, observed: undefined, sensitive: true }] : []);
      expect(obs.connectionDetails?.password, reason).toBe(wantPublished);
    });
  }
});

describe("observe from a shared listing (batch observe)", () => {
  /** DescribeDBInstances without an identifier, as RDS pages it, over the same instances FakeRds holds. */
  function listingOver(api: FakeRds): { listing: Listing<DBInstance>; pages: number[] } {
    const pages: number[] = [];
    const source: ListingSource<DBInstance> = {
      page: async () => {
        pages.push(1);
        return { items: api.db ? [api.db] : [] };
      },
      idOf: (db) => db.DBInstanceIdentifier?.toLowerCase(),
      get: async (id) => api.describe(id),
    };
    return { listing: new Listing(source), pages };
  }
  const poll = { signal: new AbortController().signal, maxAgeMs: 60_000 };

  it("gives the same observation from the listing as from a describe, and reuses it for the update", async () => {
    const api = new FakeRds(instance());
    const { listing, pages } = listingOver(api);
    const batched = new DatabaseClient({ api, region: "eu-west-2", secrets: PUBLISHED, ledger: new PasswordLedger(), listing });
    const resource = mr({ instanceClass: "db.t3.small", tags: { team: "orders" } });
    const fromListing = existing(await batched.observe(resource, poll));
    expect(api.ops()).toEqual([]);
    expect(pages).toHaveLength(1);
    expect(fromListing).toEqual(existing(await client(api).observe(resource)));
    await batched.update(resource, fromListing.diff);
    expect(api.ops()).toEqual(["describe", "modify"]); // the describe is the per-resource client's above
  });

  it("describes by itself after a mutation, when the listing lacks the instance, and when no listing age is given (a plan)", async () => {
    const api = new FakeRds();
    const { listing } = listingOver(api);
    const batched = new DatabaseClient({ api, region: "eu-west-2", secrets: PUBLISHED, ledger: new PasswordLedger(), listing });
    expect(await batched.observe(mr(), poll)).toEqual({ exists: false }); // missing from the listing: confirmed
    expect(api.ops()).toEqual(["describe"]);
    await batched.create(mr());
    api.db = instance({ DBInstanceStatus: "creating" });
    expect(existing(await batched.observe(mr(), poll)).ready).toBe("Creating"); // after the create: its own describe
    expect(api.ops()).toEqual(["describe", "create", "describe"]);
    await batched.observe(mr());
    expect(api.ops()).toEqual(["describe", "create", "describe", "describe"]);
  });
});

describe("create", () => {
  it("creates with the ownership tags and the generated password, returned once in the connection details", async () => {
    const api = new FakeRds();
    const result = await client(api).create(mr({ tags: { team: "orders" } }));
    const input = api.creates[0];
    expect(input).toMatchObject({ DBInstanceIdentifier: "orders", Engine: "postgres", MasterUsername: "app", AllocatedStorage: 20 });
    expect(input?.Tags).toEqual([{ Key: "team", Value: "orders" }, ...OWNER_TAGS]); // sorted by key
    expect(input?.MasterUserPassword).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(result.externalName).toBe("orders");
    expect(result.connectionDetails?.password).toBe(input?.MasterUserPassword);
  });

  it("uses the referenced password", async () => {
    const api = new FakeRds();
    await client(api, { desiredPassword: "from-secret" }).create(mr());
    expect(api.creates[0]?.MasterUserPassword).toBe("from-secret");
  });

  const invalid: Record<string, { reason: string; resource: Database; want: string }> = {
    "no password anywhere": { reason: "a generated password needs a connection Secret to live in", resource: mr({}, { connectionSecret: false }), want: "no master password" },
    "bad identifier": { reason: "RDS identifiers have no dots", resource: mr({}, { annotations: { "terraplane.dev/external-name": "orders.v2" } }), want: "cannot be an RDS DB instance identifier" },
  };
  for (const [name, { reason, resource, want }] of Object.entries(invalid)) {
    it(`rejects: ${name}`, async () => {
      const api = new FakeRds();
      const err = await failure(client(api).create(resource));
      expect(err.errorClass, reason).toBe("InvalidParameter");
      expect(err.message).toContain(want);
      expect(api.ops()).toEqual([]);
    });
  }

  it("a retried create that finds its own instance succeeds, and sets the password it will publish", async () => {
    const api = new FakeRds(instance());
    api.failCreate = new ProviderError("AlreadyExists", "exists", { code: "DBInstanceAlreadyExists" });
    const result = await client(api).create(mr());
    expect(api.ops()).toEqual(["create", "describe", "modify"]);
    expect(api.inputs("modify")[0]).toEqual({ DBInstanceIdentifier: "orders", MasterUserPassword: result.connectionDetails?.password, ApplyImmediately: true });
  });

  it("a create that finds someone else's instance fails", async () => {
    const api = new FakeRds(instance({ TagList: [] }));
    api.failCreate = new ProviderError("AlreadyExists", "exists", { code: "DBInstanceAlreadyExists" });
    expect(errorClassOf(await failure(client(api).create(mr())))).toBe("AlreadyExists");
    expect(api.ops()).toEqual(["create", "describe"]);
  });
});

describe("a generated password lost by a crash between create and the connection Secret's write", () => {
  it("sets a new generated password and publishes it, once", async () => {
    const api = new FakeRds(instance());
    const ledger = new PasswordLedger();
    const obs = existing(await client(api, {}, ledger).observe(mr()));
    expect(obs.diff).toEqual([{ path: "masterPassword", desired: undefined, observed: undefined, sensitive: true }]);
    const result = await client(api, {}, ledger).update(mr(), obs.diff);
    const password = result.connectionDetails?.password ?? "";
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(api.inputs("modify")).toEqual([{ DBInstanceIdentifier: "orders", MasterUserPassword: password }]);
    // Published: the next observe is in step.
    expect(existing(await client(api, { publishedPassword: password }, ledger).observe(mr())).diff).toEqual([]);
  });

  const notOurs: Record<string, { reason: string; resource: Database; db: DBInstance }> = {
    "adopted by external name": { reason: "an instance Terraplane did not create: its password belongs to someone", resource: mr({}, { annotations: { "terraplane.dev/external-name": "orders" } }), db: instance({ TagList: [] }) },
    "read-only import": { reason: "no Update in managementPolicies", resource: { ...mr(), spec: { ...mr().spec, managementPolicies: ["Observe"] } }, db: instance() },
    "no connection Secret": { reason: "nowhere to publish one (and a generated password needs one)", resource: mr({}, { connectionSecret: false }), db: instance() },
    "being deleted": { reason: "the connection Secret is not read while deleting", resource: { ...mr(), metadata: { ...mr().metadata, deletionTimestamp: new Date("2026-01-01T00:00:00Z") } }, db: instance() },
  };
  for (const [name, { reason, resource, db }] of Object.entries(notOurs)) {
    it(`leaves the password alone: ${name}`, async () => {
      const obs = existing(await client(new FakeRds(db), {}).observe(resource));
      expect(obs.diff, reason).toEqual([]);
    });
  }
});

describe("update", () => {
  it("sends only the changed fields, and tags without touching the ownership tags", async () => {
    const api = new FakeRds(instance({ TagList: [...OWNER_TAGS, { Key: "team", Value: "orders" }, { Key: "stray", Value: "x" }] }));
    const c = client(api);
    const resource = mr({ instanceClass: "db.t3.small", backupRetentionPeriod: 1, applyImmediately: true, tags: { team: "payments" } });
    const obs = existing(await c.observe(resource));
    await c.update(resource, obs.diff);
    expect(api.ops()).toEqual(["describe", "modify", "removeTags", "addTags"]); // observe's read is reused
    expect(api.inputs("modify")[0]).toEqual({ DBInstanceIdentifier: "orders", ApplyImmediately: true, DBInstanceClass: "db.t3.small" });
    expect(api.inputs("removeTags")[0]).toEqual({ arn: "arn:aws:rds:eu-west-2:123456789012:db:orders", keys: ["stray"] });
    expect(api.inputs("addTags")[0]).toEqual({ arn: "arn:aws:rds:eu-west-2:123456789012:db:orders", tags: { team: "payments" } });
  });

  it("sends a rotated password and publishes it", async () => {
    const api = new FakeRds(instance());
    const ledger = new PasswordLedger();
    const c = client(api, { desiredPassword: "new", publishedPassword: "old" }, ledger);
    const result = await c.update(mr(), [{ path: "masterPassword", desired: undefined, observed: undefined, sensitive: true }]);
    expect(api.inputs("modify")).toEqual([{ DBInstanceIdentifier: "orders", MasterUserPassword: "new" }]);
    expect(result.connectionDetails).toMatchObject({ password: "new", uri: "postgres://app:new@orders.abc.rds.amazonaws.com:5432/postgres" });
    expect(ledger.matches(UID, "new")).toBe(true);
  });
});

describe("delete", () => {
  const cases: Record<string, { reason: string; forProvider: Record<string, unknown>; db: DBInstance | undefined; wantOps: string[]; wantError?: string }> = {
    "skip the final snapshot": { reason: "skipFinalSnapshot", forProvider: {}, db: instance(), wantOps: ["describe", "delete"] },
    "already gone": { reason: "nothing to delete", forProvider: {}, db: undefined, wantOps: ["describe"] },
    "protected": { reason: "never turned off by Terraplane on its own", forProvider: { deletionProtection: true }, db: instance({ DeletionProtection: true }), wantOps: ["describe"], wantError: "set spec.forProvider.deletionProtection to false" },
    "protected, unset in spec": { reason: "unset is not a request to turn it off", forProvider: {}, db: instance({ DeletionProtection: true }), wantOps: ["describe"], wantError: "deletion protection" },
    "protection turned off in spec": { reason: "the user asked: turn it off, then delete", forProvider: { deletionProtection: false }, db: instance({ DeletionProtection: true }), wantOps: ["describe", "modify", "delete"] },
  };
  for (const [name, { reason, forProvider, db, wantOps, wantError }] of Object.entries(cases)) {
    it(name, async () => {
      const api = new FakeRds(db);
      const done = client(api).delete(mr(forProvider));
      if (wantError) expect((await failure(done)).message, reason).toContain(wantError);
      else await done;
      expect(api.ops(), reason).toEqual(wantOps);
    });
  }

  it("takes the final snapshot the spec names", async () => {
    const api = new FakeRds(instance());
    await client(api).delete(mr({ skipFinalSnapshot: undefined, finalSnapshotIdentifier: "orders-final" }));
    expect(api.inputs("delete")).toEqual([{ DBInstanceIdentifier: "orders", SkipFinalSnapshot: false, FinalDBSnapshotIdentifier: "orders-final" }]);
  });
});

describe("per-object state", () => {
  it("the passwords set by 1,000 creates are all freed when the connector forgets the objects", async () => {
    const ledger = new PasswordLedger();
    const connector = databaseConnector(ledger);
    const uids = Array.from({ length: 1_000 }, (_, i) => `uid-${i}`);
    for (const uid of uids) await client(new FakeRds(), {}, ledger).create(mr({}, { uid }));
    expect(ledger.size).toBe(1_000);
    for (const uid of uids) connector.forget?.(uid);
    expect(ledger.size).toBe(0);
  });
});

describe("generatePassword", () => {
  it("makes distinct passwords RDS accepts", () => {
    const passwords = new Set(Array.from({ length: 100 }, () => generatePassword()));
    expect(passwords.size).toBe(100);
    for (const p of passwords) expect(p).toMatch(/^[A-Za-z0-9]{32}$/);
  });
});

describe("sdkRdsApi: errors classified by the SDK's error name and status", () => {
  /** An RDSClient whose HTTP layer answers every request with one awsQuery error (the SDK parses it as it would AWS's). */
  function answering(status: number, code: string): RDSClient {
    const xml = `<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error><Type>Sender</Type><Code>${code}</Code><Message>refused by the fake</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`;
    return new RDSClient({
      region: "eu-west-2",
      credentials: { accessKeyId: "k", secretAccessKey: "s" },
      maxAttempts: 1,
      requestHandler: {
        handle: async () => ({ response: { statusCode: status, reason: "", headers: { "content-type": "text/xml" }, body: Readable.from([Buffer.from(xml)]) } }),
      },
    });
  }
  const create: CreateDBInstanceMessage = { DBInstanceIdentifier: "orders", Engine: "postgres", DBInstanceClass: "db.t3.micro", AllocatedStorage: 20, MasterUsername: "app", MasterUserPassword: "secret-pw" };

  const cases: Record<string, { status: number; code: string; want: string; message?: string }> = {
    "access denied names the action": { status: 403, code: "AccessDenied", want: "AccessDenied", message: "access denied for rds:CreateDBInstance: refused by the fake" },
    "invalid parameter is terminal": { status: 400, code: "InvalidParameterValue", want: "InvalidParameter" },
    "already exists": { status: 400, code: "DBInstanceAlreadyExistsFault", want: "AlreadyExists" },
    "throttling the SDK gave up on": { status: 400, code: "Throttling", want: "Throttled" },
    "a server error": { status: 503, code: "ServiceUnavailable", want: "Transient" },
  };
  for (const [name, { status, code, want, message }] of Object.entries(cases)) {
    it(name, async () => {
      const err = await failure(sdkRdsApi(answering(status, code), new AbortController().signal).create(create));
      expect(err.errorClass).toBe(want);
      expect(err.code).toBe(code);
      if (message) expect(err.message).toBe(message);
      expect(err.message).not.toContain("secret-pw");
    });
  }

  it("a missing instance is undefined for describe, and nothing to do for delete", async () => {
    const api = sdkRdsApi(answering(404, "DBInstanceNotFound"), new AbortController().signal);
    expect(await api.describe("orders")).toBeUndefined();
    await expect(api.delete({ DBInstanceIdentifier: "orders", SkipFinalSnapshot: true })).resolves.toBeUndefined();
  });
});
