// The `filter` of list calls, in the subset the clients and the provider use:
//   compute:   name = "web-*"   name != x   name eq 'web-.*'   name ne x   (a = b) (c = d)   a = b AND c = d
//   sqladmin:  state:RUNNABLE   settings.userLabels.env:prod
// `=`, `!=` and `:` compare literally (`*` is a wildcard); `eq` / `ne` match a whole-string regular
// expression, as compute documents. Anything else (OR, functions) is refused, not half-handled.
import { ApiError } from "./errors.ts";
import { isJsonObject } from "./json.ts";
import type { Json, JsonObject } from "./json.ts";

export type Predicate = (resource: JsonObject) => boolean;

const TERM = /^\s*(\()?\s*([A-Za-z_][\w.]*)\s*(!=|=|:|\beq\b|\bne\b)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s()]+)\s*(\))?\s*/;
const AND = /^\s*AND\s+/;

/** A predicate for the filter expression; everything passes an empty one. 400 if unsupported. */
export function parseFilter(expression: string | null | undefined): Predicate {
  const text = (expression ?? "").trim();
  if (text === "") return () => true;
  const terms: Predicate[] = [];
  let rest = text;
  while (rest.trim() !== "") {
    const m = TERM.exec(rest);
    if (m === null || (m[1] === undefined) !== (m[5] === undefined)) throw invalidFilter(text);
    const [, , field = "", op = "", rawValue = ""] = m;
    terms.push(term(field, op, unquote(rawValue), text));
    rest = rest.slice(m[0].length).replace(AND, "");
  }
  return (resource) => terms.every((t) => t(resource));
}

function invalidFilter(text: string): ApiError {
  return new ApiError(400, "invalid", `Invalid list filter expression '${text}'.`);
}

function unquote(raw: string): string {
  const quote = raw[0];
  if ((quote === '"' || quote === "'") && raw.endsWith(quote) && raw.length >= 2) return raw.slice(1, -1).replace(/\\(.)/g, "$1");
  return raw;
}

function term(field: string, op: string, value: string, text: string): Predicate {
  const matches = op === "eq" || op === "ne" ? regexMatcher(value, text) : globMatcher(value);
  const negate = op === "!=" || op === "ne";
  return (resource) => {
    const found = valuesAt(resource, field.split(".")).some(matches);
    return negate ? !found : found;
  };
}

function regexMatcher(pattern: string, text: string): (s: string) => boolean {
  try {
    const re = new RegExp(`^(?:${pattern})$`);
    return (s) => re.test(s);
  } catch {
    throw invalidFilter(text);
  }
}

function globMatcher(glob: string): (s: string) => boolean {
  if (!glob.includes("*")) return (s) => s === glob;
  const re = new RegExp(`^${glob.split("*").map(escapeRegExp).join(".*")}$`);
  return (s) => re.test(s);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// Scalars at a dotted path, looking through lists (a list field matches if any element does).
function valuesAt(value: Json | undefined, path: readonly string[]): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap((v) => valuesAt(v, path));
  const [head, ...tail] = path;
  if (head === undefined) return isJsonObject(value) ? [] : [String(value)];
  return isJsonObject(value) ? valuesAt(value[head], tail) : [];
}
