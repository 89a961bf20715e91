import { readFile } from "node:fs/promises";
import { parseAllDocuments } from "yaml";
import { z } from "zod";
import { isRecord } from "./cel-types.ts";
import { COMPOSE_API_VERSION, CompositeDefinition, Composition } from "./kinds.ts";

// Reading composition-layer objects from YAML files, for the CLI and tests: every document is
// sorted into definitions, compositions and other objects (instances, observed resources), and
// a document that does not parse says which file, which document and which field.

/** A Kubernetes object from a file: anything with apiVersion, kind and metadata.name. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

export interface Loaded {
  readonly definitions: CompositeDefinition[];
  readonly compositions: Composition[];
  readonly objects: KubeObject[];
  /** Where each object came from: "file.yaml" or "file.yaml#2" (1-based document). */
  readonly sources: Map<object, string>;
}

const BRAND = Symbol.for("terraplane.LoadError");

/** A file that cannot be read as composition objects; the message names the file and the problem. */
export class LoadError extends Error {
  readonly [BRAND] = true;
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super(message, opts);
    this.name = "LoadError";
  }
}

export function isLoadError(err: unknown): err is LoadError {
  return typeof err === "object" && err !== null && BRAND in err;
}

const ObjectShape = z.looseObject({ apiVersion: z.string().min(1), kind: z.string().min(1), metadata: z.looseObject({ name: z.string().min(1), namespace: z.string().optional() }) });

/** Parses YAML text (one or more documents) from `file`. */
export function loadText(text: string, file: string, into: Loaded = emptyLoaded()): Loaded {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    const where = list.length > 1 ? `${file}#${i + 1}` : file;
    if (doc.errors.length > 0) throw new LoadError(`${where}: not valid YAML: ${doc.errors[0]?.message ?? "parse error"}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    add(value, where, into);
  });
  return into;
}

/** Reads and parses YAML files. */
export async function loadFiles(files: readonly string[]): Promise<Loaded> {
  const into = emptyLoaded();
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      throw new LoadError(`${file}: cannot read: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    loadText(text, file, into);
  }
  return into;
}

export function emptyLoaded(): Loaded {
  return { definitions: [], compositions: [], objects: [], sources: new Map() };
}

function add(value: unknown, where: string, into: Loaded): void {
  if (isRecord(value) && value.kind === "List" && Array.isArray(value.items)) {
    const items: unknown[] = value.items;
    items.forEach((item, i) => add(item, `${where} items[${i}]`, into));
    return;
  }
  const shape = ObjectShape.safeParse(value);
  if (!shape.success) throw new LoadError(`${where}: not a Kubernetes object: ${issues(shape.error)}`);
  const isCompose = shape.data.apiVersion === COMPOSE_API_VERSION;
  if (isCompose && shape.data.kind === "CompositeDefinition") {
    const parsed = CompositeDefinition.safeParse(value);
    if (!parsed.success) throw new LoadError(`${where}: invalid CompositeDefinition ${shape.data.metadata.name}: ${issues(parsed.error)}`);
    into.definitions.push(parsed.data);
    into.sources.set(parsed.data, where);
  } else if (isCompose && shape.data.kind === "Composition") {
    const parsed = Composition.safeParse(value);
    if (!parsed.success) throw new LoadError(`${where}: invalid Composition ${shape.data.metadata.name}: ${issues(parsed.error)}`);
    into.compositions.push(parsed.data);
    into.sources.set(parsed.data, where);
  } else {
    const object: KubeObject = shape.data;
    into.objects.push(object);
    into.sources.set(object, where);
  }
}

function issues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`).join("; ");
}
