import { parse } from "@marcbachmann/cel-js";
import type { ASTNode } from "@marcbachmann/cel-js";
import { isRecord } from "./cel-types.ts";

// Template values: a string is a literal, one whole expression "${lb.status.atProvider.dnsName}"
// (the value takes the expression's type), or an interpolation "https://${cdn...}/" (a string).
// "$${" writes a literal "${". References are read from the parsed CEL, never from the text.

export type Part = { readonly text: string } | { readonly expression: string };

export type TemplateString =
  | { readonly kind: "literal"; readonly value: string }
  | { readonly kind: "expression"; readonly expression: string }
  | { readonly kind: "interpolation"; readonly parts: readonly Part[] };

const BRAND = Symbol.for("terraplane.TemplateSyntaxError");

/** A `${` without its `}`. */
export class TemplateSyntaxError extends Error {
  readonly [BRAND] = true;
  constructor(message: string) {
    super(message);
    this.name = "TemplateSyntaxError";
  }
}

export function isTemplateSyntaxError(err: unknown): err is TemplateSyntaxError {
  return typeof err === "object" && err !== null && BRAND in err;
}

/** Splits a template string into literal text and `${...}` expressions. */
export function parseTemplateString(value: string): TemplateString {
  const parts: Part[] = [];
  let text = "";
  let i = 0;
  while (i < value.length) {
    if (value.startsWith("$${", i)) {
      text += "${";
      i += 3;
    } else if (value.startsWith("${", i)) {
      const end = closingBrace(value, i + 2);
      if (text) parts.push({ text });
      text = "";
      parts.push({ expression: value.slice(i + 2, end).trim() });
      i = end + 1;
    } else {
      text += value[i];
      i += 1;
    }
  }
  if (text) parts.push({ text });
  const [only] = parts;
  if (parts.length === 1 && only && "expression" in only) return { kind: "expression", expression: only.expression };
  if (parts.every((p) => "text" in p)) return { kind: "literal", value: parts.map((p) => ("text" in p ? p.text : "")).join("") };
  return { kind: "interpolation", parts };
}

/** The index of the `}` closing an expression that starts at `from`, skipping CEL strings and map literals. */
function closingBrace(value: string, from: number): number {
  let depth = 1;
  let quote: string | undefined;
  for (let i = from; i < value.length; i++) {
    const c = value[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i;
  }
  throw new TemplateSyntaxError(`unterminated expression: "${value.slice(from - 2)}" has no closing }`);
}

/** Every expression in a template string (none for a literal). */
export function expressionsOf(value: string): string[] {
  const t = parseTemplateString(value);
  if (t.kind === "expression") return [t.expression];
  if (t.kind === "interpolation") return t.parts.flatMap((p) => ("expression" in p ? [p.expression] : []));
  return [];
}

/** One string leaf of a template, with its field path (`spec.forProvider.origins[0].domainName`). */
export interface StringLeaf {
  readonly path: string;
  readonly value: string;
}

/** Every string in a JSON value that holds an expression, with its path. */
export function templateLeaves(value: unknown, path = ""): StringLeaf[] {
  if (typeof value === "string") return value.includes("${") ? [{ path, value }] : [];
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    return items.flatMap((item, i) => templateLeaves(item, `${path}[${i}]`));
  }
  if (isRecord(value)) return Object.entries(value).flatMap(([k, v]) => templateLeaves(v, joinPath(path, k)));
  return [];
}

export function joinPath(path: string, key: string): string {
  const safe = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : JSON.stringify(key);
  return path === "" ? safe : `${path}.${safe}`;
}

/** A member chain an expression reads from a root variable, e.g. lb → [status, atProvider, dnsName]. */
export interface Reference {
  readonly root: string;
  readonly path: readonly string[];
}

/** The text of a reference: `lb.status.atProvider.dnsName`. */
export function referenceText(ref: Reference): string {
  return [ref.root, ...ref.path].join(".");
}

/** The references of a parsed expression to the given roots (bound macro variables such as `e` in map(e, ...) are not roots). */
export function referencesOf(ast: ASTNode, roots: ReadonlySet<string>): Reference[] {
  const out: Reference[] = [];
  visit(ast, roots, out);
  return out;
}

/** Parses an expression and returns its references; throws cel-js's ParseError on bad syntax. */
export function parseReferences(expression: string, roots: ReadonlySet<string>): Reference[] {
  return referencesOf(parse(expression).ast, roots);
}

function visit(node: ASTNode, roots: ReadonlySet<string>, out: Reference[]): void {
  if (node.op === "id") {
    if (roots.has(node.args)) out.push({ root: node.args, path: [] });
    return;
  }
  if (node.op === "." || node.op === ".?") {
    const chain = memberChain(node);
    if (chain && roots.has(chain.root)) {
      out.push(chain);
      return;
    }
    visit(node.args[0], roots, out);
    return;
  }
  for (const child of children(node)) visit(child, roots, out);
}

/** `a.b.c` as { root: a, path: [b, c] }, or undefined when the chain does not start at an identifier. */
function memberChain(node: ASTNode): Reference | undefined {
  const path: string[] = [];
  let current: ASTNode = node;
  while (current.op === "." || current.op === ".?") {
    path.unshift(current.args[1]);
    current = current.args[0];
  }
  return current.op === "id" ? { root: current.args, path } : undefined;
}

function children(node: ASTNode): ASTNode[] {
  switch (node.op) {
    case "value":
    case "id":
      return [];
    case "call":
      return node.args[1];
    case "rcall":
      return [node.args[1], ...node.args[2]];
    case "list":
      return node.args;
    case "map":
      return node.args.flat();
    case "!_":
    case "-_":
      return [node.args];
    default:
      return isNodeList(node.args) ? node.args : [];
  }
}

function isNodeList(args: unknown): args is ASTNode[] {
  return Array.isArray(args) && args.every((a) => isRecord(a) && "op" in a);
}
