import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { CustomerAccount } from "./account.ts";
import { schemaVersion } from "../lib/sql.ts";
import { MIGRATIONS } from "./account-sql.ts";
import { account, DAY, err, expectInvariants, HOUR, ok, order, program, receipt, T0 } from "./test-helpers.ts";

// Program: value 100 (1 point = 1.00), earn 10%, at most 30% paid with points, expiry 365 days.
// Cart: A 999.00 × 3 + B 450.00 × 1 = 3 447.00; 777 points asked (7.77 < 30% cap of 1 034 points).
//   Points money 77 700 over A 299 700 / B 45 000 pro rata: A 67 556, B 10 144 (largest remainder: B .58 > A .4).
//   Earn on the rest: A 232 144 × 10% = 232.144, B 34 856 × 10% = 34.856 → Σ 267.000 → 267: A 232, B 35.
//   Spent points per line, by pointsPaid: A 675.56 → 676, B 101.44 → 101.
const cart = () =>
  receipt([
    { id: "A", sku: "mug", categories: ["kitchen"], price: 99_900, qty: 3 },
    { id: "B", sku: "tea", categories: ["tea"], price: 45_000, qty: 1 },
  ], { redeemPoints: 777 });

describe("an order's life: hold → confirm → partial return → full return (pendingDays 0)", () => {
  it("moves exactly the points and spend the rules say, and the ledger stays balanced", async () => {
    const stub = account();
    ok(await stub.adjust({ id: "seed", points: 1000, reason: "start", expiryDays: 365 }, T0));

    // Hold.
    const placed = ok(await stub.placeOrder(order("o1", cart(), T0 + HOUR)));
    expect(placed.status).toBe("pending");
    expect(placed.holdExpiresAt).toBe(new Date(T0 + HOUR + 30 * 60_000).toISOString());
    expect(placed.evaluation).toMatchObject({
      subtotal: 344_700,
      pointsSpent: 777,
      pointsSpentAmount: 77_700,
      pointsEarned: 267,
      total: 344_700 - 77_700,
      lines: [
        { id: "A", amount: 299_700, pointsPaid: 67_556, pointsEarned: 232 },
        { id: "B", amount: 45_000, pointsPaid: 10_144, pointsEarned: 35 },
      ],
      programVersion: expect.any(Number),
      quoteId: expect.stringMatching(/^q_/),
    });
    expect(ok(await stub.getAccount(T0 + HOUR))).toMatchObject({ balance: 1000 - 777, pending: 0, held: 777 });
    await expectInvariants(stub, T0 + HOUR);

    // Confirm: 777 spent from the seed lot, 267 issued, available at once.
    const confirmed = ok(await stub.confirmOrder("o1", T0 + 2 * HOUR));
    expect(confirmed.status).toBe("confirmed");
    expect(ok(await stub.getAccount(T0 + 2 * HOUR))).toMatchObject({
      balance: 1000 - 777 + 267, pending: 0, held: 0, orders: 1, spend: 344_700 - 77_700,
    });
    let l = await expectInvariants(stub, T0 + 2 * HOUR);
    expect(l).toMatchObject({ issued: 267, spent: 777, adjusted: 1000 });

    // Partial return: 1 of 3 A. Earned 232 → ⌊232/3⌋ = 77 back; spent 676 → ⌊676/3⌋ = 225 given back;
    // spend lowered by ⌊232 144/3⌋ = 77 381.
    const r1 = ok(await stub.returnLines({ orderId: "o1", returnId: "r1", lines: [{ id: "A", qty: 1 }] }, T0 + DAY));
    expect(r1).toMatchObject({
      lines: [{ id: "A", qty: 1, pointsTakenBack: 77, pointsGivenBack: 225, amount: 77_381 }],
      pointsTakenBack: 77, pointsGivenBack: 225, amount: 77_381, balance: 490 - 77 + 225,
    });
    expect(ok(await stub.getAccount(T0 + DAY))).toMatchObject({ balance: 638, spend: 267_000 - 77_381, orders: 1 });
    await expectInvariants(stub, T0 + DAY);

    // The rest: A 2 more (232 − 77 = 155 back, 676 − 225 = 451 given), B 1 (35, 101).
    const r2 = ok(await stub.returnLines({ orderId: "o1", returnId: "r2", lines: [{ id: "A", qty: 2 }, { id: "B", qty: 1 }] }, T0 + 2 * DAY));
    expect(r2).toMatchObject({
      lines: [
        { id: "A", qty: 2, pointsTakenBack: 155, pointsGivenBack: 451, amount: 154_763 },
        { id: "B", qty: 1, pointsTakenBack: 35, pointsGivenBack: 101, amount: 34_856 },
      ],
      pointsTakenBack: 190, pointsGivenBack: 552, amount: 189_619,
    });
    // Everything reversed exactly: the seed's 1 000 points are back, spend is 0.
    expect(ok(await stub.getAccount(T0 + 2 * DAY))).toMatchObject({ balance: 1000, pending: 0, spend: 0, orders: 1 });
    l = await expectInvariants(stub, T0 + 2 * DAY);
    expect(l).toMatchObject({ issued: 267, spent: 777, takenBack: 267, givenBack: 777, expired: 0, debt: 0 });

    // The given-back points went to the lot they came from, keeping its expiry (T0 + 365 days).
    expect(ok(await stub.getAccount(T0 + 340 * DAY)).expiring).toEqual([{ points: 1000, at: new Date(T0 + 365 * DAY).toISOString() }]);

    // Nothing more to return.
    const tooMany = err(await stub.returnLines({ orderId: "o1", returnId: "r3", lines: [{ id: "B", qty: 1 }] }, T0 + 3 * DAY));
    expect(tooMany).toMatchObject({ code: "invalid_state", path: "lines[0].qty" });

    const view = ok(await stub.getOrder("o1", T0 + 3 * DAY));
    expect(view.returns.map((r) => r.returnId)).toEqual(["r1", "r2"]);
  });

  it("records the order in the history, newest first, with its numbers", async () => {
    const stub = account();
    ok(await stub.adjust({ id: "seed", points: 1000, reason: "start", expiryDays: 365 }, T0));
    ok(await stub.placeOrder(order("o1", cart(), T0 + HOUR)));
    ok(await stub.confirmOrder("o1", T0 + 2 * HOUR));
    ok(await stub.returnLines({ orderId: "o1", returnId: "r1", lines: [{ id: "A", qty: 1 }] }, T0 + DAY));
    const page = ok(await stub.history({}, T0 + DAY));
    expect(page.items.map((i) => [i.type, i.points])).toEqual([
      ["return", 225 - 77],
      ["order", 267 - 777],
      ["adjust", 1000],
    ]);
    expect(page.items[1]).toMatchObject({
      orderId: "o1", amount: 267_000, pointsSpent: 777, pointsEarned: 267,
      expiresAt: new Date(T0 + 2 * HOUR + 365 * DAY).toISOString(), at: new Date(T0 + 2 * HOUR).toISOString(),
    });
    expect(page.items[0]).toMatchObject({ returnId: "r1", amount: -77_381, pointsSpent: -225, pointsEarned: -77 });
    expect(page.nextCursor).toBeNull();
  });

  it("spreads a line's points over its units so single-unit returns add up exactly", async () => {
    // One line of 7 units earning 100 points: after n units, ⌊100·n/7⌋ are back (14, 28, 42, 57, 71, 85, 100),
    // so single-unit returns take back 14, 14, 14, 15, 14, 14, 15.
    const stub = account();
    const p = program();
    ok(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 14_286, qty: 7 }]), T0, p)));
    const placed = ok(await stub.confirmOrder("o1", T0));
    expect(placed.evaluation.pointsEarned).toBe(100); // 100 002 × 10% = 100.002 → 100
    const back: number[] = [];
    for (let i = 1; i <= 7; i++) {
      back.push(ok(await stub.returnLines({ orderId: "o1", returnId: `r${i}`, lines: [{ id: "1", qty: 1 }] }, T0 + i * HOUR)).pointsTakenBack);
    }
    expect(back).toEqual([14, 14, 14, 15, 14, 14, 15]);
    expect(back.reduce((a, b) => a + b)).toBe(100);
    expect(ok(await stub.getAccount(T0 + 8 * HOUR))).toMatchObject({ balance: 0, spend: 0 });
    await expectInvariants(stub, T0 + 8 * HOUR);
  });
});

describe("pendingDays 14", () => {
  it("keeps earned points pending until the return window closes, then makes them available", async () => {
    const stub = account();
    const p = program({ pendingDays: 14 });
    ok(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 100_000, qty: 1 }]), T0, p)));
    ok(await stub.confirmOrder("o1", T0 + HOUR));
    expect(ok(await stub.getAccount(T0 + HOUR))).toMatchObject({ balance: 0, pending: 100 });
    expect(ok(await stub.getAccount(T0 + HOUR + 14 * DAY - 1))).toMatchObject({ balance: 0, pending: 100 });
    await expectInvariants(stub, T0 + HOUR + 14 * DAY - 1);

    const at = T0 + HOUR + 14 * DAY;
    expect(ok(await stub.getAccount(at))).toMatchObject({ balance: 100, pending: 0 });
    const history = ok(await stub.history({}, at)).items;
    expect(history[0]).toMatchObject({
      type: "available", points: 100, orderId: "o1", at: new Date(at).toISOString(),
      expiresAt: new Date(at + 365 * DAY).toISOString(),
    });
    await expectInvariants(stub, at);
  });

  it("a return inside the window takes the points from the pending lot: no debt", async () => {
    const stub = account();
    const p = program({ pendingDays: 14 });
    ok(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 100_000, qty: 2 }]), T0, p)));
    ok(await stub.confirmOrder("o1", T0));
    ok(await stub.returnLines({ orderId: "o1", returnId: "r1", lines: [{ id: "1", qty: 1 }] }, T0 + 3 * DAY));
    expect(ok(await stub.getAccount(T0 + 3 * DAY))).toMatchObject({ balance: 0, pending: 100 });
    const l = await expectInvariants(stub, T0 + 3 * DAY);
    expect(l.debt).toBe(0);
    // Becomes available with what is left in it.
    expect(ok(await stub.getAccount(T0 + 14 * DAY))).toMatchObject({ balance: 100, pending: 0 });
    await expectInvariants(stub, T0 + 14 * DAY);
  });
});

describe("cancel", () => {
  it("of a pending order releases the hold and nothing else", async () => {
    const stub = account();
    ok(await stub.adjust({ id: "seed", points: 500 }, T0));
    ok(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 100_000, qty: 1 }], { redeemPoints: 300 }), T0)));
    expect(ok(await stub.getAccount(T0)).balance).toBe(200);
    const cancelled = ok(await stub.cancelOrder("o1", T0 + 1));
    expect(cancelled).toMatchObject({ status: "cancelled", cancelledAt: new Date(T0 + 1).toISOString() });
    expect(ok(await stub.getAccount(T0 + 1))).toMatchObject({ balance: 500, held: 0, orders: 0, spend: 0 });
    const l = await expectInvariants(stub, T0 + 1);
    expect(l).toMatchObject({ spent: 0, issued: 0 });
    // A cancelled order cannot be confirmed or returned.
    expect(err(await stub.confirmOrder("o1", T0 + 2))).toMatchObject({ code: "invalid_state" });
    expect(err(await stub.returnLines({ orderId: "o1", returnId: "r", lines: [{ id: "1", qty: 1 }] }, T0 + 2)))
      .toMatchObject({ code: "invalid_state" });
  });

  it("of a confirmed order reverses everything: points, spend, order count, campaign uses", async () => {
    const stub = account();
    const p = program({ campaigns: [{ id: "first", when: { orderNumber: { eq: 1 } }, effect: { bonusPoints: 50 } }] });
    ok(await stub.adjust({ id: "seed", points: 500, expiryDays: 365 }, T0));
    ok(await stub.placeOrder(order("o1", receipt([{ id: "1", sku: "x", price: 100_000, qty: 2 }], { redeemPoints: 300 }), T0, p)));
    const confirmed = ok(await stub.confirmOrder("o1", T0));
    // 2 000.00 − 300.00 paid by points = 1 700.00 → 170 points + 50 bonus.
    expect(confirmed.evaluation.pointsEarned).toBe(220);
    expect(ok(await stub.getSnapshot(T0, p))).toMatchObject({
      balance: 500 - 300 + 220, orders: 1, spend: 170_000, campaignUses: { first: 1 }, boughtSkus: ["x"],
    });
    ok(await stub.cancelOrder("o1", T0 + DAY));
    const after = ok(await stub.getSnapshot(T0 + DAY, p));
    expect(after).toMatchObject({ balance: 500, orders: 0, spend: 0, boughtSkus: [] });
    expect(after.campaignUses).toEqual({});
    const l = await expectInvariants(stub, T0 + DAY);
    expect(l).toMatchObject({ issued: 220, takenBack: 220, spent: 300, givenBack: 300 });
  });

  it("after a partial return reverses only what is left", async () => {
    const stub = account();
    ok(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 100_000, qty: 4 }]), T0)));
    ok(await stub.confirmOrder("o1", T0));
    ok(await stub.returnLines({ orderId: "o1", returnId: "r1", lines: [{ id: "1", qty: 1 }] }, T0 + HOUR));
    expect(ok(await stub.getAccount(T0 + HOUR))).toMatchObject({ balance: 300, spend: 300_000 });
    const cancelled = ok(await stub.cancelOrder("o1", T0 + 2 * HOUR));
    expect(cancelled.status).toBe("cancelled");
    expect(ok(await stub.getAccount(T0 + 2 * HOUR))).toMatchObject({ balance: 0, spend: 0, orders: 0 });
    const l = await expectInvariants(stub, T0 + 2 * HOUR);
    expect(l).toMatchObject({ issued: 400, takenBack: 400 });
    const entries = ok(await stub.history({}, T0 + 2 * HOUR)).items;
    expect(entries[0]).toMatchObject({ type: "cancel", points: -300, amount: -300_000 });
  });
});

describe("schema", () => {
  it("is migrated to the latest version on start", async () => {
    const stub = account();
    ok(await stub.getAccount(T0));
    const version = await runInDurableObject(stub, (_i: CustomerAccount, state) => schemaVersion(state.storage));
    expect(version).toBe(MIGRATIONS.length);
  });

  it("keeps the ledger across an eviction (the constructor migrates nothing twice)", async () => {
    const stub = account();
    ok(await stub.adjust({ id: "seed", points: 42 }, T0));
    await evictDurableObject(stub);
    expect(ok(await stub.getAccount(T0 + 1)).balance).toBe(42);
    expect(ok(await stub.adjust({ id: "seed", points: 42 }, T0 + 2)).balance).toBe(42);
    await expectInvariants(stub, T0 + 2);
  });
});
