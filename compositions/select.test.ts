import { describe, expect, it } from "vitest";
import { webstackComposition, webstackDefinition } from "./_catalog.ts";
import { compositionRevision } from "./compile.ts";
import type { Composition } from "./kinds.ts";
import { selectComposition } from "./select.ts";
import type { SelectableInstance } from "./select.ts";

const definition = webstackDefinition();
const aws = webstackComposition("aws");
const gcp = webstackComposition("gcp");
const awsCopy: Composition = { ...structuredClone(aws), metadata: { name: "webstack-aws-2", labels: { "terraplane.dev/cloud": "aws" } } };
const awsV2: Composition = { ...structuredClone(aws), spec: { ...structuredClone(aws.spec), environment: { region: "eu-west-1", subnets: [] } } };

function select(instance: SelectableInstance, compositions: readonly Composition[], archive?: Map<string, Composition>) {
  return selectComposition({ instance, definition, compositions, revisionOf: compositionRevision, ...(archive ? { archive } : {}) });
}
const inst = (spec: Record<string, unknown>, status?: Record<string, unknown>): SelectableInstance => ({ metadata: { name: "shop" }, spec, ...(status ? { status } : {}) });

describe("selectComposition", () => {
  const cases: Record<string, { instance: SelectableInstance; compositions: Composition[]; want: Record<string, unknown>; message?: RegExp }> = {
    byCloudLabel: { instance: inst({ cloud: "gcp" }), compositions: [aws, gcp], want: { ok: true, by: "labels" } },
    byRef: { instance: inst({ cloud: "gcp", compositionRef: { name: "webstack-aws" } }), compositions: [aws, gcp], want: { ok: true, by: "ref" } },
    refNotFound: { instance: inst({ compositionRef: { name: "nope" } }), compositions: [aws, gcp], want: { ok: false, reason: "CompositionNotFound", candidates: ["webstack-aws", "webstack-gcp"] }, message: /names nope.*candidates: webstack-aws, webstack-gcp/ },
    none: { instance: inst({ cloud: "azure" }), compositions: [aws, gcp], want: { ok: false, reason: "NoMatchingComposition" }, message: /terraplane.dev\/cloud=azure; candidates: webstack-aws \(terraplane.dev\/cloud=aws\), webstack-gcp/ },
    several: { instance: inst({ cloud: "aws" }), compositions: [aws, awsCopy, gcp], want: { ok: false, reason: "AmbiguousComposition", candidates: ["webstack-aws", "webstack-aws-2"] }, message: /2 compositions have the labels terraplane.dev\/cloud=aws/ },
    selectorWins: { instance: inst({ cloud: "aws", compositionSelector: { matchLabels: { "terraplane.dev/cloud": "gcp" } } }), compositions: [aws, gcp], want: { ok: true } },
  };
  for (const [name, tc] of Object.entries(cases)) {
    it(name, () => {
      const s = select(tc.instance, tc.compositions);
      expect(s).toMatchObject(tc.want);
      if (tc.message) expect(s.ok ? "" : s.message).toMatch(tc.message);
    });
  }

  it("Automatic reports a change of revision instead of keeping the old one silently", () => {
    const s = select(inst({ cloud: "aws" }, { composition: { name: "webstack-aws", revision: compositionRevision(aws) } }), [awsV2]);
    expect(s).toMatchObject({ ok: true, revision: compositionRevision(awsV2), changedFrom: { name: "webstack-aws", revision: compositionRevision(aws) } });
  });

  it("Manual keeps the recorded revision (from the archive) and names the newer one", () => {
    const recorded = { composition: { name: "webstack-aws", revision: compositionRevision(aws) } };
    const archive = new Map([[`webstack-aws@${compositionRevision(aws)}`, aws]]);
    const s = select(inst({ cloud: "aws", compositionUpdatePolicy: "Manual" }, recorded), [awsV2], archive);
    expect(s).toMatchObject({ ok: true, by: "pinned", revision: compositionRevision(aws), held: { revision: compositionRevision(awsV2) } });
    const held = select(inst({ cloud: "aws", compositionUpdatePolicy: "Manual" }, recorded), [awsV2]);
    expect(held).toMatchObject({ ok: false, reason: "UpdateHeld" });
    const moved = select(inst({ cloud: "aws", compositionUpdatePolicy: "Manual", compositionRevision: compositionRevision(awsV2) }, recorded), [awsV2]);
    expect(moved).toMatchObject({ ok: true, revision: compositionRevision(awsV2) });
  });
});
