import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { waves, CycleError } from "./graph.ts";

// The structure of the house, checked on every run: imports form no cycle anywhere, core/ stands on
// nothing above it (providers, the CLI, the sandbox), and nothing stands on the CLI, which sits on top.

const root = fileURLToPath(new URL("..", import.meta.url));

/** Every TypeScript file git knows (tracked, or new and not ignored), relative to the repository. */
function sourceFiles(): string[] {
  const out = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts"], { cwd: root, encoding: "utf8" });
  return out.split("\n").filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !f.startsWith("sandbox/controlplane/"));
}

/** The repository files a file imports (relative specifiers only: packages are not part of the house). */
function importsOf(file: string, known: ReadonlySet<string>): string[] {
  const info = ts.preProcessFile(readFileSync(join(root, file), "utf8"), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((name) => name.startsWith("."))
    .map((name) => normalize(join(dirname(file), name)))
    .filter((target) => known.has(target));
}

const files = sourceFiles();
const known = new Set(files);
const graph = new Map(files.map((f) => [f, importsOf(f, known)]));

const top = (file: string): string => file.split("/")[0] ?? file;

describe("structure", () => {
  it("reads the house", () => {
    expect(files.length).toBeGreaterThan(100);
    expect(graph.get("core/reconciler.ts")).toContain("core/provider.ts");
  });

  it("has no import cycles", () => {
    let cycle: readonly string[] = [];
    try {
      waves(graph);
    } catch (err) {
      if (!(err instanceof CycleError)) throw err;
      cycle = err.cycle;
    }
    expect(cycle, `import cycle: ${cycle.join(" → ")}`).toEqual([]);
  });

  it("keeps core/ below providers/, cli/ and sandbox/", () => {
    const upward = [...graph].flatMap(([file, deps]) => (top(file) === "core" ? deps.filter((d) => ["providers", "cli", "sandbox"].includes(top(d))).map((d) => `${file} → ${d}`) : []));
    expect(upward).toEqual([]);
  });

  it("lets nothing import cli/ but cli/ itself", () => {
    const intoCli = [...graph].flatMap(([file, deps]) => (top(file) === "cli" ? [] : deps.filter((d) => top(d) === "cli").map((d) => `${file} → ${d}`)));
    expect(intoCli).toEqual([]);
  });

  it("finds a cycle when there is one (the check itself works)", () => {
    const withCycle = new Map(graph);
    withCycle.set("core/provider.ts", [...(graph.get("core/provider.ts") ?? []), "core/reconciler.ts"]);
    expect(() => waves(withCycle)).toThrow(CycleError);
  });
});
