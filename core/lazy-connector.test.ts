import { describe, expect, it } from "vitest";
import { lazyConnector } from "./lazy-connector.ts";
import type { ConnectContext, Connector, ExternalClient, Managed } from "./provider.ts";

const mr = { metadata: { name: "a", namespace: "ns" }, spec: { forProvider: {}, managementPolicies: ["*"], providerConfigRef: { kind: "ClusterProviderConfig", name: "default" } } } satisfies Managed;
const ctx: ConnectContext = { providerConfig: async () => ({}), secretValue: async () => "", signal: new AbortController().signal };
const client: ExternalClient = { observe: async () => ({ exists: false }), create: async () => ({}), update: async () => ({}), delete: async () => ({}) };

describe("lazyConnector", () => {
  it("loads once, on the first connect, and forgets through the loaded connector", async () => {
    const forgotten: string[] = [];
    let loads = 0;
    const lazy = lazyConnector(async (): Promise<Connector> => {
      loads++;
      return { connect: async () => client, forget: (uid) => void forgotten.push(uid) };
    });
    lazy.forget?.("before-load");
    expect(loads).toBe(0);
    await Promise.all([lazy.connect(mr, ctx), lazy.connect(mr, ctx)]);
    expect(loads).toBe(1);
    lazy.forget?.("u1");
    expect(forgotten).toEqual(["u1"]);
  });

  it("tries a failed load again", async () => {
    let attempts = 0;
    const lazy = lazyConnector(async (): Promise<Connector> => {
      if (++attempts === 1) throw new Error("module not found");
      return { connect: async () => client };
    });
    await expect(lazy.connect(mr, ctx)).rejects.toThrow("module not found");
    await expect(lazy.connect(mr, ctx)).resolves.toBe(client);
  });
});
