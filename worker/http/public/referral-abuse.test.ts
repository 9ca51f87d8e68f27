/**
 * Referral abuse (issue 19): referrals never go round in a loop (A refers B, B refers A — or longer), and the
 * bonuses a first order paid are taken back when that order is cancelled or fully returned, once, even when the
 * points were spent meanwhile (the balance goes into debt). A partial return keeps them.
 */
import { describe, expect, it } from "vitest";
import { errorOf, send } from "../../test-support.ts";
import { signCustomerToken } from "../../lib/tokens.ts";
import { register, widget, widgetShop, WIDGET_PROGRAM, type WidgetShop } from "./test-helpers.ts";

const accountOf = async (shop: { secretKey: string }, customerId: string) =>
  (await (await send("GET", `/v1/customers/${customerId}`, { token: shop.secretKey })).json()) as { balance: number; referralCode: string };
const balanceOf = async (shop: { secretKey: string }, customerId: string) => (await accountOf(shop, customerId)).balance;

const put = (shop: WidgetShop, id: string, body: Record<string, unknown>) =>
  send("PUT", `/v1/customers/${id}`, { token: shop.secretKey, body: { name: id, ...body } });

describe("referral loops", () => {
  it("A refers B, then B's code for A is 409 conflict naming referralCode, and pays nothing", async () => {
    const shop = await widgetShop();
    expect((await put(shop, "loop-a", {})).status).toBe(201);
    const a = await accountOf(shop, "loop-a");
    expect((await put(shop, "loop-b", { referralCode: a.referralCode })).status).toBe(201);
    const b = await accountOf(shop, "loop-b");
    expect([await balanceOf(shop, "loop-a"), b.balance]).toEqual([800, 700]);

    const back = await put(shop, "loop-a", { referralCode: b.referralCode });
    expect(back.status).toBe(409);
    expect(await errorOf(back)).toMatchObject({ code: "conflict", path: "referralCode" });
    expect([await balanceOf(shop, "loop-a"), await balanceOf(shop, "loop-b")]).toEqual([800, 700]);
    // Without the code the same update is fine: the refusal was the loop, not the customer.
    expect((await put(shop, "loop-a", {})).status).toBe(200);
  });

  it("refuses a longer loop A → B → C → A, through the widget too", async () => {
    const shop = await widgetShop();
    expect((await put(shop, "ring-a", {})).status).toBe(201);
    expect((await put(shop, "ring-b", { referralCode: (await accountOf(shop, "ring-a")).referralCode })).status).toBe(201);
    expect((await put(shop, "ring-c", { referralCode: (await accountOf(shop, "ring-b")).referralCode })).status).toBe(201);
    const c = await accountOf(shop, "ring-c");
    const before = [await balanceOf(shop, "ring-a"), await balanceOf(shop, "ring-b"), c.balance];

    const viaPut = await put(shop, "ring-a", { referralCode: c.referralCode });
    expect(viaPut.status).toBe(409);
    expect(await errorOf(viaPut)).toMatchObject({ code: "conflict", path: "referralCode" });

    // ring-a, signed in by the shop, joining in the widget with ring-c's code.
    const token = await signCustomerToken(shop.secretKey, "ring-a", Math.floor(Date.now() / 1000) + 600);
    const viaWidget = await widget(shop, "POST", "/v1/public/register", {
      token, body: { name: "A", phone: "+79995550101", consent: true, referralCode: c.referralCode },
    });
    expect(viaWidget.status).toBe(409);
    expect(await errorOf(viaWidget)).toMatchObject({ code: "conflict", path: "referralCode" });
    expect([await balanceOf(shop, "ring-a"), await balanceOf(shop, "ring-b"), await balanceOf(shop, "ring-c")]).toEqual(before);
    // Not a loop: a fourth customer may still use any of the three codes.
    expect((await put(shop, "ring-d", { referralCode: c.referralCode })).status).toBe(201);
  });
});

const FIRST_ORDER = { ...WIDGET_PROGRAM, bonuses: { welcome: { points: 0, verify: null }, referral: { referrer: 300, referee: 200, on: "first_order" } } };

/** A member, a friend referred by them, and the friend's first order (2 units of 100.00) confirmed. */
async function referredFirstOrder(orderId: string) {
  const shop = await widgetShop(FIRST_ORDER);
  const member = await register(shop);
  const friend = await register(shop, { referralCode: member.customer.referralCode });
  const placed = await send("POST", "/v1/orders", {
    token: shop.secretKey,
    body: { orderId, customerId: friend.customer.id, lines: [{ id: "1", sku: "A", price: 10000, qty: 2 }] },
  });
  expect(placed.status).toBe(201);
  expect((await send("POST", `/v1/orders/${orderId}/confirm`, { token: shop.secretKey })).status).toBe(200);
  // 5% bronze on 200.00 = 10 points, plus the 200 referee bonus; the member gets 300.
  expect(await balanceOf(shop, friend.customer.id)).toBe(210);
  expect(await balanceOf(shop, member.customer.id)).toBe(300);
  return { shop, memberId: member.customer.id, friendId: friend.customer.id, memberToken: member.token! };
}

describe("referral bonuses of a first order that does not stay", () => {
  it("a cancelled first order takes both bonuses back, once", async () => {
    const { shop, memberId, friendId, memberToken } = await referredFirstOrder("ref-cancel-1");
    expect((await send("POST", "/v1/orders/ref-cancel-1/cancel", { token: shop.secretKey })).status).toBe(200);
    expect(await balanceOf(shop, friendId)).toBe(0);
    expect(await balanceOf(shop, memberId)).toBe(0);
    // A retried cancellation takes nothing twice.
    expect((await send("POST", "/v1/orders/ref-cancel-1/cancel", { token: shop.secretKey })).status).toBe(200);
    expect(await balanceOf(shop, friendId)).toBe(0);
    expect(await balanceOf(shop, memberId)).toBe(0);
    const history = (await (await send("GET", `/v1/customers/${memberId}/history`, { token: shop.secretKey })).json()) as { items: { type: string; points: number; reason: string }[] };
    expect(history.items.map((i) => [i.type, i.points])).toEqual([["bonus", -300], ["bonus", 300]]);
    expect(history.items[0]!.reason).toMatch(/^referral/);
    const me = (await (await widget(shop, "GET", "/v1/public/me", { token: memberToken })).json()) as { referrals: unknown };
    expect(me.referrals).toEqual({ invited: 1, rewarded: 0 });
    // The referral is over: a later order pays nothing.
    const again = await send("POST", "/v1/orders", {
      token: shop.secretKey, body: { orderId: "ref-cancel-2", customerId: friendId, lines: [{ id: "1", sku: "A", price: 10000, qty: 1 }] },
    });
    expect(again.status).toBe(201);
    expect((await send("POST", "/v1/orders/ref-cancel-2/confirm", { token: shop.secretKey })).status).toBe(200);
    expect(await balanceOf(shop, friendId)).toBe(5);
    expect(await balanceOf(shop, memberId)).toBe(0);
  });

  it("a fully returned first order takes them back; a partial return keeps them", async () => {
    const { shop, memberId, friendId } = await referredFirstOrder("ref-return-1");
    const partial = await send("POST", "/v1/orders/ref-return-1/returns", { token: shop.secretKey, body: { returnId: "r1", lines: [{ id: "1", qty: 1 }] } });
    expect(partial.status).toBe(200);
    expect(await balanceOf(shop, friendId)).toBe(205);
    expect(await balanceOf(shop, memberId)).toBe(300);
    const rest = await send("POST", "/v1/orders/ref-return-1/returns", { token: shop.secretKey, body: { returnId: "r2", lines: [{ id: "1", qty: 1 }] } });
    expect(rest.status).toBe(200);
    expect(await balanceOf(shop, friendId)).toBe(0);
    expect(await balanceOf(shop, memberId)).toBe(0);
    // Replaying the return, then cancelling the returned order: nothing is taken twice.
    expect((await send("POST", "/v1/orders/ref-return-1/returns", { token: shop.secretKey, body: { returnId: "r2", lines: [{ id: "1", qty: 1 }] } })).status).toBe(200);
    expect((await send("POST", "/v1/orders/ref-return-1/cancel", { token: shop.secretKey })).status).toBe(200);
    expect(await balanceOf(shop, friendId)).toBe(0);
    expect(await balanceOf(shop, memberId)).toBe(0);
  });

  it("bonus points already spent become debt", async () => {
    const { shop, memberId, friendId } = await referredFirstOrder("ref-debt-1");
    const spent = await send("POST", `/v1/customers/${memberId}/adjustments`, { token: shop.secretKey, body: { id: "spend-all", points: -250 } });
    expect(spent.status).toBe(201);
    expect((await send("POST", "/v1/orders/ref-debt-1/cancel", { token: shop.secretKey })).status).toBe(200);
    expect(await balanceOf(shop, memberId)).toBe(-250);
    expect(await balanceOf(shop, friendId)).toBe(0);
    // Debt is paid from the next points.
    expect((await send("POST", `/v1/customers/${memberId}/adjustments`, { token: shop.secretKey, body: { id: "top-up", points: 400 } })).status).toBe(201);
    expect(await balanceOf(shop, memberId)).toBe(150);
  });
});
