import type { DBInstance } from "@aws-sdk/client-rds";
import { describe, expect, it } from "vitest";
import {
  atProviderOf,
  connectionDetails,
  currentParameters,
  diffParameters,
  effectiveParameters,
  lateInitialize,
  majorVersion,
  modifyFields,
  readiness,
  versionSatisfies,
} from "./normalize.ts";
import type { ConnectionInput } from "./normalize.ts";
import { DatabaseParameters } from "./schema.ts";

/** A DB instance as RDS describes a fresh PostgreSQL one. */
function instance(overrides: Partial<DBInstance> = {}): DBInstance {
  return {
    DBInstanceIdentifier: "orders",
    DBInstanceArn: "arn:aws:rds:eu-west-2:123456789012:db:orders",
    DBInstanceClass: "db.t3.micro",
    Engine: "postgres",
    EngineVersion: "16.3",
    DBInstanceStatus: "available",
    MasterUsername: "app",
    Endpoint: { Address: "orders.abc.eu-west-2.rds.amazonaws.com", Port: 5432 },
    AllocatedStorage: 20,
    StorageType: "gp2",
    StorageEncrypted: false,
    MultiAZ: false,
    PubliclyAccessible: false,
    BackupRetentionPeriod: 1,
    PreferredBackupWindow: "13:14-13:44",
    PreferredMaintenanceWindow: "wed:06:38-wed:07:08",
    DeletionProtection: false,
    VpcSecurityGroups: [{ VpcSecurityGroupId: "sg-0b", Status: "active" }, { VpcSecurityGroupId: "sg-0a", Status: "active" }],
    DBParameterGroups: [{ DBParameterGroupName: "default.postgres16", ParameterApplyStatus: "in-sync" }],
    DbiResourceId: "db-ABC",
    TagList: [
      { Key: "team", Value: "orders" },
      { Key: "terraplane.dev/uid", Value: "u-1" },
    ],
    ...overrides,
  };
}

const spec = (fields: Record<string, unknown> = {}): DatabaseParameters =>
  DatabaseParameters.parse({ engine: "postgres", instanceClass: "db.t3.micro", allocatedStorage: 20, masterUsername: "app", skipFinalSnapshot: true, ...fields });

describe("currentParameters", () => {
  it("normalises what RDS reports into forProvider fields", () => {
    const got = currentParameters(instance({ StorageType: "GP3", PreferredMaintenanceWindow: "Sun:05:00-Sun:05:30", DBInstanceClass: "DB.T3.MICRO" }));
    expect(got).toMatchObject({
      storageType: "gp3",
      preferredMaintenanceWindow: "sun:05:00-sun:05:30",
      instanceClass: "db.t3.micro",
      vpcSecurityGroupIds: ["sg-0a", "sg-0b"],
      parameterGroupName: "default.postgres16",
      port: 5432,
      tags: { team: "orders" }, // ownership tags are never the user's
    });
  });

  it("leaves a security group being removed out of the set", () => {
    const got = currentParameters(instance({ VpcSecurityGroups: [{ VpcSecurityGroupId: "sg-1", Status: "active" }, { VpcSecurityGroupId: "sg-2", Status: "removing" }] }));
    expect(got.vpcSecurityGroupIds).toEqual(["sg-1"]);
  });
});

describe("versions", () => {
  const cases: Record<string, { reason: string; engine: "postgres" | "mysql" | "mariadb"; desired: string; observed: string | undefined; want: boolean }> = {
    "exact": { reason: "the same version", engine: "postgres", desired: "16.3", observed: "16.3", want: true },
    "major prefix": { reason: '"16" accepts any 16.x', engine: "postgres", desired: "16", observed: "16.3", want: true },
    "not a textual prefix": { reason: '"1" is not a prefix of "16.3" by parts', engine: "postgres", desired: "1", observed: "16.3", want: false },
    "newer minor by RDS": { reason: "auto minor upgrade is not fought (RDS cannot downgrade)", engine: "postgres", desired: "16.3", observed: "16.4", want: true },
    "older minor": { reason: "asking for 16.4 on 16.3 is an upgrade to send", engine: "postgres", desired: "16.4", observed: "16.3", want: false },
    "other major": { reason: "17 on 16.3 is a major upgrade", engine: "postgres", desired: "17", observed: "16.3", want: false },
    "mysql major is two parts": { reason: "8.0.36 is a newer minor of 8.0.35", engine: "mysql", desired: "8.0.35", observed: "8.0.36", want: true },
    "mysql 8.4 is another major": { reason: "8.0 → 8.4 is a major version change", engine: "mysql", desired: "8.0.35", observed: "8.4.3", want: false },
    "unknown observed": { reason: "nothing reported yet", engine: "postgres", desired: "16", observed: undefined, want: false },
  };
  for (const [name, { reason, engine, desired, observed, want }] of Object.entries(cases)) {
    it(name, () => expect(versionSatisfies(engine, desired, observed), reason).toBe(want));
  }

  it("names major versions as RDS does", () => {
    expect([majorVersion("postgres", "16.3"), majorVersion("postgres", "9.6.24"), majorVersion("mysql", "8.0.35"), majorVersion("mariadb", "10.11.8")]).toEqual(["16", "9.6", "8.0", "10.11"]);
  });
});

describe("diffParameters", () => {
  const cases: Record<string, { reason: string; desired: Record<string, unknown>; db?: Partial<DBInstance>; want: string[] }> = {
    "nothing set, nothing differs": { reason: "unset fields are late-initialised, never diffed", desired: {}, want: [] },
    "instance class": { reason: "a real change", desired: { instanceClass: "db.t3.small" }, want: ["instanceClass"] },
    "enum case": { reason: "gp2 and GP2 are the same storage type", desired: { storageType: "gp2" }, db: { StorageType: "GP2" }, want: [] },
    "maintenance window case": { reason: "RDS lowercases days", desired: { preferredMaintenanceWindow: "Wed:06:38-Wed:07:08" }, want: [] },
    "security groups are a set": { reason: "order does not matter", desired: { vpcSecurityGroupIds: ["sg-0b", "sg-0a"] }, want: [] },
    "security groups differ": { reason: "a missing group is a difference", desired: { vpcSecurityGroupIds: ["sg-0a"] }, want: ["vpcSecurityGroupIds"] },
    "engine version prefix": { reason: '"16" matches "16.3"', desired: { engineVersion: "16" }, want: [] },
    "engine version upgrade": { reason: "16.4 wanted, 16.3 running", desired: { engineVersion: "16.4" }, want: ["engineVersion"] },
    "storage grown by autoscaling": { reason: "more storage than asked for is not fought: it cannot shrink", desired: { allocatedStorage: 20 }, db: { AllocatedStorage: 25 }, want: [] },
    "storage to grow": { reason: "less than asked for is an update", desired: { allocatedStorage: 50 }, want: ["allocatedStorage"] },
    "autoscaling off": { reason: "0 means RDS reports no maximum", desired: { maxAllocatedStorage: 0 }, want: [] },
    "autoscaling on": { reason: "a maximum RDS does not have", desired: { maxAllocatedStorage: 100 }, want: ["maxAllocatedStorage"] },
    "parameter group case": { reason: "RDS lowercases group names", desired: { parameterGroupName: "Default.Postgres16" }, want: [] },
    "pending value converges": {
      reason: "a change RDS accepted for the maintenance window is not re-sent every poll",
      desired: { instanceClass: "db.t3.large", multiAZ: true },
      db: { PendingModifiedValues: { DBInstanceClass: "db.t3.large", MultiAZ: true } },
      want: [],
    },
    "pending value that is not ours": { reason: "pending db.t3.large, spec wants db.t3.small", desired: { instanceClass: "db.t3.small" }, db: { PendingModifiedValues: { DBInstanceClass: "db.t3.large" } }, want: ["instanceClass"] },
    "tags as a map minus ownership tags": { reason: "order and terraplane.dev/* tags do not count", desired: { tags: { team: "orders" } }, want: [] },
    "tags differ": { reason: "an added tag out of band", desired: { tags: { team: "orders" } }, db: { TagList: [{ Key: "team", Value: "orders" }, { Key: "x", Value: "1" }] }, want: ["tags"] },
    "no endpoint yet": { reason: "the port is unknown while creating, not different", desired: { port: 5433 }, db: { Endpoint: undefined }, want: [] },
    "several fields, in a stable order": {
      reason: "paths in field order, tags last",
      desired: { tags: {}, backupRetentionPeriod: 7, instanceClass: "db.t3.small" },
      want: ["instanceClass", "backupRetentionPeriod", "tags"],
    },
  };
  for (const [name, { reason, desired, db, want }] of Object.entries(cases)) {
    it(name, () => {
      const got = diffParameters(spec(desired), effectiveParameters(instance(db)));
      expect(got.map((d) => d.path), reason).toEqual(want);
    });
  }

  it("reports desired and observed values", () => {
    expect(diffParameters(spec({ instanceClass: "db.t3.small" }), effectiveParameters(instance()))).toEqual([{ path: "instanceClass", desired: "db.t3.small", observed: "db.t3.micro" }]);
  });
});

describe("lateInitialize", () => {
  /** Everything late initialisation would fill on instance(): a spec that already has it all. */
  const FILLED = {
    region: "eu-west-2",
    engineVersion: "16",
    storageType: "gp2",
    storageEncrypted: false,
    multiAZ: false,
    publiclyAccessible: false,
    vpcSecurityGroupIds: ["sg-0a", "sg-0b"],
    backupRetentionPeriod: 1,
    preferredBackupWindow: "13:14-13:44",
    preferredMaintenanceWindow: "wed:06:38-wed:07:08",
    deletionProtection: false,
    port: 5432,
  };
  const cases: Record<string, { reason: string; desired: Record<string, unknown>; db?: Partial<DBInstance>; want: Record<string, unknown> }> = {
    "fills unset fields from the cloud": { reason: "defaults RDS chose become the spec; the default parameter group is not pinned", desired: {}, want: FILLED },
    "never overwrites what is set": {
      reason: "the user's values stay, even when they differ",
      desired: { ...FILLED, engineVersion: "16.3", storageType: "gp3", multiAZ: true, vpcSecurityGroupIds: ["sg-1"], backupRetentionPeriod: 7, deletionProtection: true },
      want: {},
    },
    "a custom parameter group is kept": { reason: "it is the user's choice", desired: FILLED, db: { DBParameterGroups: [{ DBParameterGroupName: "orders-pg16" }] }, want: { parameterGroupName: "orders-pg16" } },
    "major version only": { reason: "pinning the minor would fight RDS's minor upgrades", desired: { ...FILLED, engineVersion: undefined }, db: { EngineVersion: "9.6.24" }, want: { engineVersion: "9.6" } },
    "where a pending change is heading": { reason: "late-init from the pending value, so it is not reverted", desired: { ...FILLED, multiAZ: undefined }, db: { PendingModifiedValues: { MultiAZ: true } }, want: { multiAZ: true } },
    "autoscaling maximum and database name": { reason: "reported only when set", desired: FILLED, db: { MaxAllocatedStorage: 100, DBName: "orders" }, want: { maxAllocatedStorage: 100, dbName: "orders" } },
    "unreported fields stay unset": { reason: "no endpoint (creating): no port", desired: { ...FILLED, port: undefined }, db: { Endpoint: undefined }, want: {} },
  };
  for (const [name, { reason, desired, db, want }] of Object.entries(cases)) {
    it(name, () => expect(lateInitialize(spec(desired), effectiveParameters(instance(db)), "eu-west-2"), reason).toEqual(want));
  }
});

describe("readiness", () => {
  const cases: Record<string, { status: string | undefined; want: ReturnType<typeof readiness> }> = {
    available: { status: "available", want: { ready: "Available", busy: false } },
    creating: { status: "creating", want: { ready: "Creating", message: "RDS is creating the DB instance", busy: true, action: "create" } },
    deleting: { status: "deleting", want: { ready: "Deleting", message: "RDS is deleting the DB instance", busy: true, action: "delete" } },
    modifying: { status: "modifying", want: { ready: "Unavailable", message: "the DB instance is modifying", busy: true, action: "update" } },
    "backing-up": { status: "backing-up", want: { ready: "Unavailable", message: "the DB instance is backing-up", busy: false } },
    "storage-full": { status: "storage-full", want: { ready: "Unavailable", message: "the DB instance is storage-full", busy: false } },
    unknown: { status: undefined, want: { ready: "Unavailable", message: "the DB instance is unknown", busy: false } },
  };
  for (const [name, { status, want }] of Object.entries(cases)) {
    it(name, () => expect(readiness(status)).toEqual(want));
  }
});

describe("modifyFields", () => {
  const cases: Record<string, { reason: string; desired: Record<string, unknown>; paths: string[]; db?: Partial<DBInstance>; want: unknown }> = {
    "only the changed fields": { reason: "nothing else is re-sent", desired: { instanceClass: "db.t3.small", backupRetentionPeriod: 7 }, paths: ["instanceClass"], want: { ApplyImmediately: false, DBInstanceClass: "db.t3.small" } },
    "apply immediately from spec": { reason: "applyImmediately is passed through", desired: { applyImmediately: true, multiAZ: true }, paths: ["multiAZ"], want: { ApplyImmediately: true, MultiAZ: true } },
    "major upgrade is allowed explicitly": { reason: "RDS wants AllowMajorVersionUpgrade for 16 → 17", desired: { engineVersion: "17" }, paths: ["engineVersion"], want: { ApplyImmediately: false, EngineVersion: "17", AllowMajorVersionUpgrade: true } },
    "minor upgrade needs no flag": { reason: "16.3 → 16.4", desired: { engineVersion: "16.4" }, paths: ["engineVersion"], want: { ApplyImmediately: false, EngineVersion: "16.4" } },
    "autoscaling off": { reason: "RDS turns it off when the maximum equals the storage", desired: { maxAllocatedStorage: 0, allocatedStorage: 30 }, paths: ["maxAllocatedStorage"], want: { ApplyImmediately: false, MaxAllocatedStorage: 30 } },
    "port": { reason: "port is DBPortNumber in ModifyDBInstance", desired: { port: 6543 }, paths: ["port"], want: { ApplyImmediately: false, DBPortNumber: 6543 } },
    "storage type with its iops": { reason: "io1 needs iops in the same call", desired: { storageType: "io1", iops: 3000 }, paths: ["storageType"], want: { ApplyImmediately: false, StorageType: "io1", Iops: 3000 } },
    "tags and password only": { reason: "they are not ModifyDBInstance fields", desired: { tags: { a: "b" } }, paths: ["tags", "masterPassword"], want: undefined },
  };
  for (const [name, { reason, desired, paths, db, want }] of Object.entries(cases)) {
    it(name, () => expect(modifyFields(paths, spec(desired), effectiveParameters(instance(db))), reason).toEqual(want));
  }
});

describe("atProviderOf", () => {
  it("summarises the instance and its pending changes, never the password", () => {
    const got = atProviderOf(instance({ PendingModifiedValues: { DBInstanceClass: "db.t3.large", MultiAZ: true, MasterUserPassword: "****" } }));
    expect(got).toEqual({
      arn: "arn:aws:rds:eu-west-2:123456789012:db:orders",
      status: "available",
      endpoint: { address: "orders.abc.eu-west-2.rds.amazonaws.com", port: 5432 },
      resourceId: "db-ABC",
      engineVersion: "16.3",
      pendingModifications: { instanceClass: "db.t3.large", multiAZ: "true", masterPassword: "(pending)" },
    });
  });
});

describe("connectionDetails", () => {
  const base: ConnectionInput = { engine: "postgres", username: "app", password: "p@ss/word", host: "h.example", port: 5432, dbName: undefined };
  const cases: Record<string, { reason: string; input: ConnectionInput; want: Record<string, string> }> = {
    postgres: {
      reason: "the default database is postgres; the password is URL-encoded in the URI",
      input: base,
      want: { username: "app", engine: "postgres", host: "h.example", port: "5432", password: "p@ss/word", uri: "postgres://app:p%40ss%2Fword@h.example:5432/postgres" },
    },
    mariadb: {
      reason: "MariaDB speaks the MySQL protocol; the database name is used when set",
      input: { ...base, engine: "mariadb", port: 3306, dbName: "shop", password: "pw" },
      want: { username: "app", engine: "mariadb", host: "h.example", port: "3306", password: "pw", uri: "mysql://app:pw@h.example:3306/shop" },
    },
    "password unknown": { reason: "no password and no URI: the Secret keeps what create wrote", input: { ...base, password: undefined }, want: { username: "app", engine: "postgres", host: "h.example", port: "5432" } },
    "no endpoint yet": { reason: "no host: no URI", input: { ...base, host: undefined, port: undefined }, want: { username: "app", engine: "postgres", password: "p@ss/word" } },
  };
  for (const [name, { reason, input, want }] of Object.entries(cases)) {
    it(name, () => expect(connectionDetails(input), reason).toEqual(want));
  }
});
