// Google API errors as the REST front end sends them: `{"error":{"code","message","errors":[...],"status"}}`.
// The legacy `errors[]` list is where the discovery-era APIs (compute, sqladmin) put `reason`; the
// Node clients map `status` (or, without it, the HTTP code) to the gRPC `code` on their GoogleError.

const API_ERROR = Symbol.for("terraplane.gcpEmulator.ApiError");

/** Canonical status names by HTTP code, as in google/rpc/code.proto's HTTP mapping. */
const STATUS_BY_HTTP: Readonly<Record<number, string>> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ABORTED",
  412: "FAILED_PRECONDITION",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  501: "UNIMPLEMENTED",
  503: "UNAVAILABLE",
};

/** An error answer of the emulated API: HTTP code, legacy reason and canonical status. */
export class ApiError extends Error {
  readonly [API_ERROR] = true;
  override readonly name = "ApiError";
  readonly httpStatus: number;
  /** The legacy `errors[0].reason` (`notFound`, `resourceInUseByAnotherResource`, ...). */
  readonly reason: string;
  readonly domain: string;
  /** The canonical status name (`NOT_FOUND`); what the clients turn into a numeric gRPC code. */
  readonly status: string;

  constructor(httpStatus: number, reason: string, message: string, opts: { readonly status?: string; readonly domain?: string } = {}) {
    super(message);
    this.httpStatus = httpStatus;
    this.reason = reason;
    this.domain = opts.domain ?? "global";
    this.status = opts.status ?? STATUS_BY_HTTP[httpStatus] ?? "UNKNOWN";
  }
}

export function isApiError(err: unknown): err is ApiError {
  return typeof err === "object" && err !== null && API_ERROR in err;
}

/** The JSON body Google sends for this error. */
export function errorBody(err: ApiError): string {
  return JSON.stringify({
    error: {
      code: err.httpStatus,
      message: err.message,
      errors: [{ message: err.message, domain: err.domain, reason: err.reason }],
      status: err.status,
    },
  });
}

/** 400 `invalid`, in compute's wording for a bad field value. */
export function invalidField(field: string, value: unknown, why: string): ApiError {
  const shown = typeof value === "string" ? value : JSON.stringify(value);
  return new ApiError(400, "invalid", `Invalid value for field '${field}': '${shown}'. ${why}`);
}

/** 400 `required`, in compute's wording for a missing field. */
export function requiredField(field: string): ApiError {
  return new ApiError(400, "required", `Required field '${field}' not specified`);
}

/** 404 `notFound` with compute's message naming the resource path. */
export function resourceNotFound(path: string): ApiError {
  return new ApiError(404, "notFound", `The resource '${path}' was not found`);
}

/** 409 `alreadyExists` with compute's message naming the resource path. */
export function resourceAlreadyExists(path: string): ApiError {
  return new ApiError(409, "alreadyExists", `The resource '${path}' already exists`, { status: "ALREADY_EXISTS" });
}

/** An unsupported method or path: what Google's front end answers for an unknown URL. */
export function unknownRoute(method: string, path: string): ApiError {
  return new ApiError(404, "notFound", `The requested URL ${method} ${path} was not found on this server.`);
}
