import { describe, expect, it } from "vitest";
import { JsonCodec, wantsIntEnums } from "./codec.ts";
import { isApiError } from "./errors.ts";
import { loadClientSchema } from "./proto-schema.ts";

const sql = new JsonCodec(loadClientSchema("@google-cloud/sql"));
const INSTANCE = "google.cloud.sql.v1.DatabaseInstance";

describe("JsonCodec over the Cloud SQL v1 descriptors", () => {
  it("reads enums sent as numbers (what the REST client sends) into names", () => {
    const decoded = sql.decode(INSTANCE, { databaseVersion: 172, settings: { tier: "db-f1-micro", availabilityType: 2, dataDiskSizeGb: 20 } }, "body");
    expect(decoded).toEqual({ databaseVersion: "POSTGRES_15", settings: { tier: "db-f1-micro", availabilityType: "REGIONAL", dataDiskSizeGb: "20" } });
  });

  it("writes enums as numbers only when asked, with the client's own numbers", () => {
    const value = { state: "RUNNABLE", databaseVersion: "MYSQL_8_0", settings: { edition: "ENTERPRISE", settingsVersion: "3" } };
    expect(sql.encode(INSTANCE, value, { intEnums: true })).toEqual({ state: 1, databaseVersion: 20, settings: { edition: 2, settingsVersion: "3" } });
    expect(sql.encode(INSTANCE, value, { intEnums: false })).toEqual(value);
    expect(sql.encode("google.cloud.sql.v1.Operation", { status: "DONE", operationType: "CREATE_USER" }, { intEnums: true })).toEqual({ status: 3, operationType: 19 });
  });

  const rejected: Record<string, unknown> = {
    "an unknown field": { name: "x", nmae: "y" },
    "an unknown enum name": { databaseVersion: "POSTGRES_99" },
    "an unknown enum number": { state: 999 },
    "a non-integer int64": { settings: { dataDiskSizeGb: "ten" } },
    "a scalar where a message goes": { settings: "small" },
  };
  for (const [name, body] of Object.entries(rejected)) {
    it(`rejects ${name} with 400 as Google's front end does`, () => {
      let err: unknown;
      try {
        sql.decode(INSTANCE, body, "body");
      } catch (e) {
        err = e;
      }
      expect(isApiError(err) && err.httpStatus).toBe(400);
    });
  }

  it("treats an emulator response with an unknown field as a bug", () => {
    expect(() => sql.encode(INSTANCE, { enableCdn: true }, { intEnums: false })).toThrow(/emulator bug/);
  });
});

describe("wantsIntEnums", () => {
  it("recognises the parameter the REST transport adds", () => {
    expect(wantsIntEnums(new URLSearchParams("$alt=json%3Benum-encoding=int"))).toBe(true);
    expect(wantsIntEnums(new URLSearchParams("$alt=json"))).toBe(false);
    expect(wantsIntEnums(new URLSearchParams(""))).toBe(false);
  });
});
