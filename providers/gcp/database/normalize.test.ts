import { describe, expect, it } from "vitest";
import type { FieldDiff } from "../../../core/provider.ts";
import {
  atProviderOf,
  connectionDetails,
  diffParameters,
  enumName,
  hostOf,
  immutableMismatches,
  insertBody,
  lateInitialize,
  observedParameters,
  patchBody,
  readiness,
  versionName,
} from "./normalize.ts";
import type { Instance } from "./normalize.ts";
import { DatabaseParameters } from "./schema.ts";

/** A fresh PostgreSQL instance as the official client returns it from the emulator (enum names, wrapped values, 64-bit strings). */
function instance(settings: NonNullable<Instance["settings"]> = {}, overrides: Partial<Instance> = {}): Instance {
  return {
    name: "orders",
    region: "europe-west1",
    databaseVersion: "POSTGRES_16",
    databaseInstalledVersion: "POSTGRES_16_8",
    state: "RUNNABLE",
    connectionName: "tp-db:europe-west1:orders",
    selfLink: "https://sqladmin.googleapis.com/v1/projects/tp-db/instances/orders",
    gceZone: "europe-west1-c",
    ipAddresses: [
      { type: "OUTGOING", ipAddress: "198.51.100.9" },
      { type: "PRIMARY", ipAddress: "192.0.2.7" },
    ],
    settings: {
      settingsVersion: { value: "3" },
      tier: "db-custom-1-3840",
      edition: "ENTERPRISE",
      dataDiskSizeGb: { value: "10" },
      dataDiskType: "PD_SSD",
      storageAutoResize: { value: true },
      availabilityType: "ZONAL",
      pricingPlan: "PER_USE",
      activationPolicy: "ALWAYS",
      replicationType: "SYNCHRONOUS",
      deletionProtectionEnabled: { value: false },
      backupConfiguration: {
        enabled: { value: false },
        startTime: "09:00",
        pointInTimeRecoveryEnabled: { value: false },
        transactionLogRetentionDays: { value: 7 },
        backupRetentionSettings: { retentionUnit: "COUNT", retainedBackups: { value: 7 } },
      },
      ipConfiguration: { ipv4Enabled: { value: true }, requireSsl: { value: false }, authorizedNetworks: [] },
      maintenanceWindow: { day: { value: 0 }, hour: { value: 0 } },
      userLabels: { team: "orders", "terraplane-managed-by": "terraplane", "terraplane-uid": "u-1" },
      ...settings,
    },
    ...overrides,
  };
}

const spec = (over: Record<string, unknown> = {}): DatabaseParameters => DatabaseParameters.parse({ databaseVersion: "POSTGRES_16", tier: "db-custom-1-3840", ...over });
const paths = (diff: readonly FieldDiff[]): string[] => diff.map((d) => d.path);

describe("observedParameters", () => {
  it("normalises wrapped values, 64-bit strings, enum names, sets and labels", () => {
    const observed = observedParameters(
      instance({
        databaseFlags: [
          { name: "work_mem", value: "64MB" },
          { name: "max_connections", value: "200" },
        ],
        ipConfiguration: { ipv4Enabled: { value: true }, authorizedNetworks: [{ value: "10.0.0.0/8", name: "" }, { value: "1.2.3.4/32", name: "office" }] },
      }),
    );
    expect(observed).toEqual({
      region: "europe-west1",
      databaseVersion: "POSTGRES_16",
      tier: "db-custom-1-3840",
      edition: "ENTERPRISE",
      diskSizeGb: 10,
      diskType: "PD_SSD",
      diskAutoresize: true,
      availabilityType: "ZONAL",
      deletionProtectionEnabled: false,
      backupConfiguration: { enabled: false, startTime: "09:00", pointInTimeRecoveryEnabled: false, transactionLogRetentionDays: 7, retainedBackups: 7 },
      ipConfiguration: { ipv4Enabled: true, authorizedNetworks: [{ value: "1.2.3.4/32", name: "office" }, { value: "10.0.0.0/8" }] },
      databaseFlags: [
        { name: "max_connections", value: "200" },
        { name: "work_mem", value: "64MB" },
      ],
      maintenanceWindow: { day: 0, hour: 0 },
      userLabels: { team: "orders" },
    });
  });

  it("reads numeric enums (the wire's int encoding) as names", () => {
    const observed = observedParameters(instance({ dataDiskType: 1, availabilityType: 2, edition: 3 }, { databaseVersion: 0 }));
    expect(enumName(2, { 2: "RUNNING" })).toBe("RUNNING");
    expect(observed.diskType).toBe("PD_SSD");
    expect(observed.availabilityType).toBe("REGIONAL");
    expect(observed.edition).toBe("ENTERPRISE_PLUS");
  });
});

describe("diffParameters", () => {
  const cases: Record<string, { reason: string; spec: Record<string, unknown>; settings?: NonNullable<Instance["settings"]>; want: string[] }> = {
    inSync: { reason: "what the cloud holds, with defaults left unset", spec: {}, want: [] },
    tier: { reason: "a scalar change", spec: { tier: "db-custom-2-7680" }, want: ["tier"] },
    enumCase: { reason: "enums compare by name", spec: { availabilityType: "REGIONAL", diskType: "PD_SSD" }, want: ["availabilityType"] },
    diskGrown: { reason: "a disk grown past the spec (autoresize) is not a difference", spec: { diskSizeGb: 10 }, settings: { dataDiskSizeGb: { value: "25" } }, want: [] },
    diskSmaller: { reason: "a disk smaller than the spec must grow", spec: { diskSizeGb: 30 }, want: ["diskSizeGb"] },
    backupSub: { reason: "only the backup sub-fields the spec sets count", spec: { backupConfiguration: { enabled: true } }, want: ["backupConfiguration.enabled"] },
    backupSame: { reason: "set sub-fields equal to the cloud's", spec: { backupConfiguration: { startTime: "09:00", retainedBackups: 7 } }, want: [] },
    networksAsSet: {
      reason: "authorizedNetworks is a set: order does not matter",
      spec: { ipConfiguration: { authorizedNetworks: [{ value: "10.0.0.0/8" }, { value: "1.2.3.4/32", name: "office" }] } },
      settings: { ipConfiguration: { ipv4Enabled: { value: true }, authorizedNetworks: [{ value: "1.2.3.4/32", name: "office" }, { value: "10.0.0.0/8" }] } },
      want: [],
    },
    networksDiffer: {
      reason: "a network missing from the cloud",
      spec: { ipConfiguration: { authorizedNetworks: [{ value: "10.0.0.0/8" }] } },
      want: ["ipConfiguration.authorizedNetworks"],
    },
    flagsAsSet: {
      reason: "databaseFlags is a set keyed by name",
      spec: { databaseFlags: [{ name: "work_mem", value: "64MB" }, { name: "max_connections", value: "200" }] },
      settings: { databaseFlags: [{ name: "max_connections", value: "200" }, { name: "work_mem", value: "64MB" }] },
      want: [],
    },
    flagsExtra: { reason: "with flags in the spec, a flag set elsewhere is a difference", spec: { databaseFlags: [] }, settings: { databaseFlags: [{ name: "work_mem", value: "1MB" }] }, want: ["databaseFlags"] },
    flagsUnset: { reason: "without flags in the spec, flags are left alone", spec: {}, settings: { databaseFlags: [{ name: "work_mem", value: "1MB" }] }, want: [] },
    labelsOwner: { reason: "ownership labels and labels others add are not differences", spec: { userLabels: { team: "orders" } }, settings: { userLabels: { team: "orders", owner: "x", "terraplane-uid": "u" } }, want: [] },
    labelsChanged: { reason: "a label the spec lists, changed", spec: { userLabels: { team: "billing" } }, want: ["userLabels"] },
    window: { reason: "maintenance window", spec: { maintenanceWindow: { day: 7, hour: 3 } }, want: ["maintenanceWindow"] },
    protection: { reason: "deletion protection", spec: { deletionProtectionEnabled: true }, want: ["deletionProtectionEnabled"] },
    upgrade: { reason: "a major version upgrade", spec: { databaseVersion: "POSTGRES_17" }, want: ["databaseVersion"] },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: ${c.reason}`, () => {
      expect(paths(diffParameters(spec(c.spec), observedParameters(instance(c.settings))))).toEqual(c.want);
    });
  }
});

describe("immutableMismatches", () => {
  it("names region, diskType and engine changes, never a major version upgrade", () => {
    const observed = observedParameters(instance());
    expect(immutableMismatches(spec({ databaseVersion: "POSTGRES_17" }), observed)).toEqual([]);
    expect(immutableMismatches(spec({ region: "us-east1", diskType: "PD_HDD", databaseVersion: "MYSQL_8_0" }), observed)).toHaveLength(3);
  });
});

describe("lateInitialize", () => {
  it("fills unset fields with Cloud SQL's defaults, and nested sub-fields around the spec's", () => {
    const out = lateInitialize(spec({ backupConfiguration: { enabled: true } }), observedParameters(instance()), "us-central1");
    expect(out).toEqual({
      region: "europe-west1",
      edition: "ENTERPRISE",
      diskSizeGb: 10,
      diskType: "PD_SSD",
      diskAutoresize: true,
      availabilityType: "ZONAL",
      maintenanceWindow: { day: 0, hour: 0 },
      deletionProtectionEnabled: false,
      backupConfiguration: { enabled: true, startTime: "09:00", pointInTimeRecoveryEnabled: false, transactionLogRetentionDays: 7, retainedBackups: 7 },
      ipConfiguration: { ipv4Enabled: true },
    });
  });

  it("fills nothing once the spec holds it all, and never flags or labels", () => {
    const observed = observedParameters(instance({ databaseFlags: [{ name: "work_mem", value: "1MB" }] }));
    const full = spec({ ...lateInitialize(spec(), observed, undefined) });
    expect(lateInitialize(full, observed, undefined)).toEqual({});
    expect(full.databaseFlags).toBeUndefined();
    expect(full.userLabels).toBeUndefined();
  });
});

describe("readiness", () => {
  const cases: Record<string, { want: ReturnType<typeof readiness>["ready"]; busy: boolean }> = {
    RUNNABLE: { want: "Available", busy: false },
    PENDING_CREATE: { want: "Creating", busy: true },
    PENDING_DELETE: { want: "Deleting", busy: true },
    MAINTENANCE: { want: "Unavailable", busy: true },
    FAILED: { want: "Unavailable", busy: false },
  };
  for (const [state, c] of Object.entries(cases)) {
    it(state, () => {
      expect(readiness(state)).toMatchObject({ ready: c.want, busy: c.busy });
    });
  }
});

describe("request bodies", () => {
  it("patchBody sends only the diffed settings, nested ones whole, with the settingsVersion and owner labels", () => {
    const desired = spec({ tier: "db-custom-2-7680", backupConfiguration: { enabled: true }, userLabels: { team: "billing" } });
    const observed = observedParameters(instance());
    const body = patchBody(["tier", "backupConfiguration.enabled", "userLabels"], desired, observed, { settingsVersion: 3, ownerLabels: { "terraplane-uid": "u-1" } });
    expect(body).toEqual({
      settings: {
        tier: "db-custom-2-7680",
        backupConfiguration: {
          enabled: { value: true },
          startTime: "09:00",
          pointInTimeRecoveryEnabled: { value: false },
          transactionLogRetentionDays: { value: 7 },
          backupRetentionSettings: { retentionUnit: "COUNT", retainedBackups: { value: 7 } },
        },
        userLabels: { team: "billing", "terraplane-uid": "u-1" },
        settingsVersion: { value: 3 },
      },
    });
    expect(patchBody(["adminPassword"], desired, observed, { settingsVersion: 3, ownerLabels: {} })).toBeUndefined();
    expect(patchBody(["databaseVersion"], spec({ databaseVersion: "POSTGRES_17" }), observed, { settingsVersion: 3, ownerLabels: {} })).toEqual({ databaseVersion: "POSTGRES_17", settings: { settingsVersion: { value: 3 } } });
  });

  it("insertBody carries what the spec sets, the password and the ownership labels", () => {
    const body = insertBody("orders", spec({ diskSizeGb: 20, databaseFlags: [{ name: "b", value: "2" }, { name: "a", value: "1" }] }), { region: "europe-west1", rootPassword: "pw", ownerLabels: { "terraplane-uid": "u-1" } });
    expect(body).toEqual({
      name: "orders",
      region: "europe-west1",
      databaseVersion: "POSTGRES_16",
      rootPassword: "pw",
      settings: {
        tier: "db-custom-1-3840",
        dataDiskSizeGb: { value: 20 },
        databaseFlags: [
          { name: "a", value: "1" },
          { name: "b", value: "2" },
        ],
        userLabels: { "terraplane-uid": "u-1" },
      },
    });
    expect(() => versionName("POSTGRES_99")).toThrow(/not a Cloud SQL database version/);
  });
});

describe("atProvider and connection details", () => {
  it("mirrors the instance", () => {
    expect(atProviderOf(instance())).toEqual({
      state: "RUNNABLE",
      connectionName: "tp-db:europe-west1:orders",
      ipAddresses: [
        { type: "OUTGOING", ipAddress: "198.51.100.9" },
        { type: "PRIMARY", ipAddress: "192.0.2.7" },
      ],
      selfLink: "https://sqladmin.googleapis.com/v1/projects/tp-db/instances/orders",
      settingsVersion: 3,
      databaseInstalledVersion: "POSTGRES_16_8",
      gceZone: "europe-west1-c",
    });
  });

  it("connects to the first PRIMARY address, with the engine's port and admin user", () => {
    const host = hostOf(instance());
    expect(host).toBe("192.0.2.7");
    expect(connectionDetails({ databaseVersion: "MYSQL_8_0", host, connectionName: "p:r:i", password: "p@ss" })).toEqual({
      username: "root",
      engine: "mysql",
      port: "3306",
      host: "192.0.2.7",
      connectionName: "p:r:i",
      password: "p@ss",
      uri: "mysql://root:p%40ss@192.0.2.7:3306/",
    });
    expect(connectionDetails({ databaseVersion: "POSTGRES_16", host: undefined, connectionName: undefined, password: undefined })).toEqual({ username: "postgres", engine: "postgres", port: "5432" });
  });
});
