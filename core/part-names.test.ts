import { describe, expect, it } from "vitest";
import { errorClassOf } from "./errors.ts";
import { checkedPartNames, partNames } from "./part-names.ts";
import type { PartNameRules } from "./part-names.ts";
import type { Managed } from "./provider.ts";

// The terraplane.dev/external-names annotation as the composite kinds read it: a JSON object of
// part key → cloud name, every mistake a terminal error that names it.

function mr(raw: string | undefined): Managed {
  return {
    kind: "LoadBalancer",
    metadata: { name: "shop", namespace: "web", uid: "u-1", annotations: raw === undefined ? {} : { "terraplane.dev/external-names": raw } },
    spec: { forProvider: {}, managementPolicies: ["*"], providerConfigRef: { kind: "ProviderConfig", name: "default" } },
  };
}

const RULES: PartNameRules = {
  kind: "LoadBalancer",
  isKey: (key) => key === "urlMap" || /^backendServices\[[a-z]+\]$/.test(key),
  keys: ["urlMap", "backendServices[<key>]"],
  nameProblem: (name) => (/^[a-z][-a-z0-9]*$/.test(name) ? undefined : "not lower-case"),
};

describe("partNames", () => {
  it.each([
    [undefined, {}],
    ["", {}],
    ["  ", {}],
    ["{}", {}],
    ['{"urlMap":"tf-um","backendServices[web]":"tf-web"}', { urlMap: "tf-um", "backendServices[web]": "tf-web" }],
  ])("%j → %j", (raw, want) => expect(Object.fromEntries(partNames(mr(raw)))).toEqual(want));

  it.each([
    ["{urlMap", "not JSON"],
    ["[]", "expected a JSON object from part key to cloud name"],
    ['"tf-um"', "expected a JSON object from part key to cloud name"],
    ["null", "expected a JSON object from part key to cloud name"],
    ['{"urlMap": 3}', 'the name of part "urlMap" must be a non-empty string'],
    ['{"urlMap": ""}', 'the name of part "urlMap" must be a non-empty string'],
  ])("refuses %s: %s", (raw, message) => {
    const err = (() => {
      try {
        partNames(mr(raw));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(errorClassOf(err)).toBe("InvalidParameter");
    expect(String(err)).toContain(`annotation terraplane.dev/external-names: ${message}`);
  });
});

describe("checkedPartNames", () => {
  it("accepts the kind's keys with valid names", () => {
    expect(Object.fromEntries(checkedPartNames(mr('{"backendServices[api]":"tf-api"}'), RULES))).toEqual({ "backendServices[api]": "tf-api" });
  });

  it("refuses a key that is not a part of the kind, listing the parts", () => {
    expect(() => checkedPartNames(mr('{"hc":"tf-hc"}'), RULES)).toThrow('"hc" is not a part of this LoadBalancer; its parts are urlMap, backendServices[<key>]');
  });

  it("refuses a name the cloud would refuse, saying why", () => {
    expect(() => checkedPartNames(mr('{"urlMap":"TF_UM"}'), RULES)).toThrow('"TF_UM" (for urlMap) cannot be its name: not lower-case');
  });
});
