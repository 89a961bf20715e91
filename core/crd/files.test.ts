import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sampleKind } from "./_sample.ts";
import { checkCrdsFresh, crdFileName, writeCrds } from "./files.ts";
import { GENERATED_HEADER, managedCrd, toYaml } from "./generate.ts";

const aws = managedCrd(sampleKind("aws.terraplane.dev"));
const gcp = managedCrd(sampleKind("gcp.terraplane.dev"));

describe("writeCrds / checkCrdsFresh", () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "crds-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes one file per CRD, named <group>_<plural>.yaml, and is then fresh", async () => {
    expect(crdFileName(aws)).toBe("aws.terraplane.dev_disks.yaml");
    const result = await writeCrds(dir, [gcp, aws]);
    expect(result).toStrictEqual({ written: ["aws.terraplane.dev_disks.yaml", "gcp.terraplane.dev_disks.yaml"], unchanged: [], removed: [] });
    expect(await readFile(join(dir, "aws.terraplane.dev_disks.yaml"), "utf8")).toBe(toYaml([aws]));
    expect(await checkCrdsFresh(dir, [aws, gcp])).toStrictEqual([]);
    expect(await writeCrds(dir, [aws, gcp])).toMatchObject({ written: [], removed: [] });
  });

  it("reports missing, stale and extra files, and fixes them on the next write", async () => {
    await writeCrds(dir, [aws, gcp]);
    await writeFile(join(dir, "gcp.terraplane.dev_disks.yaml"), `${GENERATED_HEADER}\n# edited by hand\n`);
    await writeFile(join(dir, "old.terraplane.dev_things.yaml"), `${GENERATED_HEADER}\n---\n{}\n`);
    await writeFile(join(dir, "hand-written.yaml"), "kind: ConfigMap\n");
    const third = managedCrd(sampleKind("azure.terraplane.dev"));
    expect(await checkCrdsFresh(dir, [aws, gcp, third])).toStrictEqual([
      { file: "azure.terraplane.dev_disks.yaml", problem: "missing" },
      { file: "gcp.terraplane.dev_disks.yaml", problem: "stale" },
      { file: "old.terraplane.dev_things.yaml", problem: "extra" },
    ]);
    const result = await writeCrds(dir, [aws, gcp, third]);
    expect(result.removed).toStrictEqual(["old.terraplane.dev_things.yaml"]);
    expect(result.written).toStrictEqual(["azure.terraplane.dev_disks.yaml", "gcp.terraplane.dev_disks.yaml"]);
    expect(await checkCrdsFresh(dir, [aws, gcp, third])).toStrictEqual([]);
    expect((await readdir(dir)).sort()).toContain("hand-written.yaml");
  });

  it("reports everything missing when the directory does not exist", async () => {
    expect(await checkCrdsFresh(join(dir, "nope"), [aws])).toStrictEqual([{ file: "aws.terraplane.dev_disks.yaml", problem: "missing" }]);
  });

  it("never overwrites a file it did not generate", async () => {
    await writeFile(join(dir, "aws.terraplane.dev_disks.yaml"), "# mine\n");
    await expect(writeCrds(dir, [aws])).rejects.toThrow(/exists but was not generated/);
    expect(await checkCrdsFresh(dir, [aws])).toStrictEqual([{ file: "aws.terraplane.dev_disks.yaml", problem: "stale" }]);
  });

  it("refuses two CRDs for one file", async () => {
    await expect(writeCrds(dir, [aws, aws])).rejects.toThrow(/listed twice/);
  });
});
