/**
 * Who may call the widget endpoints (`/v1/public/*`, docs/api.md "Widget"): the publishable key names the shop, the
 * browser's Origin must be one of the shop's storefront origins, and a customer token names the customer.
 *
 * CORS: the check is on the real request, never on the preflight. A preflight carries no key, so it cannot know
 * the shop; it is answered for any well-formed origin (and only for the methods and headers the widget endpoints
 * take), and it grants nothing: the real request is then checked against its own shop's origins and refused with
 * 403 `forbidden` — before anything runs — when the origin is not that shop's. That refusal, and the 401 of a
 * missing or unknown publishable key, carry `Access-Control-Allow-Origin` for the requesting origin so that the
 * page can read *why* (the widget tells the shop owner to register the origin); they hold no shop data and change
 * nothing. CORS headers name exactly the request's origin (never `*`), with `Vary: Origin`; no credentials
 * (cookies) are involved, the token travels in `Authorization`. `Origin: null` (sandboxed frames, file://) is never
 * allowed and never named. A request without Origin (a server, curl) is not a browser's and gets no CORS headers.
 */
import { BoundedMap } from "../../lib/cache.ts";
import type { MiddlewareHandler } from "hono";
import { bearerToken } from "../auth.ts";
import { hashKey, parseKey } from "../../lib/keys.ts";
import { now } from "../../lib/clock.ts";
import { HttpError, errorResponse, type AppEnv } from "../http.ts";
import { shopObject } from "../../shop/shop.ts";
import { type PublicContext } from "../../shop/types.ts";
import { openSealedKey, sealSecretsOf, tokenError, verifyCustomerToken } from "../../lib/tokens.ts";
import { refusal } from "../../lib/refusal.ts";

/**
 * How long an isolate trusts what it read of a shop's widget settings (origins, name, sealed keys). A previous
 * publishable key (rotated, in its grace period) is trusted no later than its grace period's end; tokens signed with
 * the previous secret key no later than its end.
 */
export const PUBLIC_CONTEXT_TTL_MS = 60_000;
/** A customer token that fails its MAC makes a cached context older than this be read again (a rotation elsewhere). */
const CONTEXT_REFRESH_MS = 1_000;
const MAX_CACHED = 1024;

interface CachedContext {
  shopId: string;
  context: PublicContext;
  secretKey: Promise<string> | null;
  previousSecretKey: Promise<string> | null;
  until: number;
  readAt: number;
}

const contexts = new BoundedMap<string, CachedContext>(MAX_CACHED);

/** After PATCH /v1/shop in this isolate: read the shop's settings afresh (other isolates within the TTL). */
export function forgetPublicContexts(): void {
  contexts.clear();
}

export const ALLOWED_METHODS = "GET, POST, OPTIONS";
export const ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key, X-Publishable-Key";
export const EXPOSED_HEADERS = "Retry-After, Idempotent-Replayed";
/** Browsers cache a preflight this long (Chromium caps it at 2 hours). */
export const PREFLIGHT_MAX_AGE = 600;

function corsHeaders(headers: Headers, origin: string): void {
  headers.set("access-control-allow-origin", origin);
  headers.set("access-control-expose-headers", EXPOSED_HEADERS);
  appendVary(headers);
}

function appendVary(headers: Headers): void {
  const vary = headers.get("vary");
  if (vary === null) headers.set("vary", "Origin");
  else if (!/\borigin\b/i.test(vary)) headers.set("vary", `${vary}, Origin`);
}

/** A well-formed browser origin (`null` and anything with a path are not). */
function isOrigin(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === "https:" || url.protocol === "http:") && url.origin === value;
}

/**
 * `OPTIONS /v1/public/*`: the preflight. Allowed for a well-formed origin when the method and headers asked for
 * are ones the widget endpoints take; otherwise 403 without CORS headers (the browser then never sends the
 * request). It grants nothing: the real request is checked against its shop's origins (`requirePublishableKey`).
 */
export const preflight: MiddlewareHandler<AppEnv> = async (c) => {
  const origin = c.req.header("origin");
  const method = c.req.header("access-control-request-method");
  const vary = { vary: "Origin" };
  if (origin === undefined || method === undefined) {
    return errorResponse(new HttpError("invalid_request", "A preflight needs Origin and Access-Control-Request-Method", undefined, undefined, vary));
  }
  if (!isOrigin(origin)) {
    return errorResponse(new HttpError("forbidden", "This is not a web page's origin", undefined, undefined, vary));
  }
  if (!["GET", "POST"].includes(method.toUpperCase())) {
    return errorResponse(new HttpError("forbidden", `Method ${method} is not allowed here`, undefined, undefined, vary));
  }
  const allowed = new Set(ALLOWED_HEADERS.toLowerCase().split(", "));
  const asked = (c.req.header("access-control-request-headers") ?? "").split(",").map((h) => h.trim().toLowerCase()).filter(Boolean);
  const extra = asked.find((h) => !allowed.has(h));
  if (extra !== undefined) {
    return errorResponse(new HttpError("forbidden", `Header ${extra} is not allowed here`, undefined, undefined, vary));
  }
  const headers = new Headers({
    "access-control-allow-origin": origin,
    "access-control-allow-methods": ALLOWED_METHODS,
    "access-control-allow-headers": ALLOWED_HEADERS,
    "access-control-max-age": String(PREFLIGHT_MAX_AGE),
    vary: "Origin",
    "cache-control": "no-store",
  });
  return new Response(null, { status: 204, headers });
};

/** Adds CORS headers to every answer — errors included — once the origin is the shop's, or to a readable refusal. */
export const corsForShop: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const origin = c.get("corsOrigin");
  if (origin !== undefined) corsHeaders(c.res.headers, origin);
  else appendVary(c.res.headers);
};

/** The shop's widget context for a publishable key: cached, unless `fresh` (read again from the Shop). */
async function contextOf(env: Env, publishableKey: string, fresh = false): Promise<CachedContext | null> {
  const parsed = parseKey(publishableKey);
  if (parsed === null || parsed.kind !== "publishable") return null;
  const keyHash = await hashKey(publishableKey);
  const at = now();
  const cached = contexts.get(keyHash);
  if (!fresh && cached && cached.until > at) return cached;
  const context = await shopObject(env, parsed.shopId).publicContext(keyHash, at);
  if (context === null) return null;
  const until = Math.min(at + PUBLIC_CONTEXT_TTL_MS, context.keyExpiresAt ?? Infinity);
  const entry: CachedContext = { shopId: parsed.shopId, context, secretKey: null, previousSecretKey: null, until, readAt: at };
  contexts.set(keyHash, entry);
  return entry;
}

/** The shop's secret key, unsealed once per cached context. */
function secretKeyOf(env: Env, entry: CachedContext): Promise<string> {
  if (entry.context.secretKeySealed === null) {
    throw refusal("internal", "This shop's secret key is not sealed yet: make one request with the secret key first");
  }
  const sealed = entry.context.secretKeySealed;
  entry.secretKey ??= openSealedKey(sealSecretsOf(env), entry.shopId, sealed).then((opened) => opened.secretKey);
  return entry.secretKey;
}

/**
 * Verifies a customer token with the shop's secret key, then — while the previous secret key's grace period lasts
 * (docs/key-rotation.md) — with that one: tokens signed before a rotation stay valid through it, and not after.
 */
async function verifyToken(env: Env, entry: CachedContext, secretKey: string, token: string, at: number) {
  const verified = await verifyCustomerToken(secretKey, token, at);
  const previous = entry.context.previousSecret;
  if (verified.ok || verified.reason !== "invalid" || previous === null || at >= previous.expiresAt) return verified;
  entry.previousSecretKey ??= openSealedKey(sealSecretsOf(env), entry.shopId, previous.sealed).then((opened) => opened.secretKey);
  const byPrevious = await verifyCustomerToken(await entry.previousSecretKey, token, at);
  // A right MAC under the previous key says more (an expired token) than the current key's "invalid".
  return byPrevious.ok || byPrevious.reason !== "invalid" ? byPrevious : verified;
}

/**
 * Widget routes: `X-Publishable-Key` must be a shop's publishable key (401), and a browser's Origin one of that
 * shop's origins (403). Sets `shopId`, `shopName`, `corsOrigin`, and — from `Authorization: Bearer <customer
 * token>` when sent — `customerId` (a malformed, forged, other-shop or expired token is 401, never ignored).
 */
export const requirePublishableKey: MiddlewareHandler<AppEnv> = async (c, next) => {
  const origin = c.req.header("origin");
  // The refusals below are readable by the page (module comment); they name no shop and change nothing.
  if (origin !== undefined && isOrigin(origin)) c.set("corsOrigin", origin);
  const key = c.req.header("x-publishable-key");
  if (key === undefined) throw refusal("unauthorized", "Send the publishable key as X-Publishable-Key: pk_…");
  if (parseKey(key)?.kind === "secret") {
    // A secret key must never be used from a browser; say so instead of a vague refusal.
    throw refusal("unauthorized", "X-Publishable-Key must be the publishable key (pk_…); never put the secret key in a storefront");
  }
  let entry = await contextOf(c.env, key);
  if (entry === null) throw refusal("unauthorized", "The publishable key is not valid");
  if (origin !== undefined && !entry.context.origins.includes(origin)) {
    throw refusal("forbidden", "This origin is not one of the shop's storefront origins");
  }
  c.set("shopId", entry.shopId);
  c.set("shopName", entry.context.name);
  const token = bearerToken(c.req.header("authorization"));
  if (c.req.header("authorization") !== undefined && token === undefined) {
    throw refusal("unauthorized", "Send the customer token as Authorization: Bearer <token>");
  }
  let secretKey = await secretKeyOf(c.env, entry);
  if (token !== undefined) {
    const at = now();
    let verified = await verifyToken(c.env, entry, secretKey, token, at);
    if (!verified.ok && verified.reason === "invalid" && entry.readAt <= at - CONTEXT_REFRESH_MS) {
      // The cached keys may predate a rotation in another instance (a token signed with the new secret key): read
      // them once more before refusing — at most once a second per key and instance, however many forged tokens.
      const fresh = await contextOf(c.env, key, true);
      if (fresh !== null) {
        entry = fresh;
        secretKey = await secretKeyOf(c.env, entry);
        verified = await verifyToken(c.env, entry, secretKey, token, at);
      }
    }
    if (!verified.ok) throw tokenError(verified.reason);
    c.set("customerId", verified.customerId);
  }
  c.set("secretKey", secretKey);
  await next();
};

/** Routes for a known customer: a customer token is required. */
export const requireCustomerToken: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.get("customerId") === undefined) throw refusal("unauthorized", "Send the customer token as Authorization: Bearer <token>");
  await next();
};
