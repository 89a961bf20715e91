// Kubernetes checks CRD `pattern`s with Go's regexp package (RE2 syntax), while zod checks them
// with JavaScript's RegExp. RE2 has no lookaround and no backreferences, and a few JavaScript
// escapes mean something else (or nothing) in Go. A pattern that uses them would be rejected by the
// API server, or worse, accepted with a different meaning, so we refuse it with the reason.

/** Why `pattern` cannot be used in a CRD (RE2), or undefined when it is safe. */
export function re2Problem(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
  } catch (err) {
    return `not a valid regular expression: ${err instanceof Error ? err.message : String(err)}`;
  }
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === "\\") {
      const problem = escapeProblem(pattern, i, false);
      if (problem) return problem;
      i += 2;
    } else if (c === "[") {
      const end = classEnd(pattern, i);
      if (typeof end === "string") return end;
      i = end;
    } else if (c === "(") {
      const problem = groupProblem(pattern, i);
      if (problem) return problem;
      i += 1;
    } else {
      i += 1;
    }
  }
  return undefined;
}

function escapeProblem(pattern: string, at: number, inClass: boolean): string | undefined {
  const next = pattern[at + 1] ?? "";
  if (!inClass && /[1-9]/.test(next)) return `backreference "\\${next}" is not supported by RE2`;
  if (next === "k" && pattern[at + 2] === "<") return `named backreference "\\k<...>" is not supported by RE2`;
  if (next === "u") return `"\\u" escapes are not supported by RE2: write the character itself, or "\\x{...}"`;
  if (next === "c") return `control escapes "\\c" are not supported by RE2`;
  return undefined;
}

/** The index just past the character class opening at `at`, or the problem with it. */
function classEnd(pattern: string, at: number): number | string {
  let i = at + 1;
  if (pattern[i] === "^") i += 1;
  if (pattern[i] === "]") return `"[]" and "[^]" mean different things in JavaScript and RE2: write the class another way`;
  while (i < pattern.length && pattern[i] !== "]") {
    if (pattern[i] === "\\") {
      const problem = escapeProblem(pattern, i, true);
      if (problem) return problem;
      i += 2;
    } else {
      i += 1;
    }
  }
  return i + 1;
}

function groupProblem(pattern: string, at: number): string | undefined {
  if (pattern[at + 1] !== "?") return undefined;
  const head = pattern.slice(at + 2, at + 4);
  if (head.startsWith("=") || head.startsWith("!")) return `lookahead "(?${head[0] ?? ""}" is not supported by RE2`;
  if (head === "<=" || head === "<!") return `lookbehind "(?${head}" is not supported by RE2`;
  return undefined;
}
