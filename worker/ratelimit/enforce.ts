/**
 * The Worker's side of rate limiting: one call per request before it does anything, refusing with `rate_limited`
 * (429 with `Retry-After` at the HTTP edge).
 */
import { Refused } from "../lib/refusal.ts";
import { assertTake, rateLimiter, type RateRule } from "./limiter.ts";

/**
 * 429 rate_limited. The wait goes into the `Retry-After` header at the HTTP edge and, for cross-origin callers that
 * cannot read that header without CORS exposing it, into `error.retryAfterSeconds`.
 */
export function rateLimited(retryAfterSeconds: number): Refused {
  return new Refused({ code: "rate_limited", message: `Too many requests; try again in ${retryAfterSeconds} s`, retryAfterSeconds });
}

/**
 * Counts one request at `now` (epoch ms, from clock.ts) against every rule in the shop's RateLimiter, or throws
 * 429 rate_limited when any rule refuses (and then nothing is counted). The message never names the key: keys
 * carry the client's IP and contacts.
 */
export async function enforceRateLimit(env: Env, shopId: string, rules: readonly RateRule[], now: number): Promise<void> {
  assertTake(rules, now, 1); // a bad rule is our bug: fail here, with this stack, before the round trip
  const result = await rateLimiter(env, shopId).take(rules, now);
  if (!result.allowed) throw rateLimited(result.retryAfterSeconds);
}

/** Forgets what the given keys counted, e.g. `codeCheckKeys(contact)` once a customer entered the right code. */
export async function resetRateLimit(env: Env, shopId: string, keys: readonly string[]): Promise<void> {
  if (keys.length > 0) await rateLimiter(env, shopId).reset(keys);
}
