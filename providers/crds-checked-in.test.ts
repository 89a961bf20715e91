import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkCrdsFresh } from "../core/crd/files.ts";
import { assertStructural } from "../core/crd/structural.ts";
import { allCrds } from "./index.ts";

const CRDS_DIR = fileURLToPath(new URL("../crds", import.meta.url));

describe("checked-in CRDs", () => {
  it("match what the zod schemas generate (run `make crds` after changing a schema)", async () => {
    expect(await checkCrdsFresh(CRDS_DIR, allCrds())).toEqual([]);
  });

  it("are all structural", () => {
    for (const crd of allCrds()) for (const version of crd.spec.versions) assertStructural(version.schema.openAPIV3Schema);
  });
});
