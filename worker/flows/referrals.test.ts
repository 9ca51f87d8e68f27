/**
 * The settlement of a `first_order` referral looks at its order again after granting: a cancellation that ran
 * between the confirmation and the grants (and so found nothing to take back) must not leave the bonuses paid.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { accountOf } from "../account/account.ts";
import { send } from "../test-support.ts";
import { register, widgetShop, WIDGET_PROGRAM } from "../http/public/test-helpers.ts";
import { currentProgram } from "./program.ts";
import { settleReferral } from "./referrals.ts";

const FIRST_ORDER = { ...WIDGET_PROGRAM, bonuses: { welcome: { points: 0, verify: null }, referral: { referrer: 300, referee: 200, on: "first_order" } } };

describe("settleReferral", () => {
  it("takes the bonuses back at once when the paying order was cancelled before they landed", async () => {
    const shop = await widgetShop(FIRST_ORDER);
    const member = await register(shop);
    const friend = await register(shop, { referralCode: member.customer.referralCode });
    const placed = await send("POST", "/v1/orders", {
      token: shop.secretKey, body: { orderId: "race-1", customerId: friend.customer.id, lines: [{ id: "1", sku: "A", price: 10000, qty: 1 }] },
    });
    expect(placed.status).toBe(201);
    // The confirmation reached the account; the flow's settlement has not run yet.
    const now = Date.now();
    expect((await accountOf(env, shop.shopId, friend.customer.id).confirmOrder("race-1", now)).ok).toBe(true);
    // The cancellation runs meanwhile: this order has paid no referral yet, so it takes nothing back.
    expect((await send("POST", "/v1/orders/race-1/cancel", { token: shop.secretKey })).status).toBe(200);
    // Now the settlement: it grants, sees the order no longer stands, and takes both bonuses back.
    const { program } = await currentProgram(env, shop.shopId);
    expect(await settleReferral(env, shop.shopId, friend.customer.id, program, now, "race-1")).toBe(0);
    const balance = async (id: string) => ((await (await send("GET", `/v1/customers/${id}`, { token: shop.secretKey })).json()) as { balance: number }).balance;
    expect(await balance(friend.customer.id)).toBe(0);
    expect(await balance(member.customer.id)).toBe(0);
    // Settling again (a retried confirmation) pays nothing: the referral is over.
    expect(await settleReferral(env, shop.shopId, friend.customer.id, program, now, "race-1")).toBe(0);
    expect(await balance(member.customer.id)).toBe(0);
  });
});
