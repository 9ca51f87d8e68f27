/**
 * What every request gets at the edge: an id, answered as `X-Request-Id` and written on each of its log lines, and
 * one structured log line when it ends (docs/api.md "Requests and logs"): JSON, so that `wrangler tail` and Workers
 * Logs show route, status, shop and duration as fields. Also the answer to a path that exists with another method:
 * 405 with `Allow`.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { matchedRoutes } from "hono/route";
import { randomFrom } from "../lib/crypto.ts";
import { refusal, type Refused } from "../lib/refusal.ts";
import { HttpError, type AppEnv } from "./http.ts";

/** A client's own request id is kept when it is this tame (it goes into logs and headers verbatim). */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;
const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/** The request's id: the caller's `X-Request-Id`, Cloudflare's `CF-Ray`, or a fresh random one. */
export function requestIdOf(request: Request): string {
  const given = request.headers.get("x-request-id");
  if (given !== null && CLIENT_REQUEST_ID.test(given)) return given;
  const ray = request.headers.get("cf-ray");
  if (ray !== null && CLIENT_REQUEST_ID.test(ray)) return ray;
  return `req_${randomFrom(ALPHABET, 20)}`;
}

/** The route pattern that answered (`/v1/orders/:orderId/confirm`), not the path with its ids. */
function routeOf(c: Context<AppEnv>): string | null {
  const handler = matchedRoutes(c).filter((route) => route.method !== "ALL").at(-1);
  return handler?.path ?? null;
}

/** Where the log lines go: `REQUEST_LOG = "off"` silences the per-request line (the test suite's setting). */
function logging(env: Env | undefined): boolean {
  return (env as { REQUEST_LOG?: string } | undefined)?.REQUEST_LOG !== "off";
}

/** Sets the request id, answers it, and writes the request's one log line. */
export const requestLog: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = Date.now();
  const requestId = requestIdOf(c.req.raw);
  c.set("requestId", requestId);
  await next();
  c.res.headers.set("x-request-id", requestId);
  if (!logging(c.env)) return;
  const line: Record<string, unknown> = {
    requestId,
    method: c.req.method,
    route: routeOf(c),
    path: new URL(c.req.url).pathname,
    status: c.res.status,
    shop: c.get("shopId") ?? null,
    ms: Date.now() - started,
  };
  if (c.res.status >= 400) {
    // Error answers are small JSON: their code is worth a field of its own.
    const code = await c.res.clone().json().then((body) => (body as { error?: { code?: unknown } }).error?.code, () => undefined);
    if (typeof code === "string") line.code = code;
  }
  console.log(JSON.stringify(line));
};

/** An error worth a person's attention, on one JSON line with the request's id. Never reaches the client. */
export function logError(c: Context<AppEnv>, message: string, cause?: unknown): void {
  const detail = cause instanceof Error ? { error: cause.name, cause: cause.message, stack: cause.stack } : cause === undefined ? {} : { cause: String(cause) };
  console.error(JSON.stringify({ level: "error", requestId: c.get("requestId") ?? null, message, ...detail }));
}

/** Hono's pattern (`/v1/orders/:orderId`, `/v1/public/*`) as a regular expression over paths. */
function patternOf(path: string): RegExp {
  const source = path
    .split("/")
    .map((part) => (part === "*" ? ".*" : part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  return new RegExp(`^${source}$`);
}

/**
 * No route answered: 405 `method_not_allowed` with `Allow` when the path exists with other methods, else 404.
 */
export function wrongRoute(app: OpenAPIHono<AppEnv>, method: string, pathname: string): Refused {
  const allowed = new Set<string>();
  for (const route of app.routes) {
    if (route.method === "ALL" || route.method === method) continue;
    if (patternOf(route.path).test(pathname)) allowed.add(route.method);
  }
  if (allowed.size === 0) return refusal("not_found", `No route for ${method} ${pathname}`);
  if (allowed.has("GET")) allowed.add("HEAD");
  const allow = [...allowed].sort().join(", ");
  return new HttpError("method_not_allowed", `${method} is not allowed on ${pathname}; use ${allow}`, undefined, undefined, { allow });
}
