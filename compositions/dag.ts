// The order of composed resources comes from their references, never from hand-numbered levels
// (as kro's pkg/graph/dag): each node names the nodes it reads, a topological sort gives waves
// (a wave's resources depend only on earlier waves), and a cycle is an error that names it.

/** A node and the ids it depends on, in declaration order. */
export interface DagNode {
  readonly id: string;
  readonly dependsOn: readonly string[];
}

const BRAND = Symbol.for("terraplane.CycleError");

/** The dependency graph has a cycle; `cycle` lists it from a node back to itself (a → b → a). */
export class CycleError extends Error {
  readonly [BRAND] = true;
  readonly cycle: readonly string[];

  constructor(cycle: readonly string[]) {
    super(`reference cycle: ${cycle.join(" → ")}`);
    this.name = "CycleError";
    this.cycle = cycle;
  }
}

export function isCycleError(err: unknown): err is CycleError {
  return typeof err === "object" && err !== null && BRAND in err;
}

/**
 * The waves of a DAG: wave 0 holds the nodes with no dependencies, wave n those whose dependencies
 * are all in earlier waves; inside a wave, declaration order. Dependencies on unknown ids are
 * ignored (the checker reports them). Throws CycleError.
 */
export function waves(nodes: readonly DagNode[]): string[][] {
  const known = new Set(nodes.map((n) => n.id));
  const wave = new Map<string, number>();
  const result: string[][] = [];
  let remaining = [...nodes];
  while (remaining.length > 0) {
    const level = result.length;
    const ready = remaining.filter((n) => n.dependsOn.every((d) => !known.has(d) || (wave.get(d) ?? level) < level));
    if (ready.length === 0) throw new CycleError(findCycle(remaining));
    for (const n of ready) wave.set(n.id, level);
    result.push(ready.map((n) => n.id));
    remaining = remaining.filter((n) => !wave.has(n.id));
  }
  return result;
}

/** The wave of every node, by id. */
export function waveIndex(order: readonly (readonly string[])[]): Map<string, number> {
  const index = new Map<string, number>();
  order.forEach((ids, i) => ids.forEach((id) => index.set(id, i)));
  return index;
}

/** A cycle among nodes that could not be ordered: a depth-first walk until a node repeats. */
function findCycle(nodes: readonly DagNode[]): string[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const [start] = nodes;
  if (!start) return [];
  const path: string[] = [];
  let current: DagNode | undefined = start;
  while (current && !path.includes(current.id)) {
    path.push(current.id);
    current = current.dependsOn.map((d) => byId.get(d)).find((n) => n !== undefined);
  }
  if (!current) return path;
  return [...path.slice(path.indexOf(current.id)), current.id];
}
