// Work-queue keys of the composition layer. Every key starts with PREFIX, so the manager routes it
// here; the rest says which of the three kinds of object it is.

export const PREFIX = "compose.terraplane.dev/";

export type ComposeKey =
  | { readonly type: "definition"; readonly name: string }
  | { readonly type: "composition"; readonly name: string }
  /** `definition` is the CompositeDefinition's name (<plural>.<group>). */
  | { readonly type: "instance"; readonly definition: string; readonly namespace: string; readonly name: string };

export function keyOf(k: ComposeKey): string {
  switch (k.type) {
    case "definition":
      return `${PREFIX}definition/${k.name}`;
    case "composition":
      return `${PREFIX}composition/${k.name}`;
    case "instance":
      return `${PREFIX}instance/${k.definition}/${k.namespace}/${k.name}`;
  }
}

export function parseKey(key: string): ComposeKey | undefined {
  if (!key.startsWith(PREFIX)) return undefined;
  const [type, ...rest] = key.slice(PREFIX.length).split("/");
  if (type === "definition" && rest[0]) return { type, name: rest[0] };
  if (type === "composition" && rest[0]) return { type, name: rest[0] };
  const [definition, namespace = "", name] = rest;
  if (type === "instance" && definition && name) return { type, definition, namespace, name };
  return undefined;
}
