/**
 * Referral: every member has a code; a friend who registers with it brings `referee` points to the friend and
 * `referrer` points to the member — at registration or at the friend's first confirmed order — once per referee,
 * never for one's own code.
 */
import { describe, expect, it } from "vitest";
import { errorOf, send } from "../../test-support.ts";
import { signCustomerToken } from "../../lib/tokens.ts";
import { register, widget, widgetShop, WIDGET_PROGRAM } from "./test-helpers.ts";

const balanceOf = async (shop: { secretKey: string }, customerId: string) =>
  ((await (await send("GET", `/v1/customers/${customerId}`, { token: shop.secretKey })).json()) as { balance: number }).balance;

describe("referral", () => {
  it("on registration: the friend gets 200 on top of the welcome, the member 300", async () => {
    const shop = await widgetShop();
    const member = await register(shop);
    const code = member.customer.referralCode!;
    const friend = await register(shop, { referralCode: code.toLowerCase().replace(/(....)/, "$1-") });
    expect(friend.welcomePoints).toBe(500);
    expect(friend.customer.balance).toBe(700);
    expect(await balanceOf(shop, member.customer.id)).toBe(800);
    const me = (await (await widget(shop, "GET", "/v1/public/me", { token: member.token! })).json()) as { referrals: unknown };
    expect(me.referrals).toEqual({ invited: 1, rewarded: 1 });
    const history = (await (await widget(shop, "GET", "/v1/public/me/history", { token: member.token! })).json()) as { items: { points: number; reason: string }[] };
    expect(history.items[0]).toMatchObject({ points: 300, reason: "referral: a friend joined" });
  });

  it("refuses one's own code, and an unknown code, changing nothing", async () => {
    const shop = await widgetShop();
    // A customer the shop created (not yet a member of the widget) already has a code.
    const created = await send("PUT", "/v1/customers/crm-1", { token: shop.secretKey, body: { name: "C" } });
    expect(created.status).toBe(201);
    const token = await signCustomerToken(shop.secretKey, "crm-1", Math.floor(Date.now() / 1000) + 600);
    const card = (await (await widget(shop, "GET", "/v1/public/me", { token })).json()) as { referralCode: string; balance: number };
    const own = await widget(shop, "POST", "/v1/public/register", { token, body: { name: "C", phone: "+79991110001", consent: true, referralCode: card.referralCode } });
    expect(own.status).toBe(400);
    expect(await errorOf(own)).toMatchObject({ code: "invalid_request", path: "referralCode" });
    const unknown = await widget(shop, "POST", "/v1/public/register", { body: { name: "D", phone: "+79991110002", consent: true, referralCode: "ZZZZZZZZ" } });
    expect(unknown.status).toBe(400);
    expect((await send("GET", "/v1/customers?phone=%2B79991110002", { token: shop.secretKey })).status).toBe(404);
  });

  it("on the first confirmed order: nothing at registration, both bonuses at the confirmation, once", async () => {
    const shop = await widgetShop({ ...WIDGET_PROGRAM, bonuses: { welcome: { points: 0, verify: null }, referral: { referrer: 300, referee: 200, on: "first_order" } } });
    const member = await register(shop);
    const friend = await register(shop, { referralCode: member.customer.referralCode });
    expect(friend.customer.balance).toBe(0);
    expect(await balanceOf(shop, member.customer.id)).toBe(0);

    const order = async (orderId: string) => {
      const placed = await send("POST", "/v1/orders", {
        token: shop.secretKey,
        body: { orderId, customerId: friend.customer.id, lines: [{ id: "1", sku: "A", price: 10000, qty: 1 }] },
      });
      expect(placed.status).toBe(201);
      const confirmed = await send("POST", `/v1/orders/${orderId}/confirm`, { token: shop.secretKey });
      expect(confirmed.status).toBe(200);
    };
    await order(`o-${friend.customer.id}-1`);
    // 5% bronze on 100.00 = 5 points earned, plus the 200 referee bonus.
    expect(await balanceOf(shop, friend.customer.id)).toBe(205);
    expect(await balanceOf(shop, member.customer.id)).toBe(300);
    // A retried confirmation and a second order pay nothing more.
    expect((await send("POST", `/v1/orders/o-${friend.customer.id}-1/confirm`, { token: shop.secretKey })).status).toBe(200);
    await order(`o-${friend.customer.id}-2`);
    expect(await balanceOf(shop, friend.customer.id)).toBe(210);
    expect(await balanceOf(shop, member.customer.id)).toBe(300);
  });

  it("pays the member once per friend even when many friends join at once", async () => {
    const shop = await widgetShop();
    const member = await register(shop);
    const friends = await Promise.all(Array.from({ length: 5 }, () => register(shop, { referralCode: member.customer.referralCode })));
    expect(friends.map((f) => f.customer.balance)).toEqual([700, 700, 700, 700, 700]);
    expect(await balanceOf(shop, member.customer.id)).toBe(500 + 5 * 300);
  });
});

describe("referral through PUT /v1/customers", () => {
  it("attaches the referrer once: the same code again is a no-op, another code is 409, one's own is 400", async () => {
    const shop = await widgetShop();
    const a = await register(shop);
    const b = await register(shop);
    const first = await send("PUT", "/v1/customers/crm-5", { token: shop.secretKey, body: { name: "E", referralCode: a.customer.referralCode } });
    expect(first.status).toBe(201);
    const created = (await first.json()) as { balance: number; referralCode: string };
    expect(created.balance).toBe(700); // 500 welcome (no contacts: once per id) + 200 referee
    const same = await send("PUT", "/v1/customers/crm-5", { token: shop.secretKey, body: { name: "E", referralCode: a.customer.referralCode } });
    expect(same.status).toBe(200);
    expect(((await same.json()) as { balance: number }).balance).toBe(700);
    const other = await send("PUT", "/v1/customers/crm-5", { token: shop.secretKey, body: { name: "E", referralCode: b.customer.referralCode } });
    expect(other.status).toBe(409);
    expect(await errorOf(other)).toMatchObject({ code: "conflict", path: "referralCode" });
    const own = await send("PUT", "/v1/customers/crm-5", { token: shop.secretKey, body: { name: "E", referralCode: created.referralCode } });
    expect(own.status).toBe(400);
    expect(await balanceOf(shop, a.customer.id)).toBe(800);
    expect(await balanceOf(shop, b.customer.id)).toBe(500);
  });
});
