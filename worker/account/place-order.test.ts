import { env } from "cloudflare:workers";
import { now } from "../lib/clock.ts";
import { describe, expect, it } from "vitest";
import { campaignCounter } from "../counters/counter.ts";
import type { Program } from "../../engine/host/types.ts";
import { quoteIdOf, quoteIdOfAsync } from "../lib/engine-cache.ts";
import { account, err, expectInvariants, HOUR, ok, order, program, receipt, T0 } from "./test-helpers.ts";

describe("placeOrder", () => {
  it("answers the order as stored, and so does confirming it, a lapsed hold included (built without reading it back)", async () => {
    const stub = account();
    const p = program({ rewards: [{ id: "mug", name: "Mug", cost: 100, coupon: { discountBps: 2000, target: "item", validDays: 2 } }] });
    ok(await stub.adjust({ id: "seed", points: 5000 }, T0));
    const coupon = ok(await stub.redeemReward({ rewardId: "mug", name: "Mug", cost: 100, validDays: 2, expiryDays: 365 }, T0));
    const r = receipt([{ id: "1", sku: "mug", price: 100_000, qty: 2 }], { redeemPoints: 300, codes: [coupon.code], store: "store-7" });
    const placed = ok(await stub.placeOrder(order("o1", r, T0 + 1, p, { holdMinutes: 5 })));
    expect(placed).toEqual(ok(await stub.getOrder("o1", T0 + 1)));
    const confirmed = ok(await stub.confirmOrder("o1", T0 + 2));
    expect(confirmed).toEqual(ok(await stub.getOrder("o1", T0 + 2)));
    // A hold that lapsed before the payment arrived is confirmed all the same.
    const late = ok(await stub.placeOrder(order("o2", receipt([{ id: "1", price: 50_000, qty: 1 }], { redeemPoints: 100 }), T0 + 3, p, { holdMinutes: 1 })));
    expect(late).toEqual(ok(await stub.getOrder("o2", T0 + 3)));
    const after = ok(await stub.confirmOrder("o2", T0 + 3 * HOUR));
    expect(after.status).toBe("confirmed");
    expect(after).toEqual(ok(await stub.getOrder("o2", T0 + 3 * HOUR)));
  });

  it("50 parallel orders on one account never hold more points than it has", async () => {
    const stub = account();
    ok(await stub.adjust({ id: "seed", points: 1000 }, T0));
    // Each asks for 70 points (cap 300 on a 1 000.00 cart): 14 × 70 = 980 fit, the 15th does not.
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        stub.placeOrder(order(`o${i}`, receipt([{ id: "1", price: 100_000, qty: 1 }], { redeemPoints: 70 }), T0 + i)),
      ),
    );
    const placed = results.filter((r) => r.ok);
    const refused = results.filter((r) => !r.ok);
    expect(placed).toHaveLength(14);
    expect(refused.every((r) => !r.ok && r.error.code === "insufficient_points")).toBe(true);
    expect(ok(await stub.getAccount(T0 + 100))).toMatchObject({ balance: 20, held: 980 });
    await expectInvariants(stub, T0 + 100);

    // Confirming all of them spends exactly what was held, never more than there was.
    for (const r of placed) if (r.ok) ok(await stub.confirmOrder(r.value.orderId, T0 + HOUR));
    const l = await expectInvariants(stub, T0 + HOUR);
    expect(l).toMatchObject({ spent: 980, debt: 0 });
    expect(ok(await stub.getAccount(T0 + HOUR)).balance).toBe(20 + 14 * 93);
  });

  it("clips a request to the program's caps without refusing; refuses only what the balance cannot cover", async () => {
    const stub = account();
    ok(await stub.adjust({ id: "seed", points: 10_000 }, T0));
    // Cap: 30% of 1 000.00 = 300 points. Asking 500 with 10 000 available: 300, no error.
    const clipped = ok(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 100_000, qty: 1 }], { redeemPoints: 500 }), T0)));
    expect(clipped.evaluation.pointsSpent).toBe(300);
    ok(await stub.adjust({ id: "take", points: -9_600 }, T0 + 1)); // available: 10 000 − 300 held − 9 600 = 100
    const refused = err(await stub.placeOrder(order("o2", receipt([{ id: "1", price: 100_000, qty: 1 }], { redeemPoints: 200 }), T0 + 2)));
    expect(refused).toMatchObject({ code: "insufficient_points", path: "redeemPoints" });
    expect(ok(await stub.placeOrder(order("o3", receipt([{ id: "1", price: 100_000, qty: 1 }], { redeemPoints: "max" }), T0 + 3))).evaluation.pointsSpent).toBe(100);
    await expectInvariants(stub, T0 + 3);
  });

  it("checks the quote: same evaluation → placed; changed → 409 conflict with the fresh evaluation", async () => {
    const stub = account();
    const p = program();
    const r = receipt([{ id: "1", price: 100_000, qty: 1 }]);
    const placed = ok(await stub.placeOrder(order("probe", r, T0, p)));
    const quoteId = placed.evaluation.quoteId;
    expect(quoteId).toBe(quoteIdOf(placed.evaluation));
    // The Worker's quote computes the same id by WebCrypto.
    expect(await quoteIdOfAsync(placed.evaluation)).toBe(quoteId);
    expect(quoteId).toMatch(/^q_[0-9a-f]{32}$/);
    expect(ok(await stub.placeOrder(order("o1", r, T0, p, { quoteId }))).evaluation.quoteId).toBe(quoteId);

    const changed = program({ earn: { rateBps: 2000 } });
    const conflict = err(await stub.placeOrder(order("o2", r, T0, changed, { quoteId })));
    expect(conflict).toMatchObject({ code: "conflict", evaluation: { pointsEarned: 200 } });
    expect(ok(await stub.getOrder("probe", T0)).status).toBe("pending");
    expect(err(await stub.getOrder("o2", T0))).toMatchObject({ code: "not_found" });
  });

  it("reserves the limited campaigns it applies at their counters, and evaluates with what the counters grant", async () => {
    // A campaign id of its own: counters are per shop and campaign, and the helpers' orders are all of "shop1".
    const limited = `limited-${crypto.randomUUID()}`;
    const limits = { totalUses: 2, budget: 12_500 };
    const p: Program = program({
      campaigns: [
        { id: limited, effect: { discountBps: 1000 }, limits },
        { id: "free", effect: { bonusPoints: 5 } },
        { id: "once", effect: { bonusPoints: 7 }, limits: { perCustomer: 1 } },
      ],
    });
    const counter = campaignCounter(env, "shop1", limited);
    const stub = account();
    const r = receipt([{ id: "1", price: 100_000, qty: 1 }]);
    const first = ok(await stub.placeOrder(order("o1", r, T0, p)));
    expect(first.limitedCampaigns).toEqual([{ campaignId: limited, discount: 10_000 }]);
    expect(first.evaluation.campaigns.map((c) => c.id).sort()).toEqual(["free", limited, "once"].sort());
    expect(await counter.peek(limits, now())).toEqual({ usesLeft: 1, budgetLeft: 2_500 });

    // Another order holds the last use: this cart gets no limited campaign; perCustomer counts o1's pending
    // order, so "once" is not applied again either.
    await counter.reserve({ now: now(), orderId: "elsewhere", uses: 1, budget: 0, limits, expiresAt: T0 + HOUR });
    const second = ok(await stub.placeOrder(order("o2", r, T0 + 1, p)));
    expect(second.limitedCampaigns).toEqual([]);
    expect(second.evaluation.campaigns.map((c) => c.id)).toEqual(["free"]);
    await counter.release("elsewhere", now());

    // The budget left caps the discount.
    const third = ok(await stub.placeOrder(order("o3", r, T0 + 2, p)));
    expect(third.limitedCampaigns).toEqual([{ campaignId: limited, discount: 2_500 }]);
    expect(await counter.peek(limits, now())).toEqual({ usesLeft: 0, budgetLeft: 0 });

    // Once o1 is cancelled, "once" is available again (its counter use goes back through the Worker's flow).
    ok(await stub.cancelOrder("o1", T0 + 3));
    const fourth = ok(await stub.placeOrder(order("o4", r, T0 + 4, p)));
    expect(fourth.evaluation.campaigns.map((c) => c.id)).toContain("once");
  });

  it("refuses bad input with its path and changes nothing", async () => {
    const stub = account();
    const bad = err(await stub.placeOrder(order("o1", receipt([{ id: "1", price: -5, qty: 1 }]), T0)));
    expect(bad).toMatchObject({ code: "invalid_request", path: "lines[0].price" });
    const hold = err(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 5, qty: 1 }]), T0, program(), { holdMinutes: 0 })));
    expect(hold).toMatchObject({ code: "invalid_request", path: "holdMinutes" });
    expect(err(await stub.getOrder("o1", T0))).toMatchObject({ code: "not_found" });
    expect(err(await stub.confirmOrder("nope", T0))).toMatchObject({ code: "not_found" });
    expect(err(await stub.returnLines({ orderId: "nope", returnId: "r", lines: [{ id: "1", qty: 1 }] }, T0))).toMatchObject({ code: "not_found" });
    expect(err(await stub.getAccount(Number.NaN))).toMatchObject({ code: "invalid_request", path: "now" });
    ok(await stub.placeOrder(order("o2", receipt([{ id: "1", price: 5, qty: 2 }]), T0)));
    expect(err(await stub.returnLines({ orderId: "o2", returnId: "r", lines: [{ id: "1", qty: 1 }] }, T0)))
      .toMatchObject({ code: "invalid_state" });
    ok(await stub.confirmOrder("o2", T0));
    expect(err(await stub.returnLines({ orderId: "o2", returnId: "r", lines: [{ id: "9", qty: 1 }] }, T0)))
      .toMatchObject({ code: "invalid_state", path: "lines[0].id" });
    expect(err(await stub.returnLines({ orderId: "o2", returnId: "r", lines: [{ id: "1", qty: 3 }] }, T0)))
      .toMatchObject({ code: "invalid_state", path: "lines[0].qty" });
    expect(err(await stub.returnLines({ orderId: "o2", returnId: "r", lines: [{ id: "1", qty: 1 }, { id: "1", qty: 1 }] }, T0)))
      .toMatchObject({ code: "invalid_request", path: "lines[1].id" });
    expect(err(await stub.adjust({ id: "a", points: 0 }, T0))).toMatchObject({ code: "invalid_request", path: "points" });
    expect(ok(await stub.getOrder("o2", T0)).returns).toEqual([]);
    await expectInvariants(stub, T0);
  });
});

describe("the account view and history", () => {
  it("shows tier and next tier from the program, spend within the rolling window", async () => {
    const stub = account();
    const p = program({
      tiers: { windowDays: 30, levels: [{ id: "bronze", name: "B", from: 0 }, { id: "silver", name: "S", from: 150_000 }] },
    });
    ok(await stub.upsertProfile({ customerId: "c1", name: "Анна", birthday: "1990-05-01" }, T0));
    ok(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 100_000, qty: 1 }]), T0, p)));
    ok(await stub.confirmOrder("o1", T0));
    ok(await stub.placeOrder(order("o2", receipt([{ id: "1", price: 60_000, qty: 1 }]), T0 + 10 * 86_400_000, p)));
    ok(await stub.confirmOrder("o2", T0 + 10 * 86_400_000));
    expect(ok(await stub.getAccount(T0 + 11 * 86_400_000, p))).toMatchObject({
      id: "c1", name: "Анна", member: true, tier: "silver", nextTier: null, spend: 160_000, orders: 2, balance: 160,
    });
    // 31 days after o1 it has left the window.
    expect(ok(await stub.getAccount(T0 + 31 * 86_400_000, p))).toMatchObject({
      tier: "bronze", nextTier: { id: "silver", amountLeft: 90_000 }, spend: 60_000,
    });
    expect(ok(await stub.getSnapshot(T0 + 31 * 86_400_000, p))).toMatchObject({ spend: 60_000, member: true, birthday: "1990-05-01" });
  });

  it("pages the history newest first with a cursor", async () => {
    const stub = account();
    for (let i = 1; i <= 5; i++) ok(await stub.adjust({ id: `a${i}`, points: i }, T0 + i));
    const first = ok(await stub.history({ limit: 2 }, T0 + 10));
    expect(first.items.map((i) => i.points)).toEqual([5, 4]);
    const second = ok(await stub.history({ limit: 2, cursor: first.nextCursor }, T0 + 10));
    expect(second.items.map((i) => i.points)).toEqual([3, 2]);
    const third = ok(await stub.history({ limit: 2, cursor: second.nextCursor }, T0 + 10));
    expect(third.items.map((i) => i.points)).toEqual([1]);
    expect(third.nextCursor).toBeNull();
    expect(err(await stub.history({ cursor: "garbage" }, T0))).toMatchObject({ code: "invalid_request", path: "cursor" });
  });

  it("upsertProfile says whether it created the member", async () => {
    const stub = account();
    // An order names the customer first: not yet a member.
    ok(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 100, qty: 1 }]), T0)));
    expect(ok(await stub.getAccount(T0)).member).toBe(false);
    expect(ok(await stub.upsertProfile({ customerId: "c1", email: "a@b.c" }, T0 + 1)).created).toBe(true);
    expect(ok(await stub.upsertProfile({ customerId: "c1", email: "x@y.z" }, T0 + 2))).toMatchObject({
      created: false, profile: { email: "x@y.z", createdAt: new Date(T0).toISOString(), registeredAt: new Date(T0 + 1).toISOString() },
    });
  });
});
