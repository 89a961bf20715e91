// Path templates (`/v1/projects/{project}/instances/{instance}`) → handlers.
import type { Json } from "./json.ts";

/** What a handler sees of a request. */
export interface RequestContext {
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The parsed JSON body, undefined when there was none. */
  readonly body: unknown;
  /** The request asked for numeric enums (`$alt=json;enum-encoding=int`). */
  readonly intEnums: boolean;
  /** Aborted when the client goes away or the emulator stops. */
  readonly signal: AbortSignal;
}

/** An answer: a JSON body, or none (204). */
export interface Reply {
  readonly status: number;
  readonly body?: Json;
}

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;

interface Route {
  readonly method: string;
  readonly segments: readonly string[];
  readonly handler: Handler;
}

export interface Match {
  readonly handler: Handler;
  readonly params: Record<string, string>;
}

export class Router {
  readonly #routes: Route[] = [];

  add(method: string, template: string, handler: Handler): this {
    this.#routes.push({ method, segments: splitPath(template), handler });
    return this;
  }

  match(method: string, pathname: string): Match | undefined {
    const segments = splitPath(pathname).map(decodeSegment);
    for (const route of this.#routes) {
      if (route.method !== method) continue;
      const params = matchSegments(route.segments, segments);
      if (params !== undefined) return { handler: route.handler, params };
    }
    return undefined;
  }
}

function splitPath(path: string): string[] {
  return path.split("/").filter((s) => s !== "");
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function matchSegments(template: readonly string[], actual: readonly string[]): Record<string, string> | undefined {
  if (template.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, t] of template.entries()) {
    const a = actual[i] ?? "";
    if (t.startsWith("{") && t.endsWith("}")) params[t.slice(1, -1)] = a;
    else if (t !== a) return undefined;
  }
  return params;
}
