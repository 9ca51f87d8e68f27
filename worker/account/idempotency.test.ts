import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { CustomerAccount } from "./account.ts";
import { account, DAY, err, expectInvariants, HOUR, MINUTE, ok, order, program, receipt, T0 } from "./test-helpers.ts";

const line = (qty = 2) => [{ id: "1", sku: "x", price: 100_000, qty }];

describe("retries", () => {
  it("placeOrder: same id and body → the first answer, nothing changes; other body → 409", async () => {
    const stub = account();
    ok(await stub.adjust({ id: "seed", points: 500 }, T0));
    const first = ok(await stub.placeOrder(order("o1", receipt(line(), { redeemPoints: 200 }), T0)));
    // Replayed later, after the balance changed: the stored answer, and no second hold.
    ok(await stub.adjust({ id: "more", points: 1000 }, T0 + 1));
    const again = ok(await stub.placeOrder(order("o1", receipt(line(), { redeemPoints: 200 }), T0 + 10 * MINUTE)));
    expect(again).toEqual(first);
    expect(ok(await stub.getAccount(T0 + 10 * MINUTE))).toMatchObject({ balance: 1500 - 200, held: 200 });

    const conflict = err(await stub.placeOrder(order("o1", receipt(line(3), { redeemPoints: 200 }), T0 + 10 * MINUTE)));
    expect(conflict).toMatchObject({ code: "idempotency_conflict" });
    // The hold's length is part of the order: another one is a conflict, the default spelt out is not.
    const longer = err(await stub.placeOrder(order("o1", receipt(line(), { redeemPoints: 200 }), T0 + 10 * MINUTE, undefined, { holdMinutes: 60 })));
    expect(longer).toMatchObject({ code: "idempotency_conflict" });
    expect(ok(await stub.placeOrder(order("o1", receipt(line(), { redeemPoints: 200 }), T0 + 10 * MINUTE, undefined, { holdMinutes: 30 })))).toEqual(first);
    // The program or the clock are not part of the request: a retry under a new program version still replays.
    const other = program({ earn: { rateBps: 5000 } });
    expect(ok(await stub.placeOrder(order("o1", receipt(line(), { redeemPoints: 200 }), T0 + 20 * MINUTE, other)))).toEqual(first);
    expect(ok(await stub.getAccount(T0 + 20 * MINUTE))).toMatchObject({ balance: 1500 - 200, held: 200 });
    await expectInvariants(stub, T0 + 20 * MINUTE);
  });

  it("a receipt without `at` is evaluated at `now`, and its retry still matches", async () => {
    const stub = account();
    const first = ok(await stub.placeOrder(order("o1", receipt(line()), T0)));
    expect(ok(await stub.placeOrder(order("o1", receipt(line()), T0 + 5000)))).toEqual(first);
    const at = await runInDurableObject(stub, (_i: CustomerAccount, state) =>
      (JSON.parse(state.storage.sql.exec<{ receipt: string }>("SELECT receipt FROM orders").one().receipt) as { at: string }).at,
    );
    expect(at).toBe(new Date(T0).toISOString());
  });

  it("confirmOrder and cancelOrder: replays answer the first answer and move no points twice", async () => {
    const stub = account();
    ok(await stub.adjust({ id: "seed", points: 500 }, T0));
    ok(await stub.placeOrder(order("o1", receipt(line(), { redeemPoints: 200 }), T0)));
    const confirmed = ok(await stub.confirmOrder("o1", T0 + HOUR));
    expect(ok(await stub.confirmOrder("o1", T0 + 2 * HOUR))).toEqual(confirmed);
    const balance = ok(await stub.getAccount(T0 + 2 * HOUR)).balance;
    expect(balance).toBe(500 - 200 + 180);
    let l = await expectInvariants(stub, T0 + 2 * HOUR);
    expect(l).toMatchObject({ spent: 200, issued: 180 });

    const cancelled = ok(await stub.cancelOrder("o1", T0 + DAY));
    expect(ok(await stub.cancelOrder("o1", T0 + 2 * DAY))).toEqual(cancelled);
    // A late retry of the confirm still gets its first answer and changes nothing.
    expect(ok(await stub.confirmOrder("o1", T0 + 2 * DAY))).toEqual(confirmed);
    expect(ok(await stub.getAccount(T0 + 2 * DAY)).balance).toBe(500);
    l = await expectInvariants(stub, T0 + 2 * DAY);
    expect(l).toMatchObject({ spent: 200, givenBack: 200, issued: 180, takenBack: 180 });
  });

  it("returnLines: same return id and lines → first answer; other lines or another order → 409", async () => {
    const stub = account();
    ok(await stub.placeOrder(order("o1", receipt(line(4)), T0)));
    ok(await stub.confirmOrder("o1", T0));
    ok(await stub.placeOrder(order("o2", receipt(line(1)), T0)));
    ok(await stub.confirmOrder("o2", T0));
    const first = ok(await stub.returnLines({ orderId: "o1", returnId: "r1", lines: [{ id: "1", qty: 1 }] }, T0 + HOUR));
    expect(ok(await stub.returnLines({ orderId: "o1", returnId: "r1", lines: [{ id: "1", qty: 1 }] }, T0 + 2 * HOUR))).toEqual(first);
    expect(ok(await stub.getOrder("o1", T0 + 2 * HOUR)).returns).toHaveLength(1);
    expect(err(await stub.returnLines({ orderId: "o1", returnId: "r1", lines: [{ id: "1", qty: 2 }] }, T0 + 2 * HOUR)))
      .toMatchObject({ code: "idempotency_conflict" });
    expect(err(await stub.returnLines({ orderId: "o2", returnId: "r1", lines: [{ id: "1", qty: 1 }] }, T0 + 2 * HOUR)))
      .toMatchObject({ code: "idempotency_conflict" });
    const l = await expectInvariants(stub, T0 + 2 * HOUR);
    expect(l.takenBack).toBe(100);
  });

  it("adjust: same id and body → first answer; other points or reason → 409", async () => {
    const stub = account();
    const first = ok(await stub.adjust({ id: "adj1", points: 50, reason: "sorry" }, T0));
    expect(first).toMatchObject({ id: "adj1", points: 50, reason: "sorry", balance: 50 });
    expect(ok(await stub.adjust({ id: "adj1", points: 50, reason: "sorry" }, T0 + HOUR))).toEqual(first);
    expect(err(await stub.adjust({ id: "adj1", points: 60, reason: "sorry" }, T0 + HOUR))).toMatchObject({ code: "idempotency_conflict" });
    expect(err(await stub.adjust({ id: "adj1", points: 50, reason: "other" }, T0 + HOUR))).toMatchObject({ code: "idempotency_conflict" });
    expect(ok(await stub.getAccount(T0 + HOUR)).balance).toBe(50);
    const l = await expectInvariants(stub, T0 + HOUR);
    expect(l.adjusted).toBe(50);
  });

  it("a refused request is not remembered: the same id succeeds once the cause is gone", async () => {
    const stub = account();
    expect(err(await stub.placeOrder(order("o1", receipt(line(), { redeemPoints: 100 }), T0)))).toMatchObject({ code: "insufficient_points" });
    ok(await stub.adjust({ id: "seed", points: 100 }, T0 + 1));
    expect(ok(await stub.placeOrder(order("o1", receipt(line(), { redeemPoints: 100 }), T0 + 2))).evaluation.pointsSpent).toBe(100);
    await expectInvariants(stub, T0 + 2);
  });
});
