/**
 * Customer tokens (docs/api.md, Tenants and keys) and the sealed copy of a shop's secret key that verifies them.
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
import { base64url, fromBase64url, hmac, hmacVerify, seal, unseal } from "./crypto.ts";
import { ID_PATTERN } from "./ids.ts";
import { Refused, refusal } from "./refusal.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The longest token accepted (a payload of a 200-character id is ~260 characters). */
export const MAX_TOKEN_LENGTH = 2048;
/** Lifetime of tokens the API issues after a widget registration. */
export const ISSUED_TOKEN_TTL_SECONDS = 90 * 24 * 60 * 60;
/** Customer ids a token may name: the same alphabet as the API's ids. */

/** Signs a customer token for `customerId`, valid until `exp` (unix seconds). What a shop's backend does. */
export async function signCustomerToken(secretKey: string, customerId: string, exp: number): Promise<string> {
  const payload = base64url(encoder.encode(JSON.stringify({ sub: customerId, exp })));
  return `${payload}.${base64url(await hmac(secretKey, payload))}`;
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
  const valid = await hmacVerify(secretKey, payloadPart, mac);
  if (!valid) return { ok: false, reason: "invalid" };
  let payload: unknown;
  try {
    payload = JSON.parse(decoder.decode(payloadBytes));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) return { ok: false, reason: "malformed" };
  const { sub, exp } = payload as { sub?: unknown; exp?: unknown };
  if (typeof sub !== "string" || !ID_PATTERN.test(sub)) return { ok: false, reason: "malformed" };
  if (typeof exp !== "number" || !Number.isSafeInteger(exp) || exp <= 0) return { ok: false, reason: "malformed" };
  if (exp * 1000 <= nowMs) return { ok: false, reason: "expired" };
  return { ok: true, customerId: sub, exp };
}

const REFUSAL_MESSAGE: Record<TokenRefusal, string> = {
  malformed: "The customer token is malformed",
  invalid: "The customer token is not valid for this shop",
  expired: "The customer token has expired",
};

export function tokenError(reason: TokenRefusal): Refused {
  return refusal("unauthorized", REFUSAL_MESSAGE[reason]);
}

// ---- sealing the secret key --------------------------------------------------------------------------------

/** What the sealing key is derived for (with the deployment's `KEY_SEAL_SECRET`). */
const SEAL_PURPOSE = "kopilka key seal";

/** The deployment's seal secret; a clear error when the deployment has none (tokens cannot work without it). */
export function sealSecretOf(env: Env): string {
  const secret = (env as { KEY_SEAL_SECRET?: string }).KEY_SEAL_SECRET;
  if (typeof secret !== "string" || secret.length < 16) {
    throw refusal("internal", "KEY_SEAL_SECRET is not set (at least 16 characters): customer tokens are disabled");
  }
  return secret;
}

/**
 * The seal secrets of the deployment: `KEY_SEAL_SECRET` seals; `KEY_SEAL_SECRET_PREVIOUS` (optional, set only while
 * the seal secret is being rotated — docs/key-rotation.md) still opens what was sealed before.
 */
export interface SealSecrets {
  current: string;
  previous: string | null;
}

export function sealSecretsOf(env: Env): SealSecrets {
  const previous = (env as { KEY_SEAL_SECRET_PREVIOUS?: string }).KEY_SEAL_SECRET_PREVIOUS;
  return { current: sealSecretOf(env), previous: typeof previous === "string" && previous.length >= 16 ? previous : null };
}

/**
 * Opens a sealed secret key with the current seal secret, else with the previous one; `stale` says the previous
 * one was needed (the caller re-seals it under the current one). Throws when neither opens it.
 */
export async function openSealedKey(secrets: SealSecrets, shopId: string, sealed: string): Promise<{ secretKey: string; stale: boolean }> {
  try {
    return { secretKey: await unsealSecretKey(secrets.current, shopId, sealed), stale: false };
  } catch (error) {
    if (secrets.previous === null) throw error;
    return { secretKey: await unsealSecretKey(secrets.previous, shopId, sealed), stale: true };
  }
}

/** `shopId` is bound into the ciphertext, so a sealed key copied into another shop's row does not open. */
export async function sealSecretKey(sealSecret: string, shopId: string, secretKey: string): Promise<string> {
  const { iv, data } = await seal(SEAL_PURPOSE, sealSecret, secretKey, shopId);
  return `${base64url(iv)}.${base64url(data)}`;
}

export async function unsealSecretKey(sealSecret: string, shopId: string, sealed: string): Promise<string> {
  const [ivPart, dataPart] = sealed.split(".");
  const iv = fromBase64url(ivPart ?? "");
  const data = fromBase64url(dataPart ?? "");
  if (iv === null || data === null) throw new Error("sealed secret key is corrupt");
  return unseal(SEAL_PURPOSE, sealSecret, { iv, data }, shopId);
}

// ---- sealing webhook endpoints' signing secrets --------------------------------------------------------------

/**
 * A webhook endpoint's signing secret (`whsec_…`), sealed like a shop's secret key and bound to its shop and
 * endpoint: a sealed secret copied to another endpoint or shop does not open. (`:` is in no shop id, so this
 * binding never equals a shop key's.)
 */
export function sealEndpointSecret(sealSecret: string, shopId: string, endpointId: string, secret: string): Promise<string> {
  return sealSecretKey(sealSecret, `${shopId}:${endpointId}`, secret);
}

/** Opens an endpoint's signing secret with the current seal secret, else the previous one (a rotation). */
export async function openEndpointSecret(secrets: SealSecrets, shopId: string, endpointId: string, sealed: string): Promise<string> {
  return (await openSealedEndpointSecret(secrets, shopId, endpointId, sealed)).secretKey;
}

/** As `openEndpointSecret`, saying whether the previous seal secret was needed (`stale`: re-seal it). */
export function openSealedEndpointSecret(secrets: SealSecrets, shopId: string, endpointId: string, sealed: string): Promise<{ secretKey: string; stale: boolean }> {
  return openSealedKey(secrets, `${shopId}:${endpointId}`, sealed);
}
