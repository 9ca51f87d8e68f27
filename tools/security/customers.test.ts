/**
 * Inside one shop, a widget member reaches only their own account: the customer is the one the token names,
 * whatever else the request carries — ids in paths or bodies, another member's Idempotency-Key, coupon code or
 * verification code.
 */
import { describe, expect, it } from "vitest";
import { register, widget, widgetShop } from "../../worker/http/public/test-helpers.ts";
import { send } from "../../worker/test-support.ts";
import { expectNoneIn } from "./support.ts";

async function twoMembers() {
  const shop = await widgetShop();
  const x = await register(shop, { name: "Xenia Xavier" });
  const y = await register(shop, { name: "Yuri Yellowhammer" });
  for (const m of [x, y]) {
    const r = await send("POST", `/v1/customers/${m.customer.id}/adjustments`, { token: shop.secretKey, body: { id: "seed", points: 1000 } });
    expect(r.status).toBe(201);
  }
  return { shop, x, y };
}

describe("one member, another member's data", () => {
  it("one Idempotency-Key sent by two members redeems for each their own coupon (regression: Y was answered X's coupon)", async () => {
    const { shop, x, y } = await twoMembers();
    const redeem = (token: string) => widget(shop, "POST", "/v1/public/me/rewards/coupon-20", { token, headers: { "idempotency-key": "redeem-1" } });
    const first = await redeem(x.token!);
    expect(first.status).toBe(201);
    const xCoupon = (await first.json()) as { code: string; balance: number };
    const second = await redeem(y.token!);
    expect(second.status).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBeNull();
    const yCoupon = (await second.json()) as { code: string; balance: number };
    expect(yCoupon.code).not.toBe(xCoupon.code);
    // Each paid for their own: 1 500 − 300 each (500 welcome + 1 000).
    expect([xCoupon.balance, yCoupon.balance]).toEqual([1200, 1200]);
    // Each member's retry is still their own replay.
    const again = await redeem(y.token!);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(((await again.json()) as { code: string }).code).toBe(yCoupon.code);
    const coupons = async (id: string) => ((await (await send("GET", `/v1/customers/${id}/coupons`, { token: shop.secretKey })).json()) as { items: { code: string }[] }).items.map((c) => c.code);
    expect(await coupons(x.customer.id)).toEqual([xCoupon.code]);
    expect(await coupons(y.customer.id)).toEqual([yCoupon.code]);
  });

  it("/me, /me/history and rewards answer the token's customer only, and never show another member", async () => {
    const { shop, x, y } = await twoMembers();
    const yRedeemed = await widget(shop, "POST", "/v1/public/me/rewards/coupon-20", { token: y.token! });
    const yCode = ((await yRedeemed.json()) as { code: string }).code;
    const secrets = { "Y's name": "Yellowhammer", "Y's id": y.customer.id, "Y's coupon": yCode, "Y's token": y.token!, "Y's referral code": y.customer.referralCode! };
    for (const path of ["/v1/public/me", "/v1/public/me/history", "/v1/public/me/history?limit=100", `/v1/public/me/history?cursor=${encodeURIComponent(y.customer.id)}`]) {
      const response = await widget(shop, "GET", path, { token: x.token! });
      expect(response.status, path).toBeLessThan(500);
      expectNoneIn(await response.text(), secrets, `X: GET ${path}`);
    }
    // Y's coupon presented by X's checkout: nothing (a code only its owner can use).
    const quote = await send("POST", "/v1/checkout/quote", { token: shop.secretKey, body: { customerId: x.customer.id, codes: [yCode], lines: [{ id: "1", price: 100_000, qty: 1 }] } });
    expect(((await quote.json()) as { discount: number }).discount).toBe(0);
  });
});
