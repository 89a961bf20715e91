import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { allCrds } from "../../providers/index.ts";
import { repoRoot } from "../../sandbox/launcher/paths.ts";
import { assertStructural } from "./structural.ts";
import { checkCrdsFresh } from "./files.ts";

describe("checked-in CRDs", () => {
  it("match what the zod schemas generate (run `make crds` after changing a schema)", async () => {
    expect(await checkCrdsFresh(join(repoRoot, "crds"), allCrds())).toEqual([]);
  });

  it("are all structural", () => {
    for (const crd of allCrds()) for (const version of crd.spec.versions) assertStructural(version.schema.openAPIV3Schema);
  });
});
