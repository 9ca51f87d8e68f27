/**
 * Customer tokens (api.md, Tenants and keys) and the sealed copy of a shop's secret key that verifies them.
 *
 * A token is `base64url(payload) "." base64url(mac)`: the payload is the JSON `{"sub": customerId, "exp":
 * unixSeconds}` (other members are allowed and ignored), the MAC is HMAC-SHA256 over the first part's ASCII
 * with the shop's secret key (`sk_…`, the whole string, UTF-8) as the HMAC key. A shop's backend signs tokens
 * for its logged-in customers; the API signs the same kind for customers who register in the widget. There is
 * no header and no algorithm field, so there is nothing to negotiate: anything but exactly this is refused.
 *
 * Keys are stored hashed for authentication; to check a MAC the Worker needs the key itself, so the Shop also
 * keeps it sealed (AES-GCM) under the deployment secret `KEY_SEAL_SECRET`. A storage dump alone reveals no key.
 */
import { HttpError } from "./http.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The longest token accepted (a payload of a 200-character id is ~260 characters). */
export const MAX_TOKEN_LENGTH = 2048;
/** Lifetime of tokens the API issues after a widget registration. */
export const ISSUED_TOKEN_TTL_SECONDS = 90 * 24 * 60 * 60;
/** Customer ids a token may name: the same alphabet as the API's ids. */
const CUSTOMER_ID = /^[A-Za-z0-9_.:@-]{1,200}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Strict base64url without padding; null for anything else (padding, `+`, `/`, whitespace, bad length). */
export function fromBase64url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return null;
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  // Canonical form only: non-zero trailing bits would let two strings decode to one value.
  if (base64url(bytes) !== text) return null;
  return bytes;
}

const macKeys = new Map<string, Promise<CryptoKey>>();

/** The HMAC key of a secret key (imported once per isolate; at most a few hundred shops are remembered). */
function macKey(secretKey: string): Promise<CryptoKey> {
  let key = macKeys.get(secretKey);
  if (key === undefined) {
    if (macKeys.size >= 256) macKeys.delete(macKeys.keys().next().value!);
    key = crypto.subtle.importKey("raw", encoder.encode(secretKey), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    macKeys.set(secretKey, key);
  }
  return key;
}

/** HMAC-SHA256 of `text` with `secretKey`, as lower-case hex (webhook signatures). */
export async function hmacHex(secretKey: string, text: string): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await macKey(secretKey), encoder.encode(text)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Signs a customer token for `customerId`, valid until `exp` (unix seconds). What a shop's backend does. */
export async function signCustomerToken(secretKey: string, customerId: string, exp: number): Promise<string> {
  const payload = base64url(encoder.encode(JSON.stringify({ sub: customerId, exp })));
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await macKey(secretKey), encoder.encode(payload)));
  return `${payload}.${base64url(mac)}`;
}

/** Why a token was refused (the message a client sees; deliberately not more specific about MACs). */
export type TokenRefusal = "malformed" | "invalid" | "expired";

/**
 * The customer a token names, if its MAC is right under `secretKey` and it has not expired at `nowMs`. The MAC
 * is checked (in constant time, by WebCrypto's verify) before the payload is even parsed.
 */
export async function verifyCustomerToken(
  secretKey: string,
  token: string,
  nowMs: number,
): Promise<{ ok: true; customerId: string; exp: number } | { ok: false; reason: TokenRefusal }> {
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: "malformed" };
  const parts = token.split(".");
  if (parts.length !== 2) return { ok: false, reason: "malformed" };
  const [payloadPart, macPart] = parts as [string, string];
  const payloadBytes = fromBase64url(payloadPart);
  const mac = fromBase64url(macPart);
  if (payloadBytes === null || mac === null || mac.byteLength !== 32) return { ok: false, reason: "malformed" };
  const valid = await crypto.subtle.verify("HMAC", await macKey(secretKey), mac, encoder.encode(payloadPart));
  if (!valid) return { ok: false, reason: "invalid" };
  let payload: unknown;
  try {
    payload = JSON.parse(decoder.decode(payloadBytes));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) return { ok: false, reason: "malformed" };
  const { sub, exp } = payload as { sub?: unknown; exp?: unknown };
  if (typeof sub !== "string" || !CUSTOMER_ID.test(sub)) return { ok: false, reason: "malformed" };
  if (typeof exp !== "number" || !Number.isSafeInteger(exp) || exp <= 0) return { ok: false, reason: "malformed" };
  if (exp * 1000 <= nowMs) return { ok: false, reason: "expired" };
  return { ok: true, customerId: sub, exp };
}

const REFUSAL_MESSAGE: Record<TokenRefusal, string> = {
  malformed: "The customer token is malformed",
  invalid: "The customer token is not valid for this shop",
  expired: "The customer token has expired",
};

export function tokenError(reason: TokenRefusal): HttpError {
  return new HttpError(401, "unauthorized", REFUSAL_MESSAGE[reason]);
}

// ---- sealing the secret key --------------------------------------------------------------------------------

const sealKeys = new Map<string, Promise<CryptoKey>>();

function sealKey(sealSecret: string): Promise<CryptoKey> {
  let key = sealKeys.get(sealSecret);
  if (key === undefined) {
    key = (async () => {
      const material = await crypto.subtle.digest("SHA-256", encoder.encode(`kopilka key seal\u0000${sealSecret}`));
      return crypto.subtle.importKey("raw", material, "AES-GCM", false, ["encrypt", "decrypt"]);
    })();
    sealKeys.set(sealSecret, key);
  }
  return key;
}

/** The deployment's seal secret; a clear error when the deployment has none (tokens cannot work without it). */
export function sealSecretOf(env: Env): string {
  const secret = (env as { KEY_SEAL_SECRET?: string }).KEY_SEAL_SECRET;
  if (typeof secret !== "string" || secret.length < 16) {
    throw new HttpError(500, "internal", "KEY_SEAL_SECRET is not set (at least 16 characters): customer tokens are disabled");
  }
  return secret;
}

/** `shopId` is bound into the ciphertext, so a sealed key copied into another shop's row does not open. */
export async function sealSecretKey(sealSecret: string, shopId: string, secretKey: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(shopId) }, await sealKey(sealSecret), encoder.encode(secretKey)),
  );
  return `${base64url(iv)}.${base64url(sealed)}`;
}

export async function unsealSecretKey(sealSecret: string, shopId: string, sealed: string): Promise<string> {
  const [ivPart, dataPart] = sealed.split(".");
  const iv = fromBase64url(ivPart ?? "");
  const data = fromBase64url(dataPart ?? "");
  if (iv === null || data === null) throw new Error("sealed secret key is corrupt");
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(shopId) }, await sealKey(sealSecret), data);
  return decoder.decode(plain);
}
