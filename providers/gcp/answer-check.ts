// The official Google clients (google-gax, REST transport) treat a successful answer whose body is
// not JSON — cut short, garbled by a proxy — as a transport failure (UNAVAILABLE), the class of a
// dropped connection, and so retry it for the whole retry budget: a reconcile then ends at its
// deadline saying only that no answer came, never which call got what. The auth client's fetch is
// where every request of a client passes, so this checks the body there and answers such a call
// with Google's own error shape, status DATA_LOSS ("unrecoverable data corruption"): no retry code
// names it, so the call fails at once with a message naming the problem, and the core's per-key
// backoff decides when to ask again (providers/gcp/errors.ts classifies it Transient).
import type { AuthClient } from "google-auth-library";

type Fetch = AuthClient["fetch"];

/** The message of the DATA_LOSS error that replaces a successful answer whose body is not JSON. */
export function malformedAnswerMessage(status: number, detail: string): string {
  return `the cloud's answer (HTTP ${status}) is not valid JSON: ${detail}`;
}

/** `undefined` when `body` is empty or JSON, else why it is not. */
export function notJson(body: Buffer): string | undefined {
  if (body.byteLength === 0) return undefined;
  try {
    JSON.parse(body.toString("utf8"));
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** Makes `client` answer a successful response that is not JSON with a DATA_LOSS error response instead. */
export function checkAnswers<C extends AuthClient>(client: C): C {
  const original: Fetch = client.fetch.bind(client);
  async function checked<T>(...args: Parameters<Fetch>): ReturnType<typeof original<T>> {
    const res = await original<T>(...args);
    if (!res.ok || res.status === 204) return res;
    const body = Buffer.from(await res.arrayBuffer());
    const problem = notJson(body);
    const replacement =
      problem === undefined
        ? new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers })
        : new Response(JSON.stringify({ error: { code: 500, status: "DATA_LOSS", message: malformedAnswerMessage(res.status, problem) } }), {
            status: 500,
            headers: { "content-type": "application/json" },
          });
    // The body was read here: hand the client an equivalent response it can read again.
    return Object.assign(replacement, { config: res.config, data: res.data });
  }
  client.fetch = checked;
  return client;
}
