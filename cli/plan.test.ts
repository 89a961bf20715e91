import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// `terraplane plan` and `adopt` as a user runs them, for what needs no cluster: bad input is
// refused with exit code 1 and a message naming the file and the problem.

const MAIN = new URL("./main.ts", import.meta.url).pathname;

function cli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // An empty kubeconfig: nothing here may reach a cluster.
  const env = { ...process.env, KUBECONFIG: "/dev/null" };
  return new Promise((done) => {
    execFile(process.execPath, ["--disable-warning=ExperimentalWarning", MAIN, ...args], { env }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe("terraplane plan / adopt: input errors", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "plan-cli-"));
    await writeFile(join(dir, "broken.yaml"), "apiVersion: aws.terraplane.dev/v1alpha1\nkind: Database\nmetadata: {name: [unclosed\n");
    await writeFile(join(dir, "nokind.yaml"), "apiVersion: v1\nmetadata:\n  name: x\n");
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const cases: Record<string, { args: (dir: string) => string[]; want: RegExp }> = {
    "invalid YAML names the file and document": { args: (d) => ["plan", "-f", join(d, "broken.yaml")], want: /broken\.yaml: document 1 is not valid YAML/ },
    "a document without kind names the file": { args: (d) => ["plan", "-f", join(d, "nokind.yaml")], want: /nokind\.yaml: document 1: .*kind is missing/ },
    "a missing path": { args: (d) => ["plan", "-f", join(d, "absent.yaml")], want: /absent\.yaml: cannot read/ },
    "-f with -A": { args: (d) => ["plan", "-f", join(d, "nokind.yaml"), "-A"], want: /give either -f or/ },
    "adopt without a target": { args: () => ["adopt"], want: /name what to adopt/ },
  };
  it.each(Object.entries(cases))("%s", async (_n, c) => {
    const run = await cli(c.args(dir));
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(c.want);
  });
});
