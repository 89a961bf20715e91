import { v1 as sql } from "@google-cloud/sql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { googleClientOptions } from "../../providers/gcp/client-options.ts";
import { GcpEmulatorClient, GcpEmulatorControlError } from "./control-client.ts";
import { startGcpEmulator } from "./server.ts";
import type { GcpEmulator } from "./server.ts";

// The emulator in-process, driven by the official Cloud SQL client and the control client.
describe("gcp-emulator server and control API", () => {
  let emulator: GcpEmulator;
  let control: GcpEmulatorClient;
  let instances: sql.SqlInstancesServiceClient;

  beforeAll(async () => {
    emulator = await startGcpEmulator({ operationDelayMs: 0 });
    control = new GcpEmulatorClient(emulator.url);
    instances = new sql.SqlInstancesServiceClient(googleClientOptions({ endpoint: emulator.url, retry: false }));
  });
  afterAll(async () => {
    await instances.close();
    await emulator.close();
  });

  it("finishes operations at once with a zero delay, and a full reset forgets everything", async () => {
    const [op] = await instances.insert({ project: "p", body: { name: "db", settings: { tier: "db-f1-micro" } } });
    expect(op.status).toBe("DONE");
    const [db] = await instances.get({ project: "p", instance: "db" });
    expect(db.state).toBe("RUNNABLE");
    await control.reset();
    const [list] = await instances.list({ project: "p" });
    expect(list.items).toEqual([]);
  });

  it("changes the operation delay globally and per project", async () => {
    await control.setConfig({ operationDelayMs: 5_000 }, "slow");
    expect(await control.config("slow")).toEqual({ operationDelayMs: 5_000 });
    expect(await control.config()).toEqual({ operationDelayMs: 0 });
    const [slow] = await instances.insert({ project: "slow", body: { name: "db", settings: { tier: "db-f1-micro" } } });
    expect(slow.status).toBe("PENDING");
    await control.reset("slow");
    expect(await control.config("slow")).toEqual({ operationDelayMs: 0 });
  });

  it("logs what the clients sent, and rejects a bad control request with 400", async () => {
    await instances.list({ project: "log" });
    const [last] = (await control.requests()).filter((r) => r.path === "/v1/projects/log/instances");
    expect(last).toMatchObject({ method: "GET", intEnums: true, status: 200 });
    await expect(control.setConfig({ operationDelayMs: -1 })).rejects.toBeInstanceOf(GcpEmulatorControlError);
  });
});
