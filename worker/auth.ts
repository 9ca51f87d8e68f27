/**
 * Keys and tenants (worker/README.md). A key carries its shop: `sk_<shopId>_<random>` (secret) and
 * `pk_<shopId>_<random>` (publishable), the random part 32 base62 characters (~190 bits) from
 * `crypto.getRandomValues`. The Worker parses the shop id, hashes the key (SHA-256) and asks that shop's `Shop`
 * object, which compares the hash with the stored one in constant time. The shop id a handler sees comes only
 * from a verified key, never from the request body or path.
 */
import type { MiddlewareHandler } from "hono";
import { now } from "./clock.ts";
import { HttpError, type AppEnv } from "./http.ts";
import { sealSecretKey } from "./tokens.ts";

export type KeyKind = "secret" | "publishable";

const PREFIX: Record<KeyKind, string> = { secret: "sk", publishable: "pk" };
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** Random characters in a key. */
export const KEY_RANDOM_LENGTH = 32;
/** Shop ids: letters, digits and '-' (no '_', the key separator; no ':', the object-name separator). */
export const SHOP_ID_PATTERN = /^[A-Za-z0-9-]{1,64}$/;
const KEY_PATTERN = /^(sk|pk)_([A-Za-z0-9-]{1,64})_([A-Za-z0-9]{32,128})$/;

/** `length` characters of base62, uniformly (bytes ≥ 248 are drawn again so that `% 62` has no bias). */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    // ~3% of bytes are drawn again; getRandomValues takes at most 64 KiB at a time.
    const bytes = crypto.getRandomValues(new Uint8Array(Math.min(65_536, (length - out.length) * 2)));
    for (const byte of bytes) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

/** A new shop id: 16 base62 characters. */
export function newShopId(): string {
  return randomBase62(16);
}

export function newKey(kind: KeyKind, shopId: string): string {
  return `${PREFIX[kind]}_${shopId}_${randomBase62(KEY_RANDOM_LENGTH)}`;
}

/** The kind and shop of a well-formed key, or null. Says nothing about whether the key is valid. */
export function parseKey(key: string): { kind: KeyKind; shopId: string } | null {
  const match = KEY_PATTERN.exec(key);
  if (match === null) return null;
  return { kind: match[1] === "sk" ? "secret" : "publishable", shopId: match[2] as string };
}

const encoder = new TextEncoder();

/** SHA-256 of a string, as lower-case hex. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
  let hex = "";
  for (const byte of digest) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/** How a key is stored: SHA-256 hex. Keys carry ~190 random bits, so a fast hash is enough (no stretching). */
export const hashKey = sha256Hex;

/** workerd's non-standard `crypto.subtle.timingSafeEqual` (the DOM lib's SubtleCrypto type hides it). */
const timingSafeEqual = (crypto.subtle as { timingSafeEqual?: (a: ArrayBufferView, b: ArrayBufferView) => boolean }).timingSafeEqual?.bind(crypto.subtle);

/**
 * Compares two strings (hex digests) without leaking where they differ. Lengths are not secret here: both sides
 * are fixed-length digests. Uses workerd's `crypto.subtle.timingSafeEqual`, or an XOR loop elsewhere.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  if (left.byteLength !== right.byteLength) return false;
  if (timingSafeEqual) return timingSafeEqual(left, right);
  let difference = 0;
  for (let i = 0; i < left.byteLength; i++) difference |= (left[i] as number) ^ (right[i] as number);
  return difference === 0;
}

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
 * a request whose key is known costs a map lookup, not a hash. A key that stops being valid (no endpoint does
 * that yet; key rotation must call `forgetVerifiedKeys` or accept this delay) keeps working for at most this long
 * in isolates that saw it.
 */
export const VERIFIED_KEY_TTL_MS = 60_000;
const MAX_VERIFIED_KEYS = 1024;
const verifiedKeys = new Map<string, number>();

function isRecentlyVerified(key: string): boolean {
  const until = verifiedKeys.get(key);
  if (until === undefined) return false;
  if (until > now()) return true;
  verifiedKeys.delete(key);
  return false;
}

function rememberVerified(key: string): void {
  verifiedKeys.delete(key);
  if (verifiedKeys.size >= MAX_VERIFIED_KEYS) verifiedKeys.delete(verifiedKeys.keys().next().value!);
  verifiedKeys.set(key, now() + VERIFIED_KEY_TTL_MS);
}

/** Forgets every key this isolate has verified (tests; key rotation when it exists). */
export function forgetVerifiedKeys(): void {
  verifiedKeys.clear();
}

/**
 * Secret-key routes: verifies `Authorization: Bearer sk_…` with the key's own Shop object and sets
 * `c.var.shopId`. Missing, malformed, publishable or wrong keys: 401 unauthorized.
 */
export const requireSecretKey: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = bearerToken(c.req.header("authorization"));
  if (token === undefined) throw new HttpError(401, "unauthorized", "Send the secret key as Authorization: Bearer sk_…");
  const parsed = parseKey(token);
  if (parsed === null) throw new HttpError(401, "unauthorized", "The key is malformed");
  if (parsed.kind !== "secret") throw new HttpError(401, "unauthorized", "This endpoint needs the secret key (sk_…), not the publishable key");
  if (!isRecentlyVerified(token)) {
    // The sealed copy lets a shop created before keys were sealed start verifying customer tokens (tokens.ts).
    const sealSecret = c.env.KEY_SEAL_SECRET;
    const sealed = typeof sealSecret === "string" && sealSecret.length >= 16 ? await sealSecretKey(sealSecret, parsed.shopId, token) : undefined;
    const valid = await c.env.SHOP.getByName(parsed.shopId).verifyKey("secret", await hashKey(token), sealed);
    if (!valid) throw new HttpError(401, "unauthorized", "The secret key is not valid");
    rememberVerified(token);
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
    throw new HttpError(401, "unauthorized", "Shop creation is not enabled on this deployment");
  }
  const token = bearerToken(c.req.header("authorization"));
  if (token === undefined) throw new HttpError(401, "unauthorized", "Send the platform token as Authorization: Bearer <token>");
  if (!constantTimeEqual(await sha256Hex(token), await sha256Hex(expected))) {
    throw new HttpError(401, "unauthorized", "The platform token is not valid");
  }
  await next();
};
