import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { CustomerAccount } from "./account.ts";
import { allocate, unitsShare } from "./book.ts";
import { account, DAY, err, expectInvariants, fireAlarm, HOUR, MINUTE, ok, order, program, receipt, T0 } from "./test-helpers.ts";

/** Which lot gave how many points to an order. */
function spends(stub: DurableObjectStub<CustomerAccount>, orderId: string) {
  return runInDurableObject(stub, (_i: CustomerAccount, state) =>
    state.storage.sql
      .exec<{ lotId: number; points: number; givenBack: number }>(
        "SELECT lotId, points, givenBack FROM order_spends WHERE orderId = ? ORDER BY lotId",
        orderId,
      )
      .toArray(),
  );
}

describe("book arithmetic", () => {
  it("allocates by largest remainder, ties to the earlier index, summing exactly", () => {
    expect(allocate(777, [67_556, 10_144])).toEqual([676, 101]);
    expect(allocate(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(allocate(0, [5, 7])).toEqual([0, 0]);
    expect(allocate(5, [0, 0])).toEqual([0, 0]);
    expect(allocate(1e15, [1e13, 3e13])).toEqual([2.5e14, 7.5e14]);
  });

  it("splits a line's value over returned units cumulatively, exact at the last unit, without overflow", () => {
    expect([0, 1, 2].map((done) => unitsShare(100, done, 1, 3))).toEqual([33, 33, 34]);
    expect(unitsShare(100, 0, 3, 3)).toBe(100);
    // 10^13 money × 10^6 units passes 2^53: computed exactly.
    expect(unitsShare(1e13 - 1, 999_999, 1, 1_000_000) + unitsShare(1e13 - 1, 0, 999_999, 1_000_000)).toBe(1e13 - 1);
  });
});

describe("spending and expiry", () => {
  it("spends the soonest-expiring lots first, ties by lot id, never-expiring last", async () => {
    const stub = account();
    ok(await stub.adjust({ id: "forever", points: 100, expiryDays: null }, T0)); // lot 1
    ok(await stub.adjust({ id: "late", points: 100, expiryDays: 365 }, T0)); // lot 2: T0+365d
    ok(await stub.adjust({ id: "soon-a", points: 100, expiryDays: 100 }, T0 + DAY)); // lot 3: T0+101d
    ok(await stub.adjust({ id: "soon-b", points: 100, expiryDays: 100 }, T0 + DAY)); // lot 4: T0+101d
    ok(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 1_000_000, qty: 1 }], { redeemPoints: 250 }), T0 + 2 * DAY)));
    ok(await stub.confirmOrder("o1", T0 + 2 * DAY));
    expect(await spends(stub, "o1")).toEqual([
      { lotId: 2, points: 50, givenBack: 0 },
      { lotId: 3, points: 100, givenBack: 0 },
      { lotId: 4, points: 100, givenBack: 0 },
    ]);
    await expectInvariants(stub, T0 + 2 * DAY);
  });

  it("expires the oldest lots' remaining points at their time and lists what expires soon", async () => {
    const stub = account();
    ok(await stub.adjust({ id: "a", points: 100, expiryDays: 365 }, T0));
    ok(await stub.adjust({ id: "b", points: 200, expiryDays: 365 }, T0 + 100 * DAY));
    ok(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 100_000, qty: 1 }], { redeemPoints: 60 }), T0 + 200 * DAY)));
    ok(await stub.confirmOrder("o1", T0 + 200 * DAY)); // 60 from lot a; earns 94 (expires T0+565d)

    const soon = ok(await stub.getAccount(T0 + 340 * DAY));
    expect(soon.expiring).toEqual([{ points: 40, at: new Date(T0 + 365 * DAY).toISOString() }]);
    expect(soon.balance).toBe(40 + 200 + 94);

    const after = ok(await stub.getAccount(T0 + 365 * DAY));
    expect(after.balance).toBe(200 + 94);
    const expired = ok(await stub.history({ limit: 1 }, T0 + 365 * DAY)).items[0];
    expect(expired).toMatchObject({ type: "expire", points: -40, at: new Date(T0 + 365 * DAY).toISOString() });
    const l = await expectInvariants(stub, T0 + 365 * DAY);
    expect(l).toMatchObject({ expired: 40, spent: 60, issued: 94, adjusted: 300 });
  });

  it("points given back by a return to a lot that has expired expire at once", async () => {
    const stub = account();
    ok(await stub.adjust({ id: "a", points: 300, expiryDays: 30 }, T0));
    ok(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 100_000, qty: 1 }], { redeemPoints: 300 }), T0)));
    ok(await stub.confirmOrder("o1", T0)); // spends lot a; earns 70
    const r = ok(await stub.returnLines({ orderId: "o1", returnId: "r1", lines: [{ id: "1", qty: 1 }] }, T0 + 40 * DAY));
    expect(r).toMatchObject({ pointsGivenBack: 300, pointsTakenBack: 70, balance: 0 });
    const items = ok(await stub.history({ limit: 2 }, T0 + 40 * DAY)).items;
    expect(items.map((i) => [i.type, i.points])).toEqual([["return", 230], ["expire", -300]]);
    const l = await expectInvariants(stub, T0 + 40 * DAY);
    expect(l).toMatchObject({ givenBack: 300, expired: 300, debt: 0 });
  });

  it("a cancel whose clock reads just before an expiry the alarm already processed does not revive the lot", async () => {
    // Found by the ledger simulation (simulation/): the caller reads its clock, the alarm expires the lot, then
    // the cancel arrives with the earlier `now`. The 100 points went back into the expired lot and stayed there:
    // counted in the total, never spendable, never expiring.
    const stub = account();
    ok(await stub.adjust({ id: "a", points: 1000, expiryDays: 1 }, T0));
    ok(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 100_000, qty: 1 }], { redeemPoints: 100 }), T0)));
    ok(await stub.confirmOrder("o1", T0)); // spends 100 of lot a; earns 90
    await fireAlarm(stub, T0 + DAY + 5); // lot a's 900 expire at T0 + 1 day
    ok(await stub.cancelOrder("o1", T0 + DAY - 5));
    const stranded = await runInDurableObject(stub, (_i: CustomerAccount, state) =>
      state.storage.sql.exec("SELECT id, remaining FROM lots WHERE expiredAt IS NOT NULL AND remaining > 0").toArray(),
    );
    expect(stranded).toEqual([]);
    const l = await expectInvariants(stub, T0 + 2 * DAY);
    expect(l).toMatchObject({ inLots: 0, givenBack: 100, expired: 1000, takenBack: 90, debt: 0 });
    // Time never runs backwards inside the account: the late cancel is served at the instant the alarm reached
    // (T0 + 1 day + 5 ms), after the expiry. Newest first: the cancel, its given-back points expiring at once,
    // then the alarm's expiry.
    expect(ok(await stub.history({ limit: 3 }, T0 + 2 * DAY)).items.map((i) => [i.type, i.points, i.at])).toEqual([
      ["cancel", 100 - 90, new Date(T0 + DAY + 5).toISOString()],
      ["expire", -100, new Date(T0 + DAY + 5).toISOString()],
      ["expire", -900, new Date(T0 + DAY).toISOString()],
    ]);
  });
});

describe("time inside the account", () => {
  it("never runs backwards: a request whose clock reads behind what the account processed is served at that instant", async () => {
    // Found by the ledger simulation (SIM_STALE=1): taking points back at an early `now` ignored a lot that had
    // already become available, creating debt next to spendable points.
    const stub = account();
    const p = program({ pendingDays: 1 });
    ok(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 100_000, qty: 1 }]), T0, p)));
    ok(await stub.confirmOrder("o1", T0)); // earns 100, pending until T0 + 1 day
    await fireAlarm(stub, T0 + DAY + 10); // the 100 points become available
    ok(await stub.adjust({ id: "take", points: -100 }, T0 + DAY - 10)); // a caller whose clock is 20 ms behind
    const l = await expectInvariants(stub, T0 + 2 * DAY);
    expect(l).toMatchObject({ debt: 0, inLots: 0 });
    const latest = ok(await stub.history({ limit: 1 }, T0 + 2 * DAY)).items[0]!;
    expect(latest).toMatchObject({ type: "adjust", points: -100, at: new Date(T0 + DAY + 10).toISOString() });
  });
});

describe("points expiring during a hold", () => {
  it("stay spendable for that hold: confirming after their expiry spends them, no debt", async () => {
    const stub = account();
    const expiry = T0 + 30 * DAY;
    ok(await stub.adjust({ id: "a", points: 300, expiryDays: 30 }, T0));
    ok(await stub.adjust({ id: "b", points: 100, expiryDays: 30 }, T0 + 1)); // also expires (1 ms later)
    ok(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 100_000, qty: 1 }], { redeemPoints: 250 }), expiry - 10 * MINUTE)));
    // At the expiry: 250 stay for the hold (available 0, held 250), 50 of lot a expire; then lot b (100) expires too.
    const after = ok(await stub.getAccount(expiry + 5 * MINUTE));
    expect(after).toMatchObject({ balance: 0, held: 250 });
    let l = await expectInvariants(stub, expiry + 5 * MINUTE);
    expect(l).toMatchObject({ expired: 150, inLots: 250 });
    ok(await stub.confirmOrder("o1", expiry + 5 * MINUTE));
    l = await expectInvariants(stub, expiry + 5 * MINUTE);
    expect(l).toMatchObject({ spent: 250, debt: 0, expired: 150, issued: 75 });
    expect(ok(await stub.getAccount(expiry + 5 * MINUTE)).balance).toBe(75);
  });

  it("expire when the hold lapses instead", async () => {
    const stub = account();
    const expiry = T0 + 30 * DAY;
    ok(await stub.adjust({ id: "a", points: 300, expiryDays: 30 }, T0));
    ok(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 100_000, qty: 1 }], { redeemPoints: 250 }), expiry - 10 * MINUTE)));
    const holdEnd = expiry + 20 * MINUTE;
    expect(ok(await stub.getAccount(holdEnd))).toMatchObject({ balance: 0, held: 0 });
    const items = ok(await stub.history({ limit: 2 }, holdEnd)).items;
    expect(items.map((i) => [i.type, i.points, i.at])).toEqual([
      ["expire", -250, new Date(holdEnd).toISOString()],
      ["expire", -50, new Date(expiry).toISOString()],
    ]);
    expect(err(await stub.confirmOrder("o1", holdEnd))).toMatchObject({ code: "hold_expired" });
    const l = await expectInvariants(stub, holdEnd);
    expect(l).toMatchObject({ expired: 300, inLots: 0, debt: 0 });
  });
});

describe("taking back points already spent", () => {
  it("makes the balance negative, blocks spending, and new points settle the debt first", async () => {
    const stub = account();
    // o1 earns 100 (available at once); o2 spends them.
    ok(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 100_000, qty: 1 }]), T0)));
    ok(await stub.confirmOrder("o1", T0));
    ok(await stub.placeOrder(order("o2", receipt([{ id: "1", price: 100_000, qty: 1 }], { redeemPoints: 100 }), T0 + HOUR)));
    ok(await stub.confirmOrder("o2", T0 + HOUR)); // earns 90 (on 900.00 paid)
    expect(ok(await stub.getAccount(T0 + HOUR)).balance).toBe(90);

    // o1 comes back: 100 to take back, 90 left in o2's lot → 10 of debt.
    const r = ok(await stub.returnLines({ orderId: "o1", returnId: "r1", lines: [{ id: "1", qty: 1 }] }, T0 + DAY));
    expect(r).toMatchObject({ pointsTakenBack: 100, balance: -10 });
    let l = await expectInvariants(stub, T0 + DAY);
    expect(l).toMatchObject({ debt: 10, inLots: 0 });

    // Spending is blocked: a number asked for → 422; "max" spends nothing.
    const refused = err(await stub.placeOrder(order("o3", receipt([{ id: "1", price: 100_000, qty: 1 }], { redeemPoints: 5 }), T0 + DAY)));
    expect(refused).toMatchObject({ code: "insufficient_points", path: "redeemPoints" });
    const max = ok(await stub.placeOrder(order("o4", receipt([{ id: "1", price: 100_000, qty: 1 }], { redeemPoints: "max" }), T0 + DAY)));
    expect(max.evaluation.pointsSpent).toBe(0);
    expect(err(await stub.adjust({ id: "minus", points: -1 }, T0 + DAY))).toMatchObject({ code: "insufficient_points" });

    // New points pay the debt first.
    ok(await stub.adjust({ id: "gift", points: 50, expiryDays: 365 }, T0 + 2 * DAY));
    expect(ok(await stub.getAccount(T0 + 2 * DAY)).balance).toBe(40);
    l = await expectInvariants(stub, T0 + 2 * DAY);
    expect(l).toMatchObject({ debt: 0, inLots: 40 });

    // Returning o2 gives its 100 spent points back to o1's lot (emptied by the take-back) and takes back 90.
    ok(await stub.returnLines({ orderId: "o2", returnId: "r2", lines: [{ id: "1", qty: 1 }] }, T0 + 3 * DAY));
    expect(ok(await stub.getAccount(T0 + 3 * DAY)).balance).toBe(40 + 100 - 90);
    await expectInvariants(stub, T0 + 3 * DAY);
  });

  it("debt is settled by pending points only once they become available", async () => {
    const stub = account();
    const p = program({ pendingDays: 14 });
    ok(await stub.adjust({ id: "seed", points: 100, expiryDays: 365 }, T0));
    ok(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 100_000, qty: 1 }]), T0, program())));
    ok(await stub.confirmOrder("o1", T0)); // +100 available at once
    ok(await stub.placeOrder(order("o2", receipt([{ id: "1", price: 100_000, qty: 1 }], { redeemPoints: 200 }), T0, p)));
    ok(await stub.confirmOrder("o2", T0)); // spends 200 (seed + o1's), earns 80, pending 14 days
    ok(await stub.returnLines({ orderId: "o1", returnId: "r1", lines: [{ id: "1", qty: 1 }] }, T0 + DAY));
    // o1's 100 are gone (spent): its own lot is empty, no available lots → debt 100. o2's 80 stay pending.
    expect(ok(await stub.getAccount(T0 + DAY))).toMatchObject({ balance: -100, pending: 80 });
    await expectInvariants(stub, T0 + DAY);
    expect(ok(await stub.getAccount(T0 + 14 * DAY))).toMatchObject({ balance: -20, pending: 0 });
    const l = await expectInvariants(stub, T0 + 14 * DAY);
    expect(l).toMatchObject({ debt: 20, inLots: 0 });
  });
});

describe("the points a customer can hold", () => {
  it("never exceed 10^15: the write that would is refused with invalid_state naming points, and changes nothing", async () => {
    const stub = account();
    for (let i = 0; i < 9; i++) ok(await stub.adjust({ id: `a${i}`, points: 1e14, expiryDays: null }, T0));
    ok(await stub.adjust({ id: "a9", points: 1e14 - 500, expiryDays: null }, T0));
    const over = err(await stub.adjust({ id: "a10", points: 501, expiryDays: null }, T0));
    expect(over).toMatchObject({ code: "invalid_state", path: "points" });
    expect(ok(await stub.getAccount(T0))).toMatchObject({ balance: 1e15 - 500 });
    ok(await stub.adjust({ id: "a11", points: 500, expiryDays: null }, T0));
    // Exactly at the limit, every figure is still exact: a −1 adjustment moves the balance by one.
    ok(await stub.adjust({ id: "minus", points: -1, expiryDays: null }, T0));
    expect(ok(await stub.getAccount(T0))).toMatchObject({ balance: 1e15 - 1 });
    // Bonuses and events are writes that add points too.
    expect(err(await stub.grantBonus({ id: "welcome", points: 2, reason: "welcome", expiryDays: null }, T0))).toMatchObject({ code: "invalid_state", path: "points" });
    // An order at the limit: earning more is refused at confirmation; the order stays pending.
    const placed = ok(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 100_000, qty: 1 }]), T0, program())));
    expect(placed.evaluation.pointsEarned).toBeGreaterThan(1);
    expect(err(await stub.confirmOrder("o1", T0 + MINUTE))).toMatchObject({ code: "invalid_state", path: "points" });
    expect(ok(await stub.getOrder("o1", T0 + MINUTE)).status).toBe("pending");
    await expectInvariants(stub, T0 + MINUTE);
  });
});
