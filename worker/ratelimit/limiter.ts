import { DurableObject } from "cloudflare:workers";
import { now } from "../lib/clock.ts";
import { migrate } from "../lib/sql.ts";
import {
  LIMITER_MIGRATIONS,
  deleteExpiredHits,
  deleteExpiredHitsOfKey,
  deleteHitsOfKey,
  insertHit,
  selectHitsSince,
  selectNextExpiry,
  selectUsed,
  type HitRow,
} from "./limiter-sql.ts";

/**
 * At most `limit` requests (costs, in all) on `key` in any `windowSeconds`. Rules that share a key count the same
 * requests: `register:ip:…` with 10 per 10 min and 50 per day is one log read through two windows.
 */
export interface RateRule {
  key: string;
  limit: number;
  windowSeconds: number;
}

/** A refusal names the rule's key that refused and how long until that rule would allow the same request. */
export type TakeResult = { allowed: true } | { allowed: false; retryAfterSeconds: number; key: string };

export const MAX_KEY_LENGTH = 300;
export const MAX_WINDOW_SECONDS = 24 * 60 * 60;
/** More rules than this in one request is a mistake in the caller, not a policy. */
export const MAX_RULES = 16;
/** Idle keys are swept by an alarm at most this often: one alarm per expiring key would wake the object per IP. */
export const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

function assertPositiveInteger(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${name} must be an integer from 1 to ${max}, got ${String(value)}`);
  }
}

function assertKey(name: string, key: unknown): asserts key is string {
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new RangeError(`${name} must be a string of 1 to ${MAX_KEY_LENGTH} characters`);
  }
}

/** Programmer errors — these never depend on what a client sent — throw a RangeError. */
export function assertTake(rules: readonly RateRule[], now: number, cost: number): void {
  if (!Array.isArray(rules) || rules.length === 0 || rules.length > MAX_RULES) {
    throw new RangeError(`rules must be an array of 1 to ${MAX_RULES} rules`);
  }
  if (typeof now !== "number" || !Number.isSafeInteger(now) || now < 0) throw new RangeError(`now must be epoch milliseconds, got ${String(now)}`);
  assertPositiveInteger("cost", cost);
  rules.forEach((rule, i) => {
    assertKey(`rules[${i}].key`, rule.key);
    assertPositiveInteger(`rules[${i}].limit`, rule.limit);
    assertPositiveInteger(`rules[${i}].windowSeconds`, rule.windowSeconds, MAX_WINDOW_SECONDS);
    // Such a request could never be allowed: the caller's rules or cost are wrong.
    if (cost > rule.limit) throw new RangeError(`cost ${cost} exceeds rules[${i}].limit ${rule.limit}`);
  });
}

/** Each key of the rules with its longest window in ms: how long a request logged on it stays visible. */
function longestWindows(rules: readonly RateRule[]): Map<string, number> {
  const longest = new Map<string, number>();
  for (const { key, windowSeconds } of rules) longest.set(key, Math.max(longest.get(key) ?? 0, windowSeconds * 1000));
  return longest;
}

/**
 * Milliseconds from `at` until enough of the window's requests (oldest first) have left it to free `excess`: a
 * request logged at `t` stops counting at `t + windowMs`.
 */
function waitToFree(hits: readonly HitRow[], excess: number, windowMs: number, at: number): number {
  let freed = 0;
  for (const hit of hits) {
    freed += hit.cost;
    if (freed >= excess) return hit.at + windowMs - at;
  }
  return windowMs; // unreachable while cost ≤ limit: the window holds at least `excess`
}

/**
 * The RateLimiter Durable Object, one per shop (`getByName(shopId)`): exact limits for the public widget API
 * (registration, verification codes), per IP and per contact, shared by every isolate. `take` reads and writes
 * without an await in between, so concurrent requests are serialized and a limit of 10 allows exactly 10.
 *
 * Storage is a log of allowed requests per key (a sliding window log): a rule allows a request when what the
 * log holds in the last `windowSeconds` plus the request's cost stays within `limit`. A logged request is kept for
 * the longest window of the rules that counted it; touching a key forgets what expired, and an alarm sweeps
 * idle keys. Use one set of rules per key: a shorter set would let the longer one's entries expire early.
 */
export class RateLimiter extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** The sweep alarm as last read or set (null: none); undefined until read. */
  private sweepAt: number | null | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => migrate(ctx.storage, LIMITER_MIGRATIONS));
  }

  /**
   * Counts a request of `cost` against every rule at `now` (epoch ms) if all of them allow it; otherwise counts
   * nothing and names the rule that refused (the one with the longest wait, when several do). `retryAfterSeconds`
   * is whole seconds, rounded up, until that rule would allow the same request if nothing else arrived.
   */
  async take(rules: readonly RateRule[], now: number, cost = 1): Promise<TakeResult> {
    assertTake(rules, now, cost);
    const keys = longestWindows(rules);
    const result = this.ctx.storage.transactionSync((): TakeResult => {
      for (const key of keys.keys()) deleteExpiredHitsOfKey(this.sql, key, now);
      let refusal: { key: string; waitMs: number } | undefined;
      for (const { key, limit, windowSeconds } of rules) {
        const windowMs = windowSeconds * 1000;
        const used = selectUsed(this.sql, key, now - windowMs);
        if (used + cost <= limit) continue;
        const waitMs = waitToFree(selectHitsSince(this.sql, key, now - windowMs), used + cost - limit, windowMs, now);
        if (refusal === undefined || waitMs > refusal.waitMs) refusal = { key, waitMs };
      }
      if (refusal !== undefined) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(refusal.waitMs / 1000)), key: refusal.key };
      for (const [key, longestMs] of keys) insertHit(this.sql, key, now, cost, now + longestMs);
      return { allowed: true };
    });
    if (result.allowed) await this.scheduleSweep(now, now + Math.min(...keys.values()));
    return result;
  }

  /** Forgets everything the given keys counted (e.g. a contact's code checks once the code was right). */
  reset(keys: readonly string[]): void {
    if (!Array.isArray(keys) || keys.length > MAX_RULES) throw new RangeError(`keys must be an array of at most ${MAX_RULES} keys`);
    keys.forEach((key, i) => assertKey(`keys[${i}]`, key));
    this.ctx.storage.transactionSync(() => {
      for (const key of keys) deleteHitsOfKey(this.sql, key);
    });
  }

  /** Forgets every expired request, then waits for the next expiry (no sooner than the sweep interval). */
  override async alarm(): Promise<void> {
    const at = now();
    deleteExpiredHits(this.sql, at);
    const next = selectNextExpiry(this.sql);
    this.sweepAt = next === undefined ? null : Math.max(next, at + SWEEP_INTERVAL_MS);
    if (this.sweepAt !== null) await this.ctx.storage.setAlarm(this.sweepAt);
  }

  /**
   * Makes sure a sweep is due by the sweep interval after `expiresAt`, the earliest expiry just logged at `at`. A later
   * alarm (a day-long key's) is brought forward; an earlier one stays and reschedules itself when it runs.
   */
  private async scheduleSweep(at: number, expiresAt: number): Promise<void> {
    if (this.sweepAt === undefined) this.sweepAt = await this.ctx.storage.getAlarm();
    const due = Math.max(expiresAt, at + SWEEP_INTERVAL_MS);
    if (this.sweepAt !== null && this.sweepAt <= due) return;
    this.sweepAt = due;
    await this.ctx.storage.setAlarm(due);
  }
}

/** The rate limiter of a shop (the shop id must come from a verified key). */
export function rateLimiter(env: Env, shopId: string): DurableObjectStub<RateLimiter> {
  return env.RATE_LIMITER.getByName(shopId);
}
