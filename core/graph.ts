// Dependency order computed from what each node says it depends on (as kro's graph does), never
// hand-numbered levels: the waves of a topological sort, and a cycle named when there is one.

export class CycleError extends Error {
  /** The nodes of one cycle, in order, the first repeated at the end. */
  readonly cycle: readonly string[];

  constructor(cycle: readonly string[]) {
    super(`dependency cycle: ${cycle.join(" → ")}`);
    this.name = "CycleError";
    this.cycle = cycle;
  }
}

export class UnknownDependencyError extends Error {
  readonly node: string;
  readonly dependency: string;

  constructor(node: string, dependency: string) {
    super(`"${node}" depends on "${dependency}", which does not exist`);
    this.name = "UnknownDependencyError";
    this.node = node;
    this.dependency = dependency;
  }
}

/**
 * Groups nodes into waves: every node's dependencies are in earlier waves, and each wave holds every
 * node whose dependencies are all met (so a wave's nodes can be acted on together). Within a wave,
 * nodes keep the order they were given in. Throws CycleError naming a cycle, or
 * UnknownDependencyError for a dependency that is not a node.
 */
export function waves(dependsOn: ReadonlyMap<string, readonly string[]>): string[][] {
  for (const [node, deps] of dependsOn) {
    for (const dep of deps) if (!dependsOn.has(dep)) throw new UnknownDependencyError(node, dep);
  }
  const placed = new Set<string>();
  const result: string[][] = [];
  while (placed.size < dependsOn.size) {
    const wave = [...dependsOn].filter(([node, deps]) => !placed.has(node) && deps.every((d) => placed.has(d))).map(([node]) => node);
    if (wave.length === 0) throw new CycleError(findCycle(dependsOn, placed));
    for (const node of wave) placed.add(node);
    result.push(wave);
  }
  return result;
}

/** Walks dependencies from an unplaced node until one repeats: that stretch is a cycle. */
function findCycle(dependsOn: ReadonlyMap<string, readonly string[]>, placed: ReadonlySet<string>): string[] {
  const start = [...dependsOn.keys()].find((n) => !placed.has(n)) ?? "";
  const path: string[] = [];
  let node = start;
  while (!path.includes(node)) {
    path.push(node);
    node = (dependsOn.get(node) ?? []).find((d) => !placed.has(d)) ?? start;
  }
  return [...path.slice(path.indexOf(node)), node];
}
