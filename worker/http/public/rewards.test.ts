/** Rewards from the widget: buy a coupon with points, see it in /me, use it in an order. */
import { describe, expect, it } from "vitest";
import { errorOf, send } from "../../test-support.ts";
import { register, widget, widgetShop } from "./test-helpers.ts";

describe("POST /v1/public/me/rewards/{rewardId}", () => {
  it("spends the cost, answers a coupon only this customer can use, and the coupon discounts an order", async () => {
    const shop = await widgetShop();
    const shopper = await register(shop); // 500 welcome points
    const token = shopper.token!;
    const redeemed = await widget(shop, "POST", "/v1/public/me/rewards/coupon-20", { token, headers: { "idempotency-key": "buy-1" } });
    expect(redeemed.status).toBe(201);
    const coupon = (await redeemed.json()) as { code: string; cost: number; balance: number; expiresAt: string };
    expect(coupon).toMatchObject({ cost: 300, balance: 200 });
    expect(coupon.code).toMatch(/^K-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    // A retry with the same key is the same coupon, not a second one.
    const retry = await widget(shop, "POST", "/v1/public/me/rewards/coupon-20", { token, headers: { "idempotency-key": "buy-1" } });
    expect(await retry.json()).toEqual(coupon);

    const me = (await (await widget(shop, "GET", "/v1/public/me", { token })).json()) as { balance: number; coupons: { code: string; state: string }[] };
    expect(me.balance).toBe(200);
    expect(me.coupons).toEqual([expect.objectContaining({ code: coupon.code, state: "active", rewardId: "coupon-20" })]);

    // −20% on the most expensive unit: 20% of 50000 = 10000.
    const placed = await send("POST", "/v1/orders", {
      token: shop.secretKey,
      body: { orderId: `o-${shopper.customer.id}`, customerId: shopper.customer.id, codes: [coupon.code], lines: [{ id: "1", sku: "A", price: 50000, qty: 1 }, { id: "2", sku: "B", price: 10000, qty: 1 }] },
    });
    expect(placed.status).toBe(201);
    const order = (await placed.json()) as { evaluation: { discount: number; campaigns: { id: string; discount: number }[] } };
    expect(order.evaluation.discount).toBe(10000);
    expect(order.evaluation.campaigns).toContainEqual(expect.objectContaining({ id: "reward:coupon-20", discount: 10000 }));
    expect((await send("POST", `/v1/orders/o-${shopper.customer.id}/confirm`, { token: shop.secretKey })).status).toBe(200);
    const after = (await (await widget(shop, "GET", "/v1/public/me", { token })).json()) as { coupons: unknown[] };
    expect(after.coupons).toEqual([]);
  });

  it("refuses without enough points, and an unknown reward, changing nothing", async () => {
    const shop = await widgetShop();
    const shopper = await register(shop);
    const token = shopper.token!;
    expect((await widget(shop, "POST", "/v1/public/me/rewards/coupon-20", { token })).status).toBe(201); // 500 → 200
    const poor = await widget(shop, "POST", "/v1/public/me/rewards/coupon-20", { token });
    expect(poor.status).toBe(422);
    expect((await errorOf(poor)).code).toBe("insufficient_points");
    const unknown = await widget(shop, "POST", "/v1/public/me/rewards/no-such-reward", { token });
    expect(unknown.status).toBe(404);
    const me = (await (await widget(shop, "GET", "/v1/public/me", { token })).json()) as { balance: number; coupons: unknown[] };
    expect(me.balance).toBe(200);
    expect(me.coupons).toHaveLength(1);
  });
});
