import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { resetClock, setClock } from "../lib/clock.ts";
import { schemaVersion } from "../lib/sql.ts";
import { LIMITER_MIGRATIONS } from "./limiter-sql.ts";
import { SWEEP_INTERVAL_MS, rateLimiter, type RateRule, type RateLimiter } from "./limiter.ts";

/** A fresh limiter per test. */
const limiter = () => rateLimiter(env, `shop-${crypto.randomUUID()}`);
const rule = (key: string, limit: number, windowSeconds: number): RateRule => ({ key, limit, windowSeconds });
/** Now-ish, so that the sweep alarms these tests schedule lie in the future and never fire on their own. */
const T0 = Date.now();
const SECOND = 1000;
const DAY = 24 * 60 * 60 * SECOND;

async function takeMany(stub: DurableObjectStub<RateLimiter>, rules: RateRule[], at: number, times: number) {
  const results = [];
  for (let i = 0; i < times; i++) results.push(await stub.take(rules, at));
  return results;
}

/** The logged requests, per key. */
async function logged(stub: DurableObjectStub<RateLimiter>): Promise<Record<string, number>> {
  return runInDurableObject(stub, (_limiter, state) => {
    const rows = state.storage.sql.exec<{ key: string; n: number }>("SELECT key, COUNT(*) AS n FROM hits GROUP BY key").toArray();
    return Object.fromEntries(rows.map(({ key, n }) => [key, n]));
  });
}

afterEach(() => resetClock());

describe("RateLimiter", () => {
  it("takes its schema on start", async () => {
    await runInDurableObject(limiter(), (_limiter, state) => {
      expect(schemaVersion(state.storage)).toBe(LIMITER_MIGRATIONS.length);
    });
  });

  it("allows exactly `limit` requests in a window and refuses the next", async () => {
    const stub = limiter();
    const rules = [rule("k", 3, 60)];
    expect(await takeMany(stub, rules, T0, 3)).toEqual([{ allowed: true }, { allowed: true }, { allowed: true }]);
    expect(await stub.take(rules, T0)).toEqual({ allowed: false, retryAfterSeconds: 60, key: "k" });
    expect(await stub.take(rules, T0 + 59 * SECOND)).toEqual({ allowed: false, retryAfterSeconds: 1, key: "k" });
    // Another key is its own count.
    expect(await stub.take([rule("other", 3, 60)], T0)).toEqual({ allowed: true });
  });

  it("slides: each request stops counting exactly one window after it was made", async () => {
    const stub = limiter();
    const rules = [rule("k", 3, 60)];
    for (const offset of [0, 10, 20]) expect(await stub.take(rules, T0 + offset * SECOND)).toEqual({ allowed: true });
    expect(await stub.take(rules, T0 + 30 * SECOND)).toEqual({ allowed: false, retryAfterSeconds: 30, key: "k" });
    expect(await stub.take(rules, T0 + 60 * SECOND - 1)).toEqual({ allowed: false, retryAfterSeconds: 1, key: "k" });
    expect(await stub.take(rules, T0 + 60 * SECOND)).toEqual({ allowed: true }); // the request of T0 left
    // Full again: the next to leave is the one of T0 + 10 s, at T0 + 70 s.
    expect(await stub.take(rules, T0 + 60 * SECOND + 1)).toEqual({ allowed: false, retryAfterSeconds: 10, key: "k" });
    expect(await stub.take(rules, T0 + 70 * SECOND)).toEqual({ allowed: true });
  });

  it("Retry-After is the wait until the rule allows, rounded up to whole seconds and at least 1", async () => {
    const stub = limiter();
    const rules = [rule("k", 1, 10)];
    expect(await stub.take(rules, T0)).toEqual({ allowed: true });
    expect(await stub.take(rules, T0 + 2500)).toEqual({ allowed: false, retryAfterSeconds: 8, key: "k" }); // 7.5 s
    expect(await stub.take(rules, T0 + 9000)).toEqual({ allowed: false, retryAfterSeconds: 1, key: "k" }); // 1 s
    expect(await stub.take(rules, T0 + 9999)).toEqual({ allowed: false, retryAfterSeconds: 1, key: "k" }); // 1 ms
    // Waiting what it said is enough.
    expect(await stub.take(rules, T0 + 2500 + 8 * SECOND)).toEqual({ allowed: true });
  });

  it("counts costs, and waits for as many requests to leave as the cost needs", async () => {
    const stub = limiter();
    const rules = [rule("k", 5, 60)];
    expect(await stub.take(rules, T0, 2)).toEqual({ allowed: true });
    expect(await stub.take(rules, T0 + 10 * SECOND, 2)).toEqual({ allowed: true });
    expect(await stub.take(rules, T0 + 20 * SECOND, 1)).toEqual({ allowed: true }); // 5 of 5
    // A cost of 3 needs 3 freed: the request of T0 (2) and of T0 + 10 s (2) must leave, at T0 + 70 s.
    expect(await stub.take(rules, T0 + 30 * SECOND, 3)).toEqual({ allowed: false, retryAfterSeconds: 40, key: "k" });
    expect(await stub.take(rules, T0 + 30 * SECOND, 2)).toEqual({ allowed: false, retryAfterSeconds: 30, key: "k" });
    expect(await stub.take(rules, T0 + 70 * SECOND, 3)).toEqual({ allowed: true });
  });

  it("a refused request counts on none of its rules", async () => {
    const stub = limiter();
    const wide = rule("wide", 5, 60);
    const narrow = rule("narrow", 1, 60);
    expect(await stub.take([wide, narrow], T0)).toEqual({ allowed: true });
    for (let i = 0; i < 10; i++) expect(await stub.take([wide, narrow], T0)).toMatchObject({ allowed: false, key: "narrow" });
    // `wide` counted only the one allowed request: 4 are left.
    expect(await takeMany(stub, [wide], T0, 4)).toEqual(Array(4).fill({ allowed: true }));
    expect(await stub.take([wide], T0)).toEqual({ allowed: false, retryAfterSeconds: 60, key: "wide" });
    expect(await logged(stub)).toEqual({ wide: 5, narrow: 1 });
  });

  it("when several rules refuse, names the one with the longest wait", async () => {
    const stub = limiter();
    const rules = [rule("short", 1, 10), rule("long", 1, 60)];
    expect(await stub.take(rules, T0)).toEqual({ allowed: true });
    expect(await stub.take(rules, T0 + SECOND)).toEqual({ allowed: false, retryAfterSeconds: 59, key: "long" });
    expect(await stub.take([...rules].reverse(), T0 + SECOND)).toEqual({ allowed: false, retryAfterSeconds: 59, key: "long" });
  });

  it("rules on one key read one log through their windows, and log a request once", async () => {
    const stub = limiter();
    const rules = [rule("ip", 2, 10), rule("ip", 3, 60)];
    expect(await stub.take(rules, T0)).toEqual({ allowed: true });
    expect(await stub.take(rules, T0 + SECOND)).toEqual({ allowed: true });
    expect(await stub.take(rules, T0 + 2 * SECOND)).toEqual({ allowed: false, retryAfterSeconds: 8, key: "ip" });
    expect(await stub.take(rules, T0 + 10 * SECOND)).toEqual({ allowed: true }); // 10 s window: 1 + 1; 60 s: 2 + 1
    expect(await stub.take(rules, T0 + 11 * SECOND)).toEqual({ allowed: false, retryAfterSeconds: 49, key: "ip" }); // 60 s: full until T0 + 60 s
    expect(await logged(stub)).toEqual({ ip: 3 });
  });

  it("50 concurrent requests against a limit of 10: exactly 10 allowed", async () => {
    const stub = limiter();
    const rules = [rule("register:ip:203.0.113.7", 10, 600), rule("register:phone:+79991234567", 20, 3600)];
    const results = await Promise.all(Array.from({ length: 50 }, () => stub.take(rules, T0)));
    expect(results.filter((result) => result.allowed)).toHaveLength(10);
    for (const refused of results.filter((result) => !result.allowed)) {
      expect(refused).toEqual({ allowed: false, retryAfterSeconds: 600, key: "register:ip:203.0.113.7" });
    }
    expect(await logged(stub)).toEqual({ "register:ip:203.0.113.7": 10, "register:phone:+79991234567": 10 });
  });

  it("reset forgets what the given keys counted, and nothing else", async () => {
    const stub = limiter();
    await stub.take([rule("a", 1, 60), rule("b", 1, 60)], T0);
    expect(await stub.take([rule("a", 1, 60)], T0)).toMatchObject({ allowed: false });
    await stub.reset(["a", "never-used"]);
    expect(await stub.take([rule("a", 1, 60)], T0)).toEqual({ allowed: true });
    expect(await stub.take([rule("b", 1, 60)], T0)).toMatchObject({ allowed: false, key: "b" });
  });

  it("touching a key forgets its requests outside every window", async () => {
    const stub = limiter();
    const rules = [rule("k", 5, 60)];
    await takeMany(stub, rules, T0, 3);
    await stub.take([rule("idle", 5, 60)], T0);
    expect(await logged(stub)).toEqual({ k: 3, idle: 1 });
    expect(await stub.take(rules, T0 + 60 * SECOND)).toEqual({ allowed: true });
    expect(await logged(stub)).toEqual({ k: 1, idle: 1 });
    // A refused request trims too: at T0 + 120 s the request of T0 + 60 s leaves, and 4 + 2 > 5 still.
    await takeMany(stub, rules, T0 + 61 * SECOND, 4);
    expect(await logged(stub)).toEqual({ k: 5, idle: 1 });
    expect(await stub.take(rules, T0 + 120 * SECOND, 2)).toEqual({ allowed: false, retryAfterSeconds: 1, key: "k" });
    expect(await logged(stub)).toEqual({ k: 4, idle: 1 });
  });

  it("keeps a request for the longest window of its rules, and an alarm sweeps idle keys", async () => {
    const stub = limiter();
    await stub.take([rule("minute", 5, 60)], T0);
    await stub.take([rule("day", 5, 60), rule("day", 50, 86_400)], T0);
    // The first sweep waits at least the sweep interval, even though "minute" expires sooner.
    await runInDurableObject(stub, async (_limiter, state) => expect(await state.storage.getAlarm()).toBe(T0 + SWEEP_INTERVAL_MS));

    setClock(T0 + SWEEP_INTERVAL_MS);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await logged(stub)).toEqual({ day: 1 });
    await runInDurableObject(stub, async (_limiter, state) => expect(await state.storage.getAlarm()).toBe(T0 + DAY));
    // The day's request still counts on the day rule.
    expect(await stub.take([rule("day", 1, 86_400)], T0 + SWEEP_INTERVAL_MS)).toMatchObject({ allowed: false, key: "day" });

    setClock(T0 + DAY);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await logged(stub)).toEqual({});
    await runInDurableObject(stub, async (_limiter, state) => expect(await state.storage.getAlarm()).toBeNull());
    // Logging again schedules the next sweep; a key that expires sooner brings a far sweep forward.
    await stub.take([rule("day", 1, 86_400)], T0 + DAY);
    await runInDurableObject(stub, async (_limiter, state) => expect(await state.storage.getAlarm()).toBe(T0 + 2 * DAY));
    await stub.take([rule("minute", 5, 60)], T0 + DAY + 1);
    await runInDurableObject(stub, async (_limiter, state) => expect(await state.storage.getAlarm()).toBe(T0 + DAY + 1 + SWEEP_INTERVAL_MS));
    await stub.take([rule("hour", 5, 3600)], T0 + DAY + 2);
    await runInDurableObject(stub, async (_limiter, state) => expect(await state.storage.getAlarm()).toBe(T0 + DAY + 1 + SWEEP_INTERVAL_MS));
  });

  it("refuses nonsense from its caller", async () => {
    // Called on the instance: errors thrown across RPC surface in this shared isolate as unhandled rejections.
    await runInDurableObject(limiter(), async (instance) => {
      const take = (rules: RateRule[], now = T0, cost = 1) => instance.take(rules, now, cost);
      await expect(take([])).rejects.toThrow(RangeError);
      await expect(take(Array(17).fill(rule("k", 1, 1)))).rejects.toThrow(/rules must be an array of 1 to 16/);
      await expect(take([rule("k", 0, 60)])).rejects.toThrow(/rules\[0\]\.limit must be an integer from 1/);
      await expect(take([rule("k", 1.5, 60)])).rejects.toThrow(/rules\[0\]\.limit/);
      await expect(take([rule("k", 1, 60), rule("k", 1, 0)])).rejects.toThrow(/rules\[1\]\.windowSeconds/);
      await expect(take([rule("k", 1, 86_401)])).rejects.toThrow(/windowSeconds must be an integer from 1 to 86400/);
      await expect(take([rule("k", 1, 0.5)])).rejects.toThrow(/windowSeconds/);
      await expect(take([rule("", 1, 60)])).rejects.toThrow(/rules\[0\]\.key must be a string of 1 to 300/);
      await expect(take([rule("k".repeat(301), 1, 60)])).rejects.toThrow(/key/);
      await expect(take([rule("k", 1, 60)], -1)).rejects.toThrow(/now must be epoch milliseconds/);
      await expect(take([rule("k", 1, 60)], T0 + 0.5)).rejects.toThrow(/now/);
      await expect(take([rule("k", 1, 60)], T0, 0)).rejects.toThrow(/cost/);
      await expect(take([rule("k", 2, 60)], T0, 3)).rejects.toThrow(/cost 3 exceeds rules\[0\]\.limit 2/);
      expect(() => instance.reset(["k".repeat(301)])).toThrow(RangeError);
      // The edges are allowed.
      await expect(take([rule("k".repeat(300), 1, 86_400), rule("k", 1, 1)])).resolves.toEqual({ allowed: true });
    });
  });
});
