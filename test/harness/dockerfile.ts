import { execFile } from "node:child_process";
import { cp, mkdir, readFile, readdir, stat, symlink } from "node:fs/promises";
import { basename, dirname, join, matchesGlob, relative } from "node:path";
import { promisify } from "node:util";
import { z } from "zod";

// This machine has a Docker client but no engine, so the image cannot be built here. Instead the
// Dockerfile's own steps are followed in a directory per stage: COPY from the build context (as
// .dockerignore filters it) or from an earlier stage, RUN through `sh -c` with this Node on PATH.
// `npm ci` is the one RUN not executed: it becomes a node_modules of links into the repo's, holding
// only what package-lock.json does not mark dev-only when the step says --omit=dev.

const run = promisify(execFile);

interface Step {
  readonly op: "FROM" | "COPY" | "RUN" | "WORKDIR" | "ENTRYPOINT" | "CMD" | "OTHER";
  readonly args: string;
}

interface Stage {
  readonly name: string | undefined;
  readonly steps: Step[];
}

/** A stage built on disk: `root` stands for the image's `/`. */
export interface BuiltStage {
  readonly root: string;
  readonly workdir: string;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
}

/** The Dockerfile's stages, continuation lines joined and comments dropped. */
export function parseDockerfile(text: string): Stage[] {
  const joined = text.split("\n").filter((l) => !l.trimStart().startsWith("#")).join("\n").replace(/\\\n/g, " ");
  const stages: Stage[] = [];
  for (const line of joined.split("\n").map((l) => l.trim()).filter(Boolean)) {
    const [word = "", ...rest] = line.split(/\s+/);
    const op = word.toUpperCase();
    const args = rest.join(" ");
    if (op === "FROM") stages.push({ name: /\bAS\s+(\S+)/i.exec(args)?.[1], steps: [] });
    const stage = stages.at(-1);
    if (!stage) continue; // ARG before the first FROM
    const known = ["FROM", "COPY", "RUN", "WORKDIR", "ENTRYPOINT", "CMD"] as const;
    stage.steps.push({ op: known.find((k) => k === op) ?? "OTHER", args });
  }
  return stages;
}

/** .dockerignore's verdict for a context path: the last pattern that matches it or a parent decides. */
export function dockerignore(text: string): (path: string) => boolean {
  const patterns = text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  return (path) => {
    const parts = path.split("/");
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
    let included = true;
    for (const raw of patterns) {
      const negated = raw.startsWith("!");
      const pattern = (negated ? raw.slice(1) : raw).replace(/\/$/, "");
      if (prefixes.some((p) => matchesGlob(p, pattern))) included = negated;
    }
    return included;
  };
}

const LockShape = z.object({ packages: z.record(z.string(), z.object({ dev: z.boolean().optional() })) });

/** What `npm ci [--omit=dev]` would leave in `target`: links to the repo's installed packages. */
async function installDeps(repo: string, target: string, omitDev: boolean): Promise<void> {
  const lock = LockShape.parse(JSON.parse(await readFile(join(repo, "package-lock.json"), "utf8")));
  for (const [path, entry] of Object.entries(lock.packages)) {
    // Only top-level packages: nested node_modules come with their parent's directory.
    if (!/^node_modules\/(@[^/]+\/)?[^/@][^/]*$/.test(path) || (omitDev && entry.dev)) continue;
    const to = join(target, path);
    await mkdir(dirname(to), { recursive: true });
    await symlink(join(repo, path), to);
  }
}

async function copyFromContext(repo: string, included: (path: string) => boolean, src: string, dest: string): Promise<void> {
  const from = join(repo, src);
  if (!(await stat(from)).isDirectory()) {
    if (!included(src)) throw new Error(`COPY ${src}: excluded by .dockerignore`);
    await mkdir(dirname(dest), { recursive: true });
    await cp(from, dest);
    return;
  }
  let copied = 0;
  for (const entry of await readdir(from, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const rel = relative(repo, join(entry.parentPath, entry.name));
    if (!included(rel)) continue;
    await mkdir(join(dest, relative(src, dirname(rel))), { recursive: true });
    await cp(join(repo, rel), join(dest, relative(src, rel)));
    copied++;
  }
  if (copied === 0) throw new Error(`COPY ${src}: nothing left of it after .dockerignore`);
}

/** JSON-array (exec) form of ENTRYPOINT/CMD. */
const execForm = (args: string): string[] => z.array(z.string()).parse(JSON.parse(args));

interface Building {
  readonly repo: string;
  readonly included: (path: string) => boolean;
  readonly built: ReadonlyMap<string, BuiltStage>;
  readonly root: string;
  workdir: string;
  entrypoint: string[];
  cmd: string[];
}

/** COPY [--from=stage] src... dest, relative to the stage's WORKDIR; a dest ending in / takes each source by name. */
async function copyStep(b: Building, args: string): Promise<void> {
  const words = args.split(/\s+/);
  const fromStage = /^--from=(.+)$/.exec(words[0] ?? "")?.[1];
  const paths = fromStage ? words.slice(1) : words;
  const dest = paths.at(-1) ?? ".";
  const target = dest.startsWith("/") ? join(b.root, dest) : join(b.root, b.workdir, dest);
  const source = fromStage ? b.built.get(fromStage) : undefined;
  if (fromStage && !source) throw new Error(`COPY --from=${fromStage}: no such stage before it`);
  for (const src of paths.slice(0, -1)) {
    const into = dest.endsWith("/") ? join(target, basename(src)) : target;
    if (source) await cp(join(source.root, src), into, { recursive: true, verbatimSymlinks: true });
    else await copyFromContext(b.repo, b.included, src, into);
  }
}

async function runStep(b: Building, args: string): Promise<void> {
  const here = join(b.root, b.workdir);
  if (/^npm ci\b/.test(args)) return installDeps(b.repo, here, /--omit=dev/.test(args));
  await run("sh", ["-c", args], { cwd: here, env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}` } });
}

async function applyStep(b: Building, step: Step): Promise<void> {
  switch (step.op) {
    case "WORKDIR":
      b.workdir = step.args;
      await mkdir(join(b.root, b.workdir), { recursive: true });
      return;
    case "COPY":
      return copyStep(b, step.args);
    case "RUN":
      return runStep(b, step.args);
    case "ENTRYPOINT":
      b.entrypoint = execForm(step.args);
      return;
    case "CMD":
      b.cmd = execForm(step.args);
      return;
    default:
      return; // FROM, ENV, USER, EXPOSE, ARG: nothing to do on disk
  }
}

/** Builds every stage of `dockerfile` under `out` and returns the last one (the image). */
export async function followDockerfile(repo: string, out: string, dockerfile = "Dockerfile"): Promise<BuiltStage> {
  const stages = parseDockerfile(await readFile(join(repo, dockerfile), "utf8"));
  const included = dockerignore(await readFile(join(repo, ".dockerignore"), "utf8").catch(() => ""));
  const built = new Map<string, BuiltStage>();
  let last: BuiltStage | undefined;
  for (const [index, stage] of stages.entries()) {
    const b: Building = { repo, included, built, root: join(out, stage.name ?? `stage-${index}`), workdir: "/", entrypoint: [], cmd: [] };
    await mkdir(b.root, { recursive: true });
    for (const step of stage.steps) await applyStep(b, step);
    last = { root: b.root, workdir: b.workdir, entrypoint: b.entrypoint, cmd: b.cmd };
    if (stage.name) built.set(stage.name, last);
  }
  if (!last) throw new Error(`${dockerfile}: no FROM`);
  return last;
}
