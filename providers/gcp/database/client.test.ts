import assert from "node:assert";
import { describe, expect, it } from "vitest";
import { Listing } from "../../../core/listing.ts";
import type { ListingSource } from "../../../core/listing.ts";
import { errorClassOf, ProviderError } from "../../../core/errors.ts";
import type { PendingOperation } from "../../../core/managed.ts";
import type { ExistingObservation, Managed, Observation } from "../../../core/provider.ts";
import { DatabaseClient, generatePassword, operationError, PasswordLedger } from "./client.ts";
import type { DatabaseSecrets, Operation, SqlApi } from "./client.ts";
import type { Instance } from "./normalize.ts";
import { DatabaseParameters } from "./schema.ts";
import type { DatabaseObservation } from "./schema.ts";

// The client against a fake SqlApi: which calls each step makes, and how operations recorded in
// status are followed (never waited on).

type Call = { op: "get" | "insert" | "patch" | "delete" | "operation" | "setPassword"; input: unknown };

const UID = "0b6f6a3e-1111-2222-3333-444455556666";

class FakeSql implements SqlApi {
  readonly calls: Call[] = [];
  inst: Instance | undefined;
  ops = new Map<string, Operation>();
  failInsert: ProviderError | undefined;
  #next = 0;

  constructor(inst?: Instance) {
    this.inst = inst;
  }

  #op(): Operation {
    const op: Operation = { name: `op-${++this.#next}`, status: "PENDING" };
    this.ops.set(op.name ?? "", op);
    return op;
  }
  async get(project: string, instance: string) {
    this.calls.push({ op: "get", input: { project, instance } });
    return this.inst;
  }
  async insert(project: string, body: Instance) {
    this.calls.push({ op: "insert", input: body });
    if (this.failInsert) throw this.failInsert;
    return this.#op();
  }
  async patch(project: string, instance: string, body: Instance) {
    this.calls.push({ op: "patch", input: body });
    return this.#op();
  }
  async delete(project: string, instance: string) {
    this.calls.push({ op: "delete", input: instance });
    return this.inst ? this.#op() : undefined;
  }
  async operation(project: string, name: string) {
    this.calls.push({ op: "operation", input: name });
    const op = this.ops.get(name);
    if (!op) throw new ProviderError("NotFound", `operation ${name} not found`);
    return op;
  }
  async setPassword(project: string, instance: string, user: { name: string; host?: string }, password: string) {
    this.calls.push({ op: "setPassword", input: { user, password } });
    return this.#op();
  }
  names(): string[] {
    return this.calls.map((c) => c.op);
  }
}

function running(overrides: Partial<Instance> = {}, settings: NonNullable<Instance["settings"]> = {}): Instance {
  return {
    name: "orders",
    region: "europe-west1",
    databaseVersion: "POSTGRES_16",
    state: "RUNNABLE",
    connectionName: "p:europe-west1:orders",
    ipAddresses: [{ type: "PRIMARY", ipAddress: "192.0.2.7" }],
    settings: {
      settingsVersion: { value: "4" },
      tier: "db-custom-1-3840",
      dataDiskSizeGb: { value: "10" },
      dataDiskType: "PD_SSD",
      userLabels: { "terraplane-managed-by": "terraplane", "terraplane-uid": UID },
      ...settings,
    },
    ...overrides,
  };
}

interface MrOptions {
  pending?: PendingOperation;
  generation?: number;
  observedGeneration?: number;
  annotations?: Record<string, string>;
  deleting?: boolean;
  conn?: boolean;
}

function mr(forProvider: Record<string, unknown> = {}, opts: MrOptions = {}): Managed<DatabaseParameters, DatabaseObservation> {
  return {
    apiVersion: "gcp.terraplane.dev/v1alpha1",
    kind: "Database",
    metadata: {
      name: "orders",
      namespace: "team",
      uid: UID,
      generation: opts.generation ?? 1,
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
      ...(opts.deleting ? { deletionTimestamp: new Date() } : {}),
    },
    spec: {
      // Parsed as the core hands it over: the provider never re-parses it.
      forProvider: DatabaseParameters.parse({ databaseVersion: "POSTGRES_16", tier: "db-custom-1-3840", region: "europe-west1", ...forProvider }),
      managementPolicies: ["*"],
      providerConfigRef: { kind: "ProviderConfig", name: "default" },
      ...(opts.conn === false ? {} : { writeConnectionSecretToRef: { name: "orders-conn" } }),
    },
    status: { observedGeneration: opts.observedGeneration ?? 1, ...(opts.pending ? { pendingOperation: opts.pending } : {}) },
  };
}

/** The steady state: the password generated at create is in the connection Secret. */
const PUBLISHED: DatabaseSecrets = { publishedPassword: "published-at-create" };

const client = (api: FakeSql, secrets: DatabaseSecrets = PUBLISHED, ledger = new PasswordLedger()): DatabaseClient =>
  new DatabaseClient({ api, project: "p", defaultRegion: "us-central1", secrets, ledger });
/** The observation of a resource that exists (fails the test otherwise). */
function existing<A>(obs: Observation<A>): ExistingObservation<A> {
  assert(obs.exists, "expected the instance to exist");
  return obs;
}
const pendingOf = (id: string, action = "create"): PendingOperation => ({ id, action, startedAt: "2026-01-01T00:00:00Z" });

describe("DatabaseClient.create", () => {
  it("inserts with a generated password and owner labels, returns the operation to follow and the password once", async () => {
    const api = new FakeSql();
    const out = await client(api).create(mr({ userLabels: { team: "a" } }));
    expect(api.names()).toEqual(["insert"]);
    expect(api.calls[0]?.input).toMatchObject({
      name: "orders",
      region: "europe-west1",
      databaseVersion: "POSTGRES_16",
      settings: { tier: "db-custom-1-3840", userLabels: { team: "a", "terraplane-managed-by": "terraplane", "terraplane-uid": UID } },
    });
    expect(out.pendingOperation).toMatchObject({ id: "op-1", action: "create" });
    expect(out.externalName).toBe("orders");
    expect(out.connectionDetails?.password).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  it("uses the referenced password, and the ProviderConfig's region when the spec has none", async () => {
    const api = new FakeSql();
    await client(api, { desiredPassword: "from-secret" }).create(mr({ region: undefined }));
    expect(api.calls[0]?.input).toMatchObject({ region: "us-central1", rootPassword: "from-secret" });
  });

  it("refuses to invent a password it could not publish", async () => {
    await expect(client(new FakeSql()).create(mr({}, { conn: false }))).rejects.toMatchObject({ errorClass: "InvalidParameter", code: "AdminPasswordUnset" });
  });

  it("adopts its own instance after a lost answer (sets the password again), refuses someone else's", async () => {
    const api = new FakeSql(running());
    api.failInsert = new ProviderError("AlreadyExists", "exists");
    const out = await client(api).create(mr());
    expect(api.names()).toEqual(["insert", "get", "setPassword"]);
    expect(out.pendingOperation?.action).toBe("update");

    const other = new FakeSql(running({}, { userLabels: { "terraplane-uid": "someone-else" } }));
    other.failInsert = new ProviderError("AlreadyExists", "exists");
    await expect(client(other).create(mr())).rejects.toMatchObject({ errorClass: "AlreadyExists" });
  });
});

describe("DatabaseClient.observe", () => {
  it("reports a recorded operation still running, with nothing to update", async () => {
    const api = new FakeSql(running({ state: "PENDING_CREATE" }));
    api.ops.set("op-9", { name: "op-9", status: "RUNNING" });
    const obs = await client(api).observe(mr({}, { pending: pendingOf("op-9") }));
    expect(obs).toMatchObject({ exists: true, ready: "Creating" });
    // Only the id and action: the core keeps when it started.
    expect(existing(obs).pendingOperation).toStrictEqual({ id: "op-9", action: "create" });
  });

  it("reports an update under way without clearing the diff, so the core records it but sends nothing", async () => {
    const api = new FakeSql(running());
    api.ops.set("op-9", { name: "op-9", status: "PENDING" });
    const obs = await client(api).observe(mr({ tier: "db-custom-2-7680" }, { pending: pendingOf("op-9", "update") }));
    expect(obs).toMatchObject({ exists: true, ready: "Unavailable", pendingOperation: { id: "op-9" } });
    expect(existing(obs).diff.map((d) => d.path)).toEqual(["tier"]);
  });

  it("clears a finished operation and looks at the instance", async () => {
    const api = new FakeSql(running());
    api.ops.set("op-9", { name: "op-9", status: "DONE" });
    const obs = existing(await client(api).observe(mr({}, { pending: pendingOf("op-9") })));
    expect(obs).toMatchObject({ exists: true, diff: [], ready: "Available" });
    expect(obs.pendingOperation).toBeUndefined();
    expect(obs.connectionDetails).toMatchObject({ host: "192.0.2.7", port: "5432", username: "postgres", connectionName: "p:europe-west1:orders" });
    expect(obs.atProvider).toMatchObject({ state: "RUNNABLE", settingsVersion: 4 });
  });

  it("throws a failed operation's error, classified by its code, until the spec changes", async () => {
    const api = new FakeSql(running());
    api.ops.set("op-9", { name: "op-9", status: "DONE", error: { errors: [{ code: "INVALID_REQUEST", message: "bad flag" }] } });
    const err: unknown = await client(api).observe(mr({}, { pending: pendingOf("op-9", "update") })).catch((e: unknown) => e);
    expect(errorClassOf(err)).toBe("InvalidParameter");
    expect(String(err)).toContain("bad flag");
    // The user edited the spec since: the old failure no longer stands in the way.
    await expect(client(api).observe(mr({}, { pending: pendingOf("op-9", "update"), generation: 2, observedGeneration: 1 }))).resolves.toMatchObject({ exists: true });
    // Nor does it block a delete.
    await expect(client(api).observe(mr({}, { pending: pendingOf("op-9", "update"), deleting: true }))).resolves.toMatchObject({ exists: true });
  });

  it("looks at the instance when Cloud SQL has forgotten the operation", async () => {
    const obs = await client(new FakeSql(running())).observe(mr({}, { pending: pendingOf("gone") }));
    expect(obs).toMatchObject({ exists: true, ready: "Available" });
  });

  it("reports a busy instance with no operation of ours as pending, so no patch is sent into it", async () => {
    const obs = await client(new FakeSql(running({ state: "MAINTENANCE" }))).observe(mr({ tier: "db-custom-2-7680" }));
    expect(obs).toMatchObject({ ready: "Unavailable", pendingOperation: { id: "state:MAINTENANCE", action: "update" } });
    expect(existing(obs).diff.map((d) => d.path)).toEqual(["tier"]);
  });

  it("does not exist; refuses an instance it does not own unless imported by name; refuses immutable changes", async () => {
    await expect(client(new FakeSql()).observe(mr())).resolves.toEqual({ exists: false });
    const foreign = new FakeSql(running({}, { userLabels: {} }));
    await expect(client(foreign).observe(mr())).rejects.toMatchObject({ errorClass: "AlreadyExists" });
    await expect(client(foreign).observe(mr({}, { annotations: { "terraplane.dev/external-name": "orders" } }))).resolves.toMatchObject({ exists: true });
    await expect(client(new FakeSql(running())).observe(mr({ region: "us-east1" }))).rejects.toMatchObject({ code: "ImmutableFieldMismatch" });
  });

  it("asks for a rotation when the referenced password differs from the published one, without showing it", async () => {
    const obs = existing(await client(new FakeSql(running()), { desiredPassword: "new", publishedPassword: "old" }).observe(mr()));
    expect(obs.diff).toEqual([{ path: "adminPassword", desired: undefined, observed: undefined, sensitive: true }]);
    expect(obs.connectionDetails?.password).toBe("old");
  });
});

describe("DatabaseClient.observe from a shared listing (batch observe)", () => {
  function batched(api: FakeSql): { c: DatabaseClient; pages: () => number } {
    let pages = 0;
    const source: ListingSource<Instance> = {
      page: async () => {
        pages += 1;
        return { items: api.inst ? [api.inst] : [] };
      },
      idOf: (inst) => inst.name ?? undefined,
      get: async (name) => api.get("p", name),
    };
    return { c: new DatabaseClient({ api, project: "p", defaultRegion: "us-central1", secrets: PUBLISHED, ledger: new PasswordLedger(), listing: new Listing(source) }), pages: () => pages };
  }
  const poll = { signal: new AbortController().signal, maxAgeMs: 60_000 };

  it("observes the same from instances.list as from instances.get, without a get", async () => {
    const api = new FakeSql(running());
    const { c, pages } = batched(api);
    const fromListing = await c.observe(mr({ tier: "db-custom-2-7680" }), poll);
    expect(api.names()).toEqual([]);
    expect(pages()).toBe(1);
    expect(fromListing).toEqual(await client(api).observe(mr({ tier: "db-custom-2-7680" })));
  });

  it("gets the instance by itself after a mutation and when the listing lacks it", async () => {
    const api = new FakeSql();
    const { c } = batched(api);
    expect(await c.observe(mr(), poll)).toEqual({ exists: false });
    expect(api.names()).toEqual(["get"]);
    await c.create(mr());
    api.inst = running({ state: "PENDING_CREATE" });
    expect(existing(await c.observe(mr(), poll)).ready).toBe("Creating");
    expect(api.names()).toEqual(["get", "insert", "get"]);
  });

  it("gets the instance by itself once its operation is seen DONE: a listing taken while it ran shows the old settings", async () => {
    const api = new FakeSql(running());
    const { c, pages } = batched(api);
    api.ops.set("op-9", { name: "op-9", status: "RUNNING" });
    await c.observe(mr({ tier: "db-custom-2-7680" }, { pending: pendingOf("op-9", "update") }), poll); // listing taken while it runs
    expect(pages()).toBe(1);
    api.ops.set("op-9", { name: "op-9", status: "DONE" });
    api.inst = running({}, { tier: "db-custom-2-7680", settingsVersion: { value: "5" } });
    const after = existing(await c.observe(mr({ tier: "db-custom-2-7680" }, { pending: pendingOf("op-9", "update") }), poll));
    expect(after.diff).toEqual([]); // read by a Get, not from the listing that predates the change
    expect(api.names().filter((n) => n === "get")).toHaveLength(1);
  });
});

describe("DatabaseClient.update", () => {
  it("patches only the changed settings with the observed settingsVersion", async () => {
    const api = new FakeSql(running());
    const c = client(api);
    const m = mr({ tier: "db-custom-2-7680" });
    const obs = existing(await c.observe(m));
    const out = await c.update(m, obs.diff);
    expect(api.names()).toEqual(["get", "patch"]);
    expect(api.calls[1]?.input).toEqual({ settings: { tier: "db-custom-2-7680", settingsVersion: { value: 4 } } });
    expect(out.pendingOperation).toMatchObject({ id: "op-1", action: "update" });
  });

  it("rotates the admin password with users.update, and publishes it", async () => {
    const api = new FakeSql(running());
    const c = client(api, { desiredPassword: "new", publishedPassword: "old" });
    const m = mr();
    const out = await c.update(m, existing(await c.observe(m)).diff);
    expect(api.calls.find((x) => x.op === "setPassword")?.input).toEqual({ user: { name: "postgres" }, password: "new" });
    expect(out.connectionDetails?.password).toBe("new");
  });

  it("sends a rotation once, even while the connection Secret read still shows the old password", async () => {
    const api = new FakeSql(running());
    const ledger = new PasswordLedger();
    const stale = { desiredPassword: "new", publishedPassword: "old" };
    const first = client(api, stale, ledger);
    const m = mr();
    await first.update(m, existing(await first.observe(m)).diff);
    const again = existing(await client(api, stale, ledger).observe(m));
    expect(again.diff).toEqual([]);
    expect(again.connectionDetails?.password).toBe("new");
  });
});

describe("a generated password lost by a crash between the insert and the connection Secret's write", () => {
  it("sets a new generated password with users.update and publishes it; the next observe is in step", async () => {
    const api = new FakeSql(running());
    const m = mr();
    const obs = existing(await client(api, {}).observe(m));
    expect(obs.diff).toEqual([{ path: "adminPassword", desired: undefined, observed: undefined, sensitive: true }]);
    expect(obs.connectionDetails?.password).toBeUndefined();
    const out = await client(api, {}).update(m, obs.diff);
    const password = out.connectionDetails?.password ?? "";
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(api.calls.find((x) => x.op === "setPassword")?.input).toEqual({ user: { name: "postgres" }, password });
    expect(existing(await client(api, { publishedPassword: out.connectionDetails?.password }).observe(m)).diff).toEqual([]);
  });

  it("leaves the password of an instance it did not create (imported by name) alone", async () => {
    const api = new FakeSql(running({}, { userLabels: {} }));
    const obs = existing(await client(api, {}).observe(mr({}, { annotations: { "terraplane.dev/external-name": "orders" } })));
    expect(obs.diff).toEqual([]);
  });
});

describe("DatabaseClient.delete", () => {
  it("starts the delete and returns its operation; nothing when already gone", async () => {
    const api = new FakeSql(running());
    expect((await client(api).delete(mr())).pendingOperation).toMatchObject({ action: "delete" });
    expect(await client(new FakeSql()).delete(mr())).toEqual({});
  });

  it("never turns deletion protection off on its own; does so first when the spec says false", async () => {
    const protectedInst = running({}, { deletionProtectionEnabled: { value: true } });
    await expect(client(new FakeSql(protectedInst)).delete(mr())).rejects.toMatchObject({ errorClass: "InvalidParameter", code: "DeletionProtectionEnabled" });
    const api = new FakeSql(protectedInst);
    const out = await client(api).delete(mr({ deletionProtectionEnabled: false }));
    expect(api.names()).toEqual(["get", "patch"]);
    expect(api.calls[1]?.input).toEqual({ settings: { deletionProtectionEnabled: { value: false }, settingsVersion: { value: 4 } } });
    expect(out.pendingOperation?.action).toBe("delete");
  });
});

describe("helpers", () => {
  it("classifies operation errors by code", () => {
    expect(operationError({ name: "o", error: { errors: [{ code: "INTERNAL_ERROR", message: "m" }] } }, "create")?.errorClass).toBe("Transient");
    expect(operationError({ name: "o", error: { errors: [{ code: "SOMETHING_NEW" }] } }, "create")?.errorClass).toBe("Unknown");
    expect(operationError({ name: "o" }, "create")).toBeUndefined();
  });

  it("generates 32-character passwords", () => {
    expect(generatePassword()).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(generatePassword()).not.toBe(generatePassword());
  });
});
