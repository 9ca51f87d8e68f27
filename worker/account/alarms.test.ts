import { describe, expect, it } from "vitest";
import { account, alarmAt, DAY, err, expectInvariants, fireAlarm, HOUR, MINUTE, ok, order, program, receipt, T0 } from "./test-helpers.ts";

describe("the alarm", () => {
  it("lapses a hold when it ends and gives the points back to the balance", async () => {
    const stub = account();
    ok(await stub.adjust({ id: "seed", points: 500 }, T0));
    ok(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 100_000, qty: 1 }], { redeemPoints: 300 }), T0, program(), { holdMinutes: 30 })));
    expect(await alarmAt(stub)).toBe(T0 + 30 * MINUTE);

    // Early: nothing is due yet, the alarm is set again for the hold's end.
    expect(await fireAlarm(stub, T0 + 29 * MINUTE)).toBe(true);
    expect(await alarmAt(stub)).toBe(T0 + 30 * MINUTE);
    expect(ok(await stub.getOrder("o1", T0 + 29 * MINUTE)).status).toBe("pending");

    expect(await fireAlarm(stub, T0 + 30 * MINUTE)).toBe(true);
    expect(await alarmAt(stub)).toBeNull();
    const lapsed = ok(await stub.getOrder("o1", T0 + 31 * MINUTE));
    expect(lapsed.status).toBe("lapsed");
    expect(ok(await stub.getAccount(T0 + 31 * MINUTE))).toMatchObject({ balance: 500, held: 0 });
    await expectInvariants(stub, T0 + 31 * MINUTE);

    // Running it again changes nothing.
    expect(await fireAlarm(stub, T0 + 40 * MINUTE)).toBe(false);
    await expectInvariants(stub, T0 + 40 * MINUTE);

    // The points are still there: confirming the lapsed order honours it.
    const confirmed = ok(await stub.confirmOrder("o1", T0 + HOUR));
    expect(confirmed.status).toBe("confirmed");
    expect(ok(await stub.getAccount(T0 + HOUR)).balance).toBe(500 - 300 + 70);
    await expectInvariants(stub, T0 + HOUR);
  });

  it("a lapsed order whose points were spent elsewhere cannot be confirmed: 422 hold_expired", async () => {
    const stub = account();
    ok(await stub.adjust({ id: "seed", points: 300 }, T0));
    ok(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 100_000, qty: 1 }], { redeemPoints: 300 }), T0)));
    await fireAlarm(stub, T0 + 30 * MINUTE);
    // The released points go to another order.
    ok(await stub.placeOrder(order("o2", receipt([{ id: "1", price: 100_000, qty: 1 }], { redeemPoints: 300 }), T0 + 40 * MINUTE)));
    expect(err(await stub.confirmOrder("o1", T0 + 41 * MINUTE))).toMatchObject({ code: "hold_expired" });
    expect(ok(await stub.getOrder("o1", T0 + 41 * MINUTE)).status).toBe("lapsed");
    // An order without points to spend can always be confirmed after its hold lapsed.
    ok(await stub.placeOrder(order("o3", receipt([{ id: "1", price: 10_000, qty: 1 }]), T0 + 41 * MINUTE)));
    await fireAlarm(stub, T0 + 2 * HOUR);
    expect(ok(await stub.confirmOrder("o3", T0 + 2 * HOUR)).status).toBe("confirmed");
    await expectInvariants(stub, T0 + 2 * HOUR);
  });

  it("makes pending points available at their time, then sets itself for their expiry", async () => {
    const stub = account();
    const p = program({ pendingDays: 14 });
    ok(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 100_000, qty: 1 }]), T0, p)));
    ok(await stub.confirmOrder("o1", T0 + HOUR));
    const availableAt = T0 + HOUR + 14 * DAY;
    expect(await alarmAt(stub)).toBe(availableAt);

    await fireAlarm(stub, availableAt + 5 * MINUTE);
    expect(await alarmAt(stub)).toBe(availableAt + 365 * DAY);
    const first = ok(await stub.history({ limit: 1 }, availableAt + 5 * MINUTE)).items[0];
    // Recorded at the instant it happened, not when the alarm ran.
    expect(first).toMatchObject({ type: "available", points: 100, at: new Date(availableAt).toISOString() });
    expect(ok(await stub.getAccount(availableAt + 5 * MINUTE))).toMatchObject({ balance: 100, pending: 0 });

    await fireAlarm(stub, availableAt + 365 * DAY);
    expect(await alarmAt(stub)).toBeNull();
    expect(ok(await stub.getAccount(availableAt + 365 * DAY))).toMatchObject({ balance: 0, pending: 0 });
    const l = await expectInvariants(stub, availableAt + 365 * DAY);
    expect(l).toMatchObject({ issued: 100, expired: 100 });
  });

  it("catches up on several due events at once, each at its own instant and in time order", async () => {
    const stub = account();
    const p = program({ pendingDays: 14, expiryDays: 30 });
    ok(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 100_000, qty: 1 }]), T0, p)));
    ok(await stub.confirmOrder("o1", T0));
    ok(await stub.placeOrder(order("o2", receipt([{ id: "1", price: 200_000, qty: 1 }]), T0 + DAY, p)));
    ok(await stub.confirmOrder("o2", T0 + DAY));
    // Long after everything: two "available" then two "expire" entries, in the order they happened.
    await fireAlarm(stub, T0 + 100 * DAY);
    const items = ok(await stub.history({}, T0 + 100 * DAY)).items.slice(0, 4).reverse();
    expect(items.map((i) => [i.type, i.points, i.orderId, i.at])).toEqual([
      ["available", 100, "o1", new Date(T0 + 14 * DAY).toISOString()],
      ["available", 200, "o2", new Date(T0 + 15 * DAY).toISOString()],
      ["expire", -100, "o1", new Date(T0 + 44 * DAY).toISOString()],
      ["expire", -200, "o2", new Date(T0 + 45 * DAY).toISOString()],
    ]);
    await expectInvariants(stub, T0 + 100 * DAY);
  });
});
