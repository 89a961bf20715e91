import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureFiles, SHARED_FIXTURES } from "../migrate/terraform/_fixtures.ts";
import { allCrds } from "../providers/index.ts";
import { kubectl, testNamespace } from "./harness/kube.ts";
import { applyCrds } from "./harness/managed.ts";

// `terraplane import terraform` end to end: the real CLI on every fixture state (the shared real
// ones and migrate/terraform/testdata), each generated manifest judged by the real API server
// (schema and CEL rules) with a server-side dry run, and bad input refused with exit code 1 and
// a message naming the file.

const MAIN = new URL("../cli/main.ts", import.meta.url).pathname;

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(args: readonly string[], input?: string): Promise<CliResult> {
  return new Promise((resolveRun) => {
    const child = execFile(process.execPath, ["--disable-warning=ExperimentalWarning", MAIN, ...args], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolveRun({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

const REFUSED = new Set(["inframap-v3-legacy.tfstate.json", "terraformer-v3-aws_db_instance.tfstate", "terraform-validator-global_forwarding_rule.tfplan.json"]);
const STATES = fixtureFiles().filter((f) => !REFUSED.has(basename(f)));

describe("terraplane import terraform", () => {
  let ns: { name: string; cleanup: () => Promise<void> };
  let out: string;
  beforeAll(async () => {
    await applyCrds(allCrds());
    ns = await testNamespace("tfimport");
    out = await mkdtemp(join(tmpdir(), "tfimport-"));
  });
  afterAll(async () => {
    await ns.cleanup();
    await rm(out, { recursive: true, force: true });
  });

  it.each(STATES.map((f) => [basename(f), f] as const))("%s: every manifest passes kubectl apply --dry-run=server", async (name, file) => {
    const dir = join(out, name);
    const run = await cli(["import", "terraform", file, "-n", ns.name, "-o", dir]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`terraplane import terraform: ${file}`);
    const files = (await readdir(dir).catch(() => [])).sort();
    const mapped = Number(/mapped ([0-9]+) manifest/.exec(run.stderr)?.[1] ?? "-1");
    expect(files.length).toBe(mapped);
    for (const f of files) {
      const manifest = await readFile(join(dir, f), "utf8");
      const applied = await kubectl(["apply", "--dry-run=server", "-f", "-"], manifest);
      expect(applied.code, `${name} ${f}: ${applied.stderr}`).toBe(0);
      expect(applied.stdout).toMatch(/created \(server dry run\)/);
    }
  });

  it("the YAML stream from stdin applies as a whole", async () => {
    const state = await readFile(join(SHARED_FIXTURES, "otus-alex-k812-gcp-http-lb.tfstate"), "utf8");
    const run = await cli(["import", "terraform", "-", "-n", ns.name, "--provider-config", "ProviderConfig/gcp-team"], state);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("stdin (state format version 4");
    const applied = await kubectl(["apply", "--dry-run=server", "-f", "-"], run.stdout);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain("loadbalancer.gcp.terraplane.dev/http created (server dry run)");
  });

  const refusals: Record<string, { file: string; want: RegExp }> = {
    "a version 3 state": { file: "inframap-v3-legacy.tfstate.json", want: /state format version 3 is not supported/ },
    "a plan file": { file: "terraform-validator-global_forwarding_rule.tfplan.json", want: /this is a plan/ },
  };
  it.each(Object.entries(refusals))("refuses %s with exit code 1, naming the file", async (_n, c) => {
    const file = join(SHARED_FIXTURES, c.file);
    const run = await cli(["import", "terraform", file]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(`terraplane: ${file}: `);
    expect(run.stderr).toMatch(c.want);
  });

  it("refuses truncated JSON on stdin", async () => {
    const run = await cli(["import", "terraform", "-"], '{"version": 4, "resources": [');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^terraplane: stdin: not valid JSON .*truncated/m);
  });
});
