/**
 * `Idempotency-Key` for writes that carry no id of their own (docs/api.md, Idempotency). A repeat with the same key
 * and the same request returns the first answer (same status, same body, plus `Idempotent-Replayed: true`) and
 * runs nothing; the same key with a different request is 409 idempotency_conflict, and so is a repeat while the
 * first is still running.
 *
 * Records live in a Shop object: the shop's own for shop-scoped writes, `PLATFORM_OBJECT` for `POST /v1/shops`
 * (there is no shop yet); on widget routes a key is the token's customer's own (two customers never share one). A record holds the SHA-256 of the key (never the key), a fingerprint of the request
 * (method, path, body with object keys sorted — so whitespace and key order do not make a "different body") and
 * the answer sealed with AES-GCM under a key derived from the Idempotency-Key: only a client presenting the key
 * can read it back, which matters because `POST /v1/shops` answers with the shop's keys.
 * Only 2xx answers are remembered: a failed request changed nothing, and running it again is safe.
 */
import { z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { canonicalJson, seal, sha256Hex, unseal } from "../lib/crypto.ts";
import { now } from "../lib/clock.ts";
import { type AppEnv } from "./http.ts";
import type { Shop } from "../shop/shop.ts";
import { refusal } from "../lib/refusal.ts";
import { clientIp } from "../ratelimit/rules.ts";

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** The header for a route's OpenAPI `request.headers` (the middleware checks its format). */
export const idempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .optional()
    .meta({ description: "Makes retries safe: a repeat with the same key and body returns the first answer (remembered ≥ 24 h)" }),
});

function canonicalBody(text: string): string {
  if (text === "") return "";
  try {
    return canonicalJson(JSON.parse(text));
  } catch {
    return text; // not JSON: the route's validator will refuse it; the raw text still fingerprints it
  }
}

/** Answers are sealed under a key derived from the Idempotency-Key itself. */
const SEAL_PURPOSE = "kopilka idempotency seal";

async function sealAnswer(idempotencyKey: string, text: string): Promise<ArrayBuffer> {
  const { iv, data } = await seal(SEAL_PURPOSE, idempotencyKey, text);
  const out = new Uint8Array(iv.byteLength + data.byteLength);
  out.set(iv, 0);
  out.set(data, iv.byteLength);
  return out.buffer;
}

function unsealAnswer(idempotencyKey: string, sealed: ArrayBuffer): Promise<string> {
  const bytes = new Uint8Array(sealed);
  return unseal(SEAL_PURPOSE, idempotencyKey, { iv: bytes.slice(0, 12), data: bytes.slice(12) });
}

/**
 * Whose key it is. Secret-key routes: the shop's (the store is the shop's object). Widget routes act for the
 * customer a token names, all on one path (`/v1/public/me/…`): keys are that customer's own, or a second customer
 * sending the same key would be answered the first one's coupon. A widget request without a token (joining) is
 * anyone's: its key is scoped to the caller's IP and the request itself, so a key replayed by someone else — even
 * with the same body — runs as a request of its own instead of answering the first caller's token.
 */
function scopeOf(c: Context<AppEnv>, path: string, key: string, fingerprint: string): string {
  const customerId = c.get("customerId");
  if (customerId !== undefined) return `customer\u0000${customerId}\u0000${key}`;
  if (path.startsWith("/v1/public/")) return `anonymous\u0000${clientIp(c.req.raw, c.env.CLIENT_IP_HEADER)}\u0000${fingerprint}\u0000${key}`;
  return key;
}

/**
 * Middleware honouring `Idempotency-Key` on a write; `store` picks the Shop object that keeps the records.
 * Place it after authentication (the store depends on the verified shop) and before validation.
 */
export function idempotency(store: (c: Context<AppEnv>) => DurableObjectStub<Shop>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.req.header("idempotency-key");
    if (key === undefined) return next();
    if (!KEY_PATTERN.test(key)) {
      throw refusal("invalid_request", "Idempotency-Key must be 1 to 255 printable ASCII characters without spaces");
    }
    const body = await c.req.text();
    const path = new URL(c.req.url).pathname;
    const fingerprint = await sha256Hex(`${c.req.method} ${path}\n${canonicalBody(body)}`);
    const keyHash = await sha256Hex(`kopilka idempotency key\u0000${scopeOf(c, path, key, fingerprint)}`);
    const records = store(c);
    const start = await records.startIdempotentRequest(keyHash, fingerprint, now());
    switch (start.outcome) {
      case "mismatch":
        throw refusal("idempotency_conflict", "This Idempotency-Key was already used with a different request");
      case "in_progress":
        throw refusal("idempotency_conflict", "A request with this Idempotency-Key is still in progress; retry later");
      case "replay":
        return new Response(await unsealAnswer(key, start.response), {
          status: start.status,
          headers: { "content-type": "application/json", "cache-control": "no-store", "idempotent-replayed": "true" },
        });
      case "started":
        break;
    }
    try {
      await next();
    } catch (error) {
      await records.abandonIdempotentRequest(keyHash);
      throw error;
    }
    // Hono renders a thrown error into c.res before control returns here.
    if (c.res.status >= 200 && c.res.status < 300) {
      const text = await c.res.clone().text();
      await records.completeIdempotentRequest(keyHash, c.res.status, await sealAnswer(key, text));
    } else {
      await records.abandonIdempotentRequest(keyHash);
    }
  };
}
