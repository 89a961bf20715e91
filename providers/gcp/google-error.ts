// Reading a Google API error as the official Node clients surface it. Their GoogleError carries
// the gRPC `code` (and `httpStatusCode`), but the REST transport drops the legacy `errors[].reason`
// (`notFound`, `resourceInUseByAnotherResource`, `conditionNotMet`...) that compute and Cloud SQL
// use to tell errors apart. google-gax keeps the raw response body on the error under a
// registered symbol; this reads the reason back from it.
import { z } from "zod";

const RAW_PAYLOAD = Symbol.for("google-gax.rawHttpResponsePayload");

const ErrorPayload = z.object({
  error: z.object({
    code: z.number().optional(),
    status: z.string().optional(),
    errors: z.array(z.object({ reason: z.string().optional(), domain: z.string().optional() })).optional(),
  }),
});

/** The legacy `errors[0].reason` of a Google API error from an official client, if it has one. */
export function googleErrorReason(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null || !(RAW_PAYLOAD in err)) return undefined;
  const raw: unknown = Reflect.get(err, RAW_PAYLOAD);
  let json: unknown = raw;
  if (typeof raw === "string") {
    try {
      json = JSON.parse(raw);
    } catch {
      return undefined;
    }
  }
  const parsed = ErrorPayload.safeParse(json);
  return parsed.success ? parsed.data.error.errors?.[0]?.reason : undefined;
}
