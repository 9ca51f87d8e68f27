import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { EventType, KopilkaEvent } from "../lib/events.ts";
import { emit, outboxSize } from "../lib/outbox.ts";
import { ensureSchema } from "../stream/analytics.ts";
import { CustomerAccount as CustomerAccountClass, type CustomerAccount } from "./account.ts";
import { account, alarmAt, DAY, err, fireAlarm, HOUR, MINUTE, ok, order, program, receipt, T0, tapEvents } from "./test-helpers.ts";

type Stub = DurableObjectStub<CustomerAccount>;

/** Everything the account emitted so far, once relayed. */
async function relayed(stub: Stub, tapped: { events: KopilkaEvent[] }): Promise<KopilkaEvent[]> {
  expect(await runInDurableObject(stub, (instance: CustomerAccount) => instance.flushEvents())).toBe(0);
  return tapped.events;
}

const types = (events: KopilkaEvent[]) => events.map((e) => e.type);
const ofType = <T extends EventType>(events: KopilkaEvent[], type: T) => events.filter((e): e is KopilkaEvent<T> => e.type === type);
const iso = (ms: number) => new Date(ms).toISOString();

const REWARD = { rewardId: "coupon-20", name: "Купон −20%", cost: 500, validDays: 30, expiryDays: 365 };

describe("the event outbox of an account", () => {
  it("emits each change's events once, with the envelope and the exact figures", async () => {
    const stub = account("ev");
    const tapped = await tapEvents(stub);
    ok(await stub.upsertProfile({ customerId: "c1", name: "Анна", birthday: "1990-05-20" }, T0));
    ok(await stub.adjust({ id: "seed", points: 1000, reason: "goodwill" }, T0));
    // 1 000.00 + 2 × 300.00 = 1 600.00; 300 points (300.00) spent; 10% of the 1 300.00 paid = 130 points.
    ok(await stub.placeOrder(order("o1", receipt([{ id: "A", price: 100_000, qty: 1 }, { id: "B", price: 30_000, qty: 2 }], { redeemPoints: 300, store: "web" }), T0 + MINUTE)));
    ok(await stub.confirmOrder("o1", T0 + 2 * MINUTE));
    ok(await stub.returnLines({ orderId: "o1", returnId: "r1", lines: [{ id: "B", qty: 1 }] }, T0 + DAY));
    ok(await stub.redeemReward(REWARD, T0 + DAY + MINUTE));

    const events = await relayed(stub, tapped);
    expect(types(events)).toEqual([
      "customer.created", "points.adjusted", "order.placed", "order.confirmed", "points.spent", "points.earned",
      "order.returned", "points.spent", "reward.redeemed",
    ]);
    const name = await runInDurableObject(stub, (_i: CustomerAccount, state) => state.id.name!);
    for (const e of events) {
      expect(e).toMatchObject({ version: 1, shopId: "shop1", customerId: name.slice("shop1:".length) });
      expect(e.id).toMatch(/^evt_[0-9a-z]{25}$/);
    }
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(events[0]).toMatchObject({ createdAt: iso(T0), data: { referralCode: null, birthday: "1990-05-20" } });
    expect(events[1]!.data).toEqual({ adjustmentId: "seed", points: 1000, reason: "goodwill", balance: 1000 });
    expect(events[2]).toMatchObject({
      createdAt: iso(T0 + MINUTE),
      data: { orderId: "o1", store: "web", subtotal: 160_000, discount: 0, amount: 130_000, pointsSpent: 300, pointsEarned: 130, balance: 700, programVersion: expect.any(Number) },
    });
    expect(events[3]!.data).toMatchObject({ orderId: "o1", amount: 130_000, pointsSpent: 300, pointsEarned: 130, balance: 830, availableAt: iso(T0 + 2 * MINUTE) });
    expect(events[4]!.data).toEqual({ points: 300, orderId: "o1", rewardId: null, balance: 830 });
    expect(events[5]!.data).toMatchObject({ points: 130, source: "order", orderId: "o1", availableAt: iso(T0 + 2 * MINUTE), expiresAt: iso(T0 + 2 * MINUTE + 365 * DAY) });
    // One B of 300.00 back: its share of the spent points comes back, its share of the earned points goes.
    const returned = ofType(events, "order.returned")[0]!.data;
    expect(returned).toMatchObject({ orderId: "o1", returnId: "r1", full: false, lines: [{ id: "B", qty: 1 }] });
    expect(returned.balance).toBe(830 + returned.pointsGivenBack - returned.pointsTakenBack);
    expect(ofType(events, "reward.redeemed")[0]!.data).toMatchObject({ rewardId: "coupon-20", cost: 500, balance: returned.balance - 500, code: expect.stringMatching(/^K-/) });
  });

  it("emits nothing for a replay, a refusal or a read", async () => {
    const stub = account("ev");
    const tapped = await tapEvents(stub);
    ok(await stub.adjust({ id: "seed", points: 500 }, T0));
    ok(await stub.placeOrder(order("o1", receipt([{ id: "A", price: 100_000, qty: 1 }], { redeemPoints: 100 }), T0)));
    ok(await stub.confirmOrder("o1", T0 + MINUTE));
    const before = (await relayed(stub, tapped)).length;
    expect(before).toBe(5);

    // The same calls again answer their first answers and change nothing.
    ok(await stub.adjust({ id: "seed", points: 500 }, T0 + 2 * MINUTE));
    ok(await stub.placeOrder(order("o1", receipt([{ id: "A", price: 100_000, qty: 1 }], { redeemPoints: 100 }), T0 + 2 * MINUTE)));
    ok(await stub.confirmOrder("o1", T0 + 2 * MINUTE));
    // Refused: more than available, a confirmed order again under another key, too many units back, a bad id.
    expect(err(await stub.adjust({ id: "take", points: -10_000 }, T0 + 3 * MINUTE)).code).toBe("insufficient_points");
    expect(err(await stub.returnLines({ orderId: "o1", returnId: "r1", lines: [{ id: "A", qty: 2 }] }, T0 + 3 * MINUTE)).code).toBe("invalid_state");
    expect(err(await stub.redeemReward({ ...REWARD, cost: 100_000 }, T0 + 3 * MINUTE)).code).toBe("insufficient_points");
    expect(err(await stub.cancelOrder("nope", T0 + 3 * MINUTE)).code).toBe("not_found");
    // Reads.
    ok(await stub.getAccount(T0 + 4 * MINUTE));
    ok(await stub.history({}, T0 + 4 * MINUTE));
    ok(await stub.getCheckoutSnapshot(T0 + 4 * MINUTE, undefined, {}));
    expect((await relayed(stub, tapped)).length).toBe(before);
  });

  it("concurrent copies of one request emit one event; concurrent distinct requests one each", async () => {
    const stub = account("ev");
    const tapped = await tapEvents(stub);
    ok(await stub.adjust({ id: "seed", points: 5000 }, T0));
    const place = () => stub.placeOrder(order("o1", receipt([{ id: "A", price: 100_000, qty: 1 }], { redeemPoints: 200 }), T0 + MINUTE));
    const answers = await Promise.all(Array.from({ length: 8 }, place));
    expect(new Set(answers.map((a) => JSON.stringify(ok(a)))).size).toBe(1);
    await Promise.all(Array.from({ length: 8 }, (_, i) => stub.adjust({ id: `a${i}`, points: -(i + 1) }, T0 + 2 * MINUTE)));
    const events = await relayed(stub, tapped);
    expect(ofType(events, "order.placed")).toHaveLength(1);
    expect(ofType(events, "points.adjusted").map((e) => e.data.adjustmentId).sort()).toEqual(["a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "seed"]);
    // Each adjustment's balance is the one right after it, so the lowest is what is left.
    expect(Math.min(...ofType(events, "points.adjusted").map((e) => e.data.balance))).toBe(5000 - 200 - 36);
  });

  it("a transaction that rolls back leaves no event", async () => {
    const stub = account("ev");
    await runInDurableObject(stub, (_i: CustomerAccount, state) => {
      expect(() => state.storage.transactionSync(() => {
        emit(state.storage.sql, "points.adjusted", { adjustmentId: "x", points: 1, reason: null, balance: 1 }, T0);
        expect(outboxSize(state.storage.sql)).toBe(1);
        throw new Error("the change fails after its event was written");
      })).toThrow("the change fails");
      expect(outboxSize(state.storage.sql)).toBe(0);
    });
  });

  it("time-driven changes emit from the alarm: a lapsed hold, expired points, an expired coupon", async () => {
    const stub = account("ev");
    const tapped = await tapEvents(stub);
    ok(await stub.adjust({ id: "seed", points: 1000, expiryDays: 10 }, T0));
    ok(await stub.redeemReward({ ...REWARD, validDays: 3 }, T0));
    ok(await stub.placeOrder(order("o1", receipt([{ id: "A", price: 100_000, qty: 1 }], { redeemPoints: 200 }), T0, program(), { holdMinutes: 30 })));
    await fireAlarm(stub, T0 + 30 * MINUTE);
    await fireAlarm(stub, T0 + 3 * DAY);
    await fireAlarm(stub, T0 + 10 * DAY);
    const events = await relayed(stub, tapped);
    expect(types(events).slice(4)).toEqual(["order.lapsed", "coupon.expired", "points.earned", "points.expired"]);
    expect(ofType(events, "order.lapsed")[0]).toMatchObject({ createdAt: iso(T0 + 30 * MINUTE), data: { orderId: "o1", pointsReleased: 200, balance: 500 } });
    expect(ofType(events, "coupon.expired")[0]).toMatchObject({ createdAt: iso(T0 + 3 * DAY), data: { rewardId: "coupon-20", cost: 500, balance: 1000 } });
    expect(ofType(events, "points.earned")[0]!.data).toMatchObject({ points: 500, source: "reward_refund", availableAt: iso(T0 + 3 * DAY) });
    // The seed's 500 left expire at day 10; the refund's 500 live a year.
    expect(ofType(events, "points.expired")[0]).toMatchObject({ createdAt: iso(T0 + 10 * DAY), data: { points: 500, orderId: null, balance: 500 } });
  });

  it("a relay the queue refuses keeps the events, backed up by an alarm within 30 s, and sends them later", async () => {
    const stub = account("ev");
    const tapped = await tapEvents(stub);
    tapped.failing = true;
    ok(await stub.placeOrder(order("o1", receipt([{ id: "A", price: 100_000, qty: 1 }]), T0, program(), { holdMinutes: 60 })));
    ok(await stub.adjust({ id: "a1", points: 10 }, T0 + 1000));
    expect(await runInDurableObject(stub, (instance: CustomerAccount) => instance.flushEvents())).toBe(2);
    // The hold ends in an hour; the alarm comes back much sooner, for the events.
    const backstop = await runInDurableObject(stub, (_i: CustomerAccount, state) => state.storage.getAlarm());
    expect(backstop).toBeGreaterThan(T0);
    expect(backstop).toBeLessThanOrEqual(T0 + 1000 + 30_000);
    expect(tapped.events).toEqual([]);

    // The alarm itself relays them (run as it is, without flushing first).
    tapped.failing = false;
    await runInDurableObject(stub, (instance: CustomerAccount) => {
      instance.clock = () => T0 + 31_000;
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(types(tapped.events)).toEqual(["order.placed", "points.adjusted"]);
    // Relayed: the alarm is the ledger's again (the hold's end).
    expect(await alarmAt(stub)).toBe(T0 + HOUR);
  });

  it("events committed but not relayed when the object restarts are relayed by the next instance, and stored", async () => {
    const stub = account("ev");
    const tapped = await tapEvents(stub);
    tapped.failing = true;
    ok(await stub.adjust({ id: "a1", points: 25 }, T0));
    ok(await stub.adjust({ id: "a2", points: -5 }, T0 + 1000));
    const ids = await runInDurableObject(stub, (_i: CustomerAccount, state) =>
      state.storage.sql.exec<{ id: string }>("SELECT id FROM event_outbox ORDER BY seq").toArray().map((r) => r.id));
    expect(ids).toHaveLength(2);
    // The object starts again (as after a crash or a deploy) on the same storage, with the real queue: its
    // constructor relays what the outbox holds. Nothing else is called on it.
    await runInDurableObject(stub, (_i: CustomerAccount, state) => {
      void new CustomerAccountClass(state, env);
    });
    await ensureSchema(env.ANALYTICS);
    let stored: string[] = [];
    for (let i = 0; i < 100 && stored.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      stored = (await env.ANALYTICS.prepare(`SELECT id FROM events WHERE id IN (?, ?) ORDER BY id`).bind(...ids).all<{ id: string }>()).results.map((r) => r.id);
    }
    expect(stored).toEqual([...ids].sort());
    expect(await runInDurableObject(stub, (_i: CustomerAccount, state) => outboxSize(state.storage.sql))).toBe(0);
  });
});
