/**
 * Keys and tenants (worker/README.md). A key carries its shop: `sk_<shopId>_<random>` (secret) and
 * `pk_<shopId>_<random>` (publishable), the random part 32 base62 characters (~190 bits) from
 * `crypto.getRandomValues`. Keys are stored as their SHA-256; the shop id a handler sees comes only from a
 * verified key (http/auth.ts), never from the request body or path.
 */
import { BASE62, randomFrom, sha256Hex } from "./crypto.ts";

export type KeyKind = "secret" | "publishable";

const PREFIX: Record<KeyKind, string> = { secret: "sk", publishable: "pk" };
/** Random characters in a key. */
export const KEY_RANDOM_LENGTH = 32;
/** Shop ids: letters, digits and '-' (no '_', the key separator; no ':', the object-name separator). */
export const SHOP_ID_PATTERN = /^[A-Za-z0-9-]{1,64}$/;
const KEY_PATTERN = /^(sk|pk)_([A-Za-z0-9-]{1,64})_([A-Za-z0-9]{32,128})$/;

/** `length` characters of base62, uniformly. */
export function randomBase62(length: number): string {
  return randomFrom(BASE62, length);
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

/** How a key is stored: SHA-256 hex. Keys carry ~190 random bits, so a fast hash is enough (no stretching). */
export const hashKey = sha256Hex;
