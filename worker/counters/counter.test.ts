import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { now, resetClock, setClock } from "../lib/clock.ts";
import { schemaVersion } from "../lib/sql.ts";
import { COUNTER_MIGRATIONS } from "./counter-sql.ts";
import { campaignCounter } from "./counter.ts";

/** A fresh counter per test. */
const counter = () => campaignCounter(env, "shop-test", `campaign-${crypto.randomUUID()}`);
const HOUR = 60 * 60 * 1000;
const reserveRequest = (orderId: string, overrides: Partial<{ uses: number; budget: number; expiresAt: number; limits: { totalUses?: number; budget?: number } }> = {}) => ({
  orderId,
  uses: 1,
  budget: 0,
  limits: { totalUses: 10 },
  expiresAt: Date.now() + HOUR,
  now: now(),
  ...overrides,
});

afterEach(() => resetClock());

describe("CampaignCounter", () => {
  it("takes its schema on start", async () => {
    await runInDurableObject(counter(), (_counter, state) => {
      expect(schemaVersion(state.storage)).toBe(COUNTER_MIGRATIONS.length);
    });
  });

  it("peek reports what is left of the given limits, and nothing for absent ones", async () => {
    const stub = counter();
    expect(await stub.peek({ totalUses: 5, budget: 1000 }, now())).toEqual({ usesLeft: 5, budgetLeft: 1000 });
    expect(await stub.peek({}, now())).toEqual({});
    await stub.reserve(reserveRequest("o1", { budget: 300, limits: { totalUses: 5, budget: 1000 } }));
    expect(await stub.peek({ totalUses: 5, budget: 1000 }, now())).toEqual({ usesLeft: 4, budgetLeft: 700 });
    expect(await stub.peek({ totalUses: 5 }, now())).toEqual({ usesLeft: 4 });
    // A program that lowered the limit below what is taken: nothing left, never negative.
    expect(await stub.peek({ totalUses: 0, budget: 100 }, now())).toEqual({ usesLeft: 0, budgetLeft: 0 });
  });

  it("50 parallel reservations against 10 uses left: exactly 10 granted", async () => {
    const stub = counter();
    const limits = { totalUses: 12 };
    await stub.reserve(reserveRequest("before-1", { limits }));
    await stub.reserve(reserveRequest("before-2", { limits }));
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => stub.reserve(reserveRequest(`order-${i}`, { limits }))));
    const granted = results.filter((result) => result.granted);
    expect(granted).toHaveLength(10);
    for (const denied of results.filter((result) => !result.granted)) expect(denied).toEqual({ granted: false, reason: "uses", usesLeft: 0 });
    expect(await stub.peek(limits, now())).toEqual({ usesLeft: 0 });
  });

  it("the budget is never exceeded, whatever the mix of parallel amounts", async () => {
    const stub = counter();
    const limits = { budget: 10_000 };
    const amounts = Array.from({ length: 60 }, (_, i) => 100 + ((i * 7919) % 900)); // 100 … 999
    const results = await Promise.all(amounts.map((budget, i) => stub.reserve(reserveRequest(`order-${i}`, { budget, limits }))));
    const spent = results.reduce((sum, result, i) => sum + (result.granted ? (amounts[i] as number) : 0), 0);
    expect(spent).toBeLessThanOrEqual(10_000);
    const { budgetLeft } = await stub.peek(limits, now());
    expect(budgetLeft).toBe(10_000 - spent);
    // Every denial was for the budget and only when the amount did not fit: what is left only shrinks, so every
    // denied amount is more than what is left at the end.
    expect(results.some((result) => !result.granted)).toBe(true);
    results.forEach((result, i) => {
      if (!result.granted) {
        expect(result.reason).toBe("budget");
        expect(amounts[i]).toBeGreaterThan(budgetLeft as number);
      }
    });
  });

  it("a denial changes nothing", async () => {
    const stub = counter();
    const limits = { totalUses: 1, budget: 500 };
    expect(await stub.reserve(reserveRequest("big", { budget: 501, limits }))).toEqual({ granted: false, reason: "budget", usesLeft: 1, budgetLeft: 500 });
    expect(await stub.reserve(reserveRequest("ok", { budget: 500, limits }))).toEqual({ granted: true, usesLeft: 0, budgetLeft: 0 });
    expect(await stub.reserve(reserveRequest("late", { budget: 0, limits }))).toEqual({ granted: false, reason: "uses", usesLeft: 0, budgetLeft: 0 });
  });

  it("reserve is idempotent per order: replays take nothing more, even at the limit", async () => {
    const stub = counter();
    const limits = { totalUses: 2, budget: 1000 };
    const first = await stub.reserve(reserveRequest("o1", { budget: 400, limits }));
    expect(first).toEqual({ granted: true, usesLeft: 1, budgetLeft: 600 });
    for (let i = 0; i < 3; i++) expect(await stub.reserve(reserveRequest("o1", { budget: 400, limits }))).toEqual(first);
    await stub.reserve(reserveRequest("o2", { budget: 600, limits }));
    // Full now, but o1's replay is still granted: it already holds its share.
    expect(await stub.reserve(reserveRequest("o1", { budget: 400, limits }))).toEqual({ granted: true, usesLeft: 0, budgetLeft: 0 });
  });

  it("a repeat with new numbers replaces the order's reservation if the others leave room", async () => {
    const stub = counter();
    const limits = { budget: 1000 };
    await stub.reserve(reserveRequest("o1", { budget: 400, limits }));
    await stub.reserve(reserveRequest("o2", { budget: 500, limits }));
    expect(await stub.reserve(reserveRequest("o1", { budget: 500, limits }))).toEqual({ granted: true, budgetLeft: 0 });
    expect(await stub.reserve(reserveRequest("o1", { budget: 501, limits }))).toEqual({ granted: false, reason: "budget", budgetLeft: 0 });
    expect(await stub.reserve(reserveRequest("o1", { budget: 100, limits }))).toEqual({ granted: true, budgetLeft: 400 });
  });

  it("commit and release are idempotent; release gives the use back", async () => {
    const stub = counter();
    const limits = { totalUses: 1 };
    await stub.reserve(reserveRequest("o1", { limits }));
    expect(await stub.commit("o1", now())).toEqual({ committed: true });
    expect(await stub.commit("o1", now())).toEqual({ committed: true });
    expect(await stub.peek(limits, now())).toEqual({ usesLeft: 0 });
    // A committed order's reservation replay stays granted and takes nothing more.
    expect(await stub.reserve(reserveRequest("o1", { limits }))).toEqual({ granted: true, usesLeft: 0 });
    expect(await stub.release("o1", now())).toEqual({ released: true });
    expect(await stub.release("o1", now())).toEqual({ released: false });
    expect(await stub.peek(limits, now())).toEqual({ usesLeft: 1 });
    expect(await stub.commit("o1", now())).toEqual({ committed: false }); // released: reserve again first
    expect(await stub.commit("unknown", now())).toEqual({ committed: false });
    expect(await stub.release("unknown", now())).toEqual({ released: false });
  });

  it("commit with a record counts a confirmed order's use even without a reservation, once", async () => {
    const stub = counter();
    const limits = { totalUses: 1, budget: 1000 };
    await stub.reserve(reserveRequest("o2", { limits, budget: 600 }));
    await stub.commit("o2", now());
    // o1 was confirmed by its account but its reservation is gone: the use it was given is still counted.
    expect(await stub.commit("o1", now(), { uses: 1, budget: 600 })).toEqual({ committed: true });
    expect(await stub.commit("o1", now(), { uses: 1, budget: 600 })).toEqual({ committed: true });
    expect(await stub.peek(limits, now())).toEqual({ usesLeft: 0, budgetLeft: 0 });
    expect(await stub.release("o1", now())).toEqual({ released: true });
    expect(await stub.peek(limits, now())).toEqual({ usesLeft: 0, budgetLeft: 400 });
    expect(await stub.release("o2", now())).toEqual({ released: true });
    expect(await stub.peek(limits, now())).toEqual({ usesLeft: 1, budgetLeft: 1000 });
  });

  it("an order that gave its use back (cancelled) records none on a later commit, even with a record", async () => {
    const stub = counter();
    const limits = { totalUses: 1 };
    await stub.reserve(reserveRequest("o1", { limits }));
    await stub.commit("o1", now());
    expect(await stub.release("o1", now())).toEqual({ released: true });
    expect(await stub.commit("o1", now(), { uses: 1, budget: 0 })).toEqual({ committed: false });
    expect(await stub.peek(limits, now())).toEqual({ usesLeft: 1 });
    // A reservation that lapsed, then released by the order's cancellation: given up too.
    setClock(Date.now());
    await stub.reserve(reserveRequest("o2", { limits, expiresAt: now() + 1000 }));
    setClock(now() + 2000);
    expect(await stub.release("o2", now())).toEqual({ released: false });
    expect(await stub.commit("o2", now(), { uses: 1, budget: 0 })).toEqual({ committed: false });
    // Reserving again makes the order count as usual.
    await stub.reserve(reserveRequest("o2", { limits, expiresAt: now() + HOUR }));
    expect(await stub.commit("o2", now(), { uses: 1, budget: 0 })).toEqual({ committed: true });
    expect(await stub.peek(limits, now())).toEqual({ usesLeft: 0 });
  });

  it("a lapsed reservation stops counting at its expiry, and its alarm releases it", async () => {
    const stub = counter();
    const limits = { totalUses: 1 };
    const expiresAt = Date.now() + HOUR;
    await stub.reserve(reserveRequest("o1", { limits, expiresAt }));
    expect(await stub.peek(limits, now())).toEqual({ usesLeft: 0 });

    setClock(expiresAt - 1);
    expect(await stub.peek(limits, now())).toEqual({ usesLeft: 0 });

    setClock(expiresAt);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await runInDurableObject(stub, (_counter, state) => {
      expect(state.storage.sql.exec("SELECT state FROM reservations WHERE order_id = 'o1'").one().state).toBe("released");
    });
    expect(await stub.peek(limits, now())).toEqual({ usesLeft: 1 });
    expect(await stub.commit("o1", now())).toEqual({ committed: false });
    // Someone else may take the use now; o1 gets it back only if there is room.
    expect(await stub.reserve(reserveRequest("o2", { limits, expiresAt: expiresAt + HOUR }))).toMatchObject({ granted: true });
    expect(await stub.reserve(reserveRequest("o1", { limits, expiresAt: expiresAt + HOUR }))).toMatchObject({ granted: false });
  });

  it("lapsed reservations count as released even before the alarm runs", async () => {
    const stub = counter();
    const limits = { totalUses: 1 };
    const expiresAt = Date.now() + HOUR;
    await stub.reserve(reserveRequest("o1", { limits, expiresAt }));
    setClock(expiresAt + 1);
    expect(await stub.reserve(reserveRequest("o2", { limits, expiresAt: expiresAt + HOUR }))).toEqual({ granted: true, usesLeft: 0 });
  });

  it("the alarm follows the earliest held reservation", async () => {
    const stub = counter();
    const t0 = Date.now();
    await stub.reserve(reserveRequest("late", { expiresAt: t0 + 2 * HOUR }));
    await stub.reserve(reserveRequest("early", { expiresAt: t0 + HOUR }));
    await runInDurableObject(stub, async (_counter, state) => expect(await state.storage.getAlarm()).toBe(t0 + HOUR));
    await stub.commit("early", t0);
    await runInDurableObject(stub, async (_counter, state) => expect(await state.storage.getAlarm()).toBe(t0 + 2 * HOUR));
    await stub.release("late", t0);
    await runInDurableObject(stub, async (_counter, state) => expect(await state.storage.getAlarm()).toBeNull());
  });

  it("refuses nonsense from its caller", async () => {
    // Called on the instance: errors thrown across RPC surface in this shared isolate as unhandled rejections.
    await runInDurableObject(counter(), async (instance) => {
      await expect(instance.reserve(reserveRequest("o1", { uses: -1 }))).rejects.toThrow(/uses must be a non-negative safe integer/);
      await expect(instance.reserve(reserveRequest("", {}))).rejects.toThrow(/orderId/);
      expect(() => instance.peek({ totalUses: 1.5 }, now())).toThrow(/limits.totalUses/);
    });
  });
});
