import { describe, expect, it } from "vitest";
import { findLeaks, leakForms } from "./leaks.ts";

const password = "pw-Zq8rT4vNc2Lx9W";
const pem = ["-----BEGIN PRIVATE KEY-----", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj", "MIIEowIBAAKCAQEAyS1h7W9v0Kf1mZq4rT0d7ZxYc2b3N5pQ8sW1eLrA9dF6gH2jK", "-----END PRIVATE KEY-----"].join("\n");

describe("findLeaks", () => {
  const forms: Record<string, string> = {
    raw: `login failed for ${password}`,
    base64: `data: {"password":"${Buffer.from(password).toString("base64")}"}`,
    base64url: Buffer.from(password).toString("base64url"),
    "json-escaped": JSON.stringify({ key: pem }),
    "percent-encoded": `postgres://app:${encodeURIComponent("p@ss/word+x")}@host/db`,
    hex: Buffer.from(password).toString("hex"),
  };
  for (const [form, text] of Object.entries(forms)) {
    it(`finds the ${form} form`, () => {
      const secrets = [{ name: "s", value: form === "json-escaped" ? pem : form === "percent-encoded" ? "p@ss/word+x" : password }];
      const leaks = findLeaks(secrets, [{ place: "log", text }]);
      expect(leaks.map((l) => l.form)).toContain(form);
      expect(leaks.every((l) => l.place === "log" && l.secret === "s")).toBe(true);
    });
  }

  it("finds a slice of a long value cut short", () => {
    const cut = pem.split("\n")[2]?.slice(0, 50) ?? "";
    expect(findLeaks([{ name: "key", value: pem }], [{ place: "event", text: `bad key ${cut}...` }])).toEqual([{ secret: "key", form: "line 2 slice", place: "event" }]);
  });

  it("finds nothing in text without the secret, and names the place of each leak", () => {
    const haystacks = [
      { place: "clean", text: "password: [redacted]" },
      { place: "dirty", text: password },
    ];
    expect(findLeaks([{ name: "s", value: password }], haystacks)).toEqual([{ secret: "s", form: "raw", place: "dirty" }]);
  });

  it("refuses a secret too short to scan for", () => {
    expect(() => findLeaks([{ name: "short", value: "abc" }], [])).toThrow(/shorter than 8/);
  });

  it("drops forms too short to be distinctive and never slices the PEM armour", () => {
    const f = leakForms(pem);
    expect([...f.values()].every((n) => n.length >= 8)).toBe(true);
    expect([...f.values()].some((n) => n.startsWith("-----BEGIN") && n.length === 40)).toBe(false);
    expect(f.get("line 1 slice")).toBe("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSj");
  });
});
