/**
 * Every cryptographic helper of the Worker and its objects, in one place: hashing, hex and base64url, random
 * strings from an alphabet, constant-time comparison, HMAC-SHA256, and sealing with AES-GCM. WebCrypto throughout,
 * except `hashOf`, which must be synchronous to run inside a Durable Object's transaction (node:crypto, under
 * `nodejs_compat`).
 */
import { createHash } from "node:crypto";
import { BoundedMap } from "./cache.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/** Lower-case hex of the bytes. */
export function hex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += HEX[byte];
  return out;
}

/** SHA-256 of a string, as lower-case hex. */
export async function sha256Hex(text: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text))));
}

/** JSON with object keys sorted at every level: the same document however its keys were ordered. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 (hex) of the canonical JSON of `value`; synchronous, so it can run inside transactions. */
export function hashOf(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

/** Base64url without padding. */
export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

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

/**
 * `length` characters of `alphabet` (at most 256 symbols), uniformly: bytes at or beyond the last full multiple of
 * the alphabet's size are drawn again, so `% size` has no bias.
 */
export function randomFrom(alphabet: string, length: number): string {
  const limit = 256 - (256 % alphabet.length);
  let out = "";
  while (out.length < length) {
    // getRandomValues takes at most 64 KiB at a time.
    for (const byte of crypto.getRandomValues(new Uint8Array(Math.min(65_536, (length - out.length) * 2)))) {
      if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

export const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

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

// ---- HMAC-SHA256 ---------------------------------------------------------------------------------------------

/** HMAC keys imported once per isolate, per secret (a few hundred shops are remembered). */
const macKeys = new BoundedMap<string, Promise<CryptoKey>>(256);

/** The HMAC-SHA256 key of a secret (sign and verify). */
export function macKey(secret: string): Promise<CryptoKey> {
  return macKeys.getOrSet(secret, () =>
    crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]));
}

/** HMAC-SHA256 of `text` with `secret`. */
export async function hmac(secret: string, text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", await macKey(secret), encoder.encode(text)));
}

/** HMAC-SHA256 of `text` with `secret`, as lower-case hex (webhook signatures). */
export async function hmacHex(secret: string, text: string): Promise<string> {
  return hex(await hmac(secret, text));
}

/** Whether `mac` is the HMAC-SHA256 of `text` with `secret`: WebCrypto's comparison, in constant time. */
export async function hmacVerify(secret: string, text: string, mac: Uint8Array<ArrayBuffer>): Promise<boolean> {
  return crypto.subtle.verify("HMAC", await macKey(secret), mac, encoder.encode(text));
}

// ---- sealing (AES-GCM) ---------------------------------------------------------------------------------------

/** AES-GCM keys derived from a purpose and a secret, once per isolate. */
const sealKeys = new BoundedMap<string, Promise<CryptoKey>>(256);

/**
 * The AES-GCM key of `secret` for `purpose` (SHA-256 of both): one secret seals different things under different
 * keys.
 */
function sealKey(purpose: string, secret: string): Promise<CryptoKey> {
  return sealKeys.getOrSet(`${purpose}\u0000${secret}`, async () => {
    const material = await crypto.subtle.digest("SHA-256", encoder.encode(`${purpose}\u0000${secret}`));
    return crypto.subtle.importKey("raw", material, "AES-GCM", false, ["encrypt", "decrypt"]);
  });
}

/** A sealed text: a fresh 12-byte IV and the AES-GCM ciphertext with its tag. */
export interface Sealed {
  iv: Uint8Array<ArrayBuffer>;
  data: Uint8Array<ArrayBuffer>;
}

/**
 * Seals `text` under the key of (`purpose`, `secret`). `boundTo` (associated data) is bound into the ciphertext:
 * it opens only with the same value, e.g. the shop a sealed key belongs to.
 */
export async function seal(purpose: string, secret: string, text: string, boundTo?: string): Promise<Sealed> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const params: AesGcmParams = boundTo === undefined ? { name: "AES-GCM", iv } : { name: "AES-GCM", iv, additionalData: encoder.encode(boundTo) };
  const data = new Uint8Array(await crypto.subtle.encrypt(params, await sealKey(purpose, secret), encoder.encode(text)));
  return { iv, data };
}

/** Opens what `seal` sealed with the same purpose, secret and `boundTo`; throws when anything differs. */
export async function unseal(purpose: string, secret: string, sealed: Sealed, boundTo?: string): Promise<string> {
  const { iv, data } = sealed;
  const params: AesGcmParams = boundTo === undefined ? { name: "AES-GCM", iv } : { name: "AES-GCM", iv, additionalData: encoder.encode(boundTo) };
  return decoder.decode(await crypto.subtle.decrypt(params, await sealKey(purpose, secret), data));
}
