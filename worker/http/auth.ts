/**
 * Authentication at the HTTP edge (worker/README.md "Keys and tenants"): the Worker parses the shop id of a key
 * (lib/keys.ts), hashes the key and asks that shop's `Shop` object, which compares the hash with the stored one in
 * constant time. The shop id a handler sees comes only from a verified key, never from the request body or path.
 */
import type { MiddlewareHandler } from "hono";
import { now } from "../lib/clock.ts";
import { type AppEnv } from "./http.ts";
import { sealSecretKey } from "../lib/tokens.ts";
import { refusal } from "../lib/refusal.ts";
import { constantTimeEqual, sha256Hex } from "../lib/crypto.ts";
import { BoundedMap } from "../lib/cache.ts";
import { hashKey, parseKey } from "../lib/keys.ts";

/** The token of `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1];
}

/**
 * How long an isolate trusts a secret key its Shop object has verified. Without it every request costs a
 * round-trip to the Shop before any work. Only valid keys are remembered, so a wrong key is always asked about.
 * They are remembered as they arrive — every request carries its key into the isolate's memory anyway — so that
 * a request whose key is known costs a map lookup, not a hash. A previous key (rotated, in its grace period) is
 * remembered no later than its grace period's end. A key that stops being valid otherwise — rotated with a grace
 * period shorter than this, or replaced by a second rotation — keeps working for at most this long in isolates that
 * verified it before (docs/key-rotation.md); the isolate that rotates forgets at once.
 */
export const VERIFIED_KEY_TTL_MS = 60_000;
const verifiedKeys = new BoundedMap<string, number>(1024);

function isRecentlyVerified(key: string): boolean {
  const until = verifiedKeys.get(key);
  if (until === undefined) return false;
  if (until > now()) return true;
  verifiedKeys.delete(key);
  return false;
}

function rememberVerified(key: string, expiresAt: number | null): void {
  const until = now() + VERIFIED_KEY_TTL_MS;
  verifiedKeys.set(key, expiresAt === null ? until : Math.min(until, expiresAt));
}

/** Forgets every key this isolate has verified (tests; key rotation). */
export function forgetVerifiedKeys(): void {
  verifiedKeys.clear();
}

/**
 * Secret-key routes: verifies `Authorization: Bearer sk_…` with the key's own Shop object and sets
 * `c.var.shopId`. Missing, malformed, publishable or wrong keys: 401 unauthorized.
 */
export const requireSecretKey: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = bearerToken(c.req.header("authorization"));
  if (token === undefined) throw refusal("unauthorized", "Send the secret key as Authorization: Bearer sk_…");
  const parsed = parseKey(token);
  if (parsed === null) throw refusal("unauthorized", "The key is malformed");
  if (parsed.kind !== "secret") throw refusal("unauthorized", "This endpoint needs the secret key (sk_…), not the publishable key");
  if (!isRecentlyVerified(token)) {
    // The sealed copy lets a shop created before keys were sealed start verifying customer tokens (tokens.ts).
    const sealSecret = c.env.KEY_SEAL_SECRET;
    const sealed = typeof sealSecret === "string" && sealSecret.length >= 16 ? await sealSecretKey(sealSecret, parsed.shopId, token) : undefined;
    const check = await c.env.SHOP.getByName(parsed.shopId).verifyKey("secret", await hashKey(token), now(), sealed);
    if (!check.valid) throw refusal("unauthorized", "The secret key is not valid");
    rememberVerified(token, check.expiresAt);
  }
  c.set("shopId", parsed.shopId);
  await next();
};

/**
 * `POST /v1/shops`: `Authorization: Bearer <PLATFORM_TOKEN>`. Both sides are hashed first so that the
 * comparison takes the same time whatever the token's length.
 */
export const requirePlatformToken: MiddlewareHandler<AppEnv> = async (c, next) => {
  const expected = c.env.PLATFORM_TOKEN;
  if (typeof expected !== "string" || expected === "") {
    console.error("PLATFORM_TOKEN is not set: POST /v1/shops is disabled");
    throw refusal("unauthorized", "Shop creation is not enabled on this deployment");
  }
  const token = bearerToken(c.req.header("authorization"));
  if (token === undefined) throw refusal("unauthorized", "Send the platform token as Authorization: Bearer <token>");
  if (!constantTimeEqual(await sha256Hex(token), await sha256Hex(expected))) {
    throw refusal("unauthorized", "The platform token is not valid");
  }
  await next();
};
