/**
 * The Worker's HTTP edge: one error type and one renderer, so every non-2xx answer has the shape docs/api.md
 * promises — `{"error": {"code", "message", "path"?}}` — and no stack trace ever reaches a client.
 * Also the request body cap, shared types of the Hono app and the error schema of the OpenAPI document.
 */
import { z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { toProblems } from "../../engine/host/validate.ts";
import type { Problem } from "../../engine/host/types.ts";
import { Refused, refusal, type RefusalCode } from "../lib/refusal.ts";

/** What every handler sees: the bindings of wrangler.toml and, behind `requireSecretKey`, the verified shop. */
export type AppEnv = {
  Bindings: Env;
  Variables: {
    /** The request's id: the client's `X-Request-Id` when it is a sane one, else a fresh one. Answered and logged. */
    requestId: string;
    shopId: string;
    /** Widget routes (worker/http/public): the customer of a verified customer token, if one was sent. */
    customerId?: string;
    /** Widget routes: the request's Origin when the shop allows it (CORS headers are added for it). */
    corsOrigin?: string;
    /** Widget routes: the shop's secret key, unsealed to check and issue customer tokens. Never answered. */
    secretKey?: string;
    /** Widget routes: the shop's display name. */
    shopName?: string;
  };
};

/** The HTTP status of every refusal code (docs/api.md "Errors"): the one place codes meet statuses. */
export const STATUS_OF: Record<RefusalCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  idempotency_conflict: 409,
  duplicate_contact: 409,
  payload_too_large: 413,
  insufficient_points: 422,
  hold_expired: 422,
  invalid_state: 422,
  program_invalid: 422,
  rate_limited: 429,
  internal: 500,
};

/** A refusal at the HTTP edge that carries headers of its own (CORS `Vary` on a refused preflight). */
export class HttpError extends Refused {
  readonly headers: Record<string, string> | undefined;

  constructor(code: RefusalCode, message: string, path?: string, details?: Record<string, unknown>, headers?: Record<string, string>) {
    super({ code, message, ...(path === undefined ? {} : { path }), ...details });
    this.name = "HttpError";
    this.headers = headers;
  }

  get status(): number {
    return STATUS_OF[this.code];
  }
}

/** 400 invalid_request for a request that fails its schema, naming the first field at fault. */
export function invalidRequest(problems: readonly Problem[]): Refused {
  const first = problems[0];
  if (first === undefined) return refusal("invalid_request", "The request is invalid");
  const where = first.path === "" ? "body" : first.path;
  return refusal("invalid_request", `${where}: ${first.message}`, first.path === "" ? undefined : first.path);
}

/** A JSON response with the given status. */
export function json(body: unknown, status = 200, headers?: HeadersInit): Response {
  const response = Response.json(body, { status, headers });
  response.headers.set("cache-control", "no-store");
  return response;
}

/** Hono's own exceptions (malformed JSON, unsupported media type…) in docs/api.md's vocabulary. */
function fromHonoException(error: HTTPException): Refused {
  switch (error.status) {
    case 400:
      return refusal("invalid_request", error.message || "Bad request");
    case 413:
      return payloadTooLarge();
    case 415:
      return refusal("invalid_request", "Content-Type must be application/json");
    case 401:
      return refusal("unauthorized", error.message || "Unauthorized");
    case 404:
      return refusal("not_found", error.message || "Not found");
    default:
      if (error.status >= 500) return refusal("internal", "Internal error");
      return refusal("invalid_request", error.message || "Bad request");
  }
}

/** Duck-typed: the engine's schemas and Hono's may come from different copies of zod. */
function isZodError(error: unknown): error is z.ZodError {
  return error instanceof Error && error.name === "ZodError" && Array.isArray((error as { issues?: unknown }).issues);
}

/**
 * Renders any thrown value: a refusal with its code's status and `{"error": refusal}`; a `rate_limited` one also
 * with `Retry-After`. Unknown errors are answered as a bare 500 (the app's error handler logs them with the request id).
 */
export function errorResponse(error: unknown): Response {
  let known: Refused | undefined;
  if (error instanceof Refused) known = error;
  else if (error instanceof HTTPException) known = fromHonoException(error);
  else if (isZodError(error)) known = invalidRequest(toProblems(error.issues));
  if (known) {
    const headers: Record<string, string> = { ...(known instanceof HttpError ? known.headers : undefined) };
    const wait = known.refusal.retryAfterSeconds;
    if (known.code === "rate_limited" && wait !== undefined) headers["retry-after"] = String(wait);
    return json({ error: known.refusal }, STATUS_OF[known.code], headers);
  }
  return json({ error: { code: "internal", message: "Internal error" } }, 500);
}

/** Request bodies above this many bytes are refused with 413 payload_too_large. */
export const MAX_BODY_BYTES = 1024 * 1024;

function payloadTooLarge(limit = MAX_BODY_BYTES): Refused {
  return refusal("payload_too_large", `The request body exceeds ${limit} bytes`);
}

/**
 * Caps request bodies: a declared Content-Length above the cap is refused before reading. A body framed by its
 * Content-Length (no Transfer-Encoding) cannot be longer than declared — the HTTP layer reads exactly that many
 * bytes — so it is left for the validator to read once. Any other body (chunked uploads) is read here at most
 * `limit + 1` bytes deep, and the bytes read replace the stream, so later readers (validators, the idempotency
 * fingerprint) share them.
 */
export function bodyLimit(limit = MAX_BODY_BYTES): MiddlewareHandler {
  return async (c, next) => {
    const raw = c.req.raw;
    if (raw.body === null) return next();
    const declared = raw.headers.get("content-length");
    if (declared !== null && Number(declared) > limit) throw payloadTooLarge(limit);
    if (declared !== null && /^\d+$/.test(declared) && !raw.headers.has("transfer-encoding")) return next();
    const reader = raw.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel();
        throw payloadTooLarge(limit);
      }
      chunks.push(value);
    }
    const bytes = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    c.req.raw = new Request(raw, { body: bytes });
    return next();
  };
}
