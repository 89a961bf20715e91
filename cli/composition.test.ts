import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it, vi } from "vitest";

// The CLI as users run it: bin/terraplane as a child process.
const run = promisify(execFile);
const root = join(import.meta.dirname, "..");
const bin = join(root, "bin", "terraplane");

async function terraplane(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(bin, args, { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

// Each test starts Node and loads every provider: allow more than the 5 s default on a busy machine.
vi.setConfig({ testTimeout: 30_000 });

describe("terraplane composition check", () => {
  it("accepts the catalog (exit 0)", async () => {
    const r = await terraplane("composition", "check", "compositions/catalog");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Composition webstack-aws: accepted \(revision [0-9a-f]{12}; waves: db lb → cdn\)/);
    expect(r.stdout).toMatch(/Composition webstack-gcp: accepted/);
  });

  it("exits 1 naming the file, resource, field path, expression and the checker's words", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tp-check-"));
    const bad = (await readFile(join(root, "compositions/catalog/webstack/aws.yaml"), "utf8")).replace("${lb.status.atProvider.dnsName}\n", "${lb.status.atProvider.dnsNam}\n");
    await writeFile(join(dir, "bad.yaml"), bad);
    const r = await terraplane("composition", "check", join(dir, "bad.yaml"));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(dir, "bad.yaml")}: Composition webstack-aws: resources[cdn] spec.forProvider.origins[0].domainName: \${lb.status.atProvider.dnsNam}: No such key: dnsNam`);
  });
});

describe("terraplane render", () => {
  it("prints the manifests in apply order and the status the instance would get", async () => {
    const r = await terraplane("render", "examples/compositions/webstack-aws.composite.yaml");
    expect(r.code).toBe(0);
    const order = [...r.stdout.matchAll(/^# wave (\d): (\w+)/gm)].map((m) => `${m[1]}:${m[2]}`);
    expect(order).toEqual(["0:db", "0:lb", "1:cdn"]);
    expect(r.stdout).toContain("composition webstack-aws");
    expect(r.stdout).toContain("not rendered (waiting): waiting for lb.status.atProvider.dnsName");
    expect(r.stdout).toMatch(/reason: Waiting/);
  });

  it("with --observed, renders the CDN from the observed load balancer", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tp-observed-"));
    await writeFile(
      join(dir, "lb.yaml"),
      "apiVersion: aws.terraplane.dev/v1alpha1\nkind: LoadBalancer\nmetadata: { name: shop-lb, namespace: default }\nspec: { forProvider: { region: us-east-1, subnets: [subnet-1] } }\n" +
        "status: { atProvider: { dnsName: shop-lb.elb.example }, conditions: [{ type: Ready, status: 'True', reason: Available, lastTransitionTime: '2026-01-01T00:00:00Z' }] }\n",
    );
    const r = await terraplane("render", "examples/compositions/webstack-gcp.composite.yaml", "--observed", dir);
    expect(r.code).toBe(0);
    const aws = await terraplane("render", "examples/compositions/webstack-aws.composite.yaml", "--observed", dir);
    expect(aws.stdout).toContain("domainName: shop-lb.elb.example");
    expect(aws.stdout).toMatch(/# wave 1: cdn \(aws.terraplane.dev\/v1alpha1 CDN shop-cdn\)\napiVersion/);
  });
});
