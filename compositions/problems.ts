// What the compiler reports: where (resource id, field path), what (the expression) and why (the
// checker's words). The same shape goes into a Composition's status and `composition check`.

export interface Problem {
  /** The composed resource's id, when the problem is inside one. */
  readonly resource?: string;
  /** Field path in the composition or definition, e.g. spec.forProvider.origins[0].domainName. */
  readonly path: string;
  readonly expression?: string;
  readonly message: string;
}

/** One line per problem: `resources[cdn] spec.forProvider.comment: ${lb.x}: No such key: x`. */
export function formatProblem(p: Problem): string {
  const where = p.resource ? `resources[${p.resource}] ${p.path}` : p.path;
  return `${where}: ${p.expression !== undefined ? `\${${p.expression}}: ` : ""}${p.message}`;
}
