import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { now, resetClock, setClock } from "../lib/clock.ts";
import { campaignCounter } from "../counters/counter.ts";
import { forgetReadings } from "../counters/reservations.ts";
import { createShop, program, send } from "../test-support.ts";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test bodies

const T0 = Date.parse("2026-11-23T07:15:00Z");
const MINUTE = 60_000;
const cart = (price = 100_000) => ({ lines: [{ id: "1", sku: "a", price, qty: 1 }] });

afterEach(() => {
  resetClock();
  forgetReadings();
});

async function shopWith(limits: Record<string, number>) {
  const shop = await createShop();
  const campaign = { id: "limited", effect: { discountBps: 1000 }, limits };
  const put = await send("PUT", "/v1/program", { token: shop.secretKey, body: program({ campaigns: [campaign] }) });
  expect(put.status).toBe(200);
  const post = async (path: string, body?: unknown) => {
    const response = await send("POST", path, { token: shop.secretKey, body });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const left = () => campaignCounter(env, shop.shopId, "limited").peek(limits, now());
  return { shop, post, left };
}

async function snapshotOf(shopId: string, customerId: string) {
  const result = await env.CUSTOMER_ACCOUNT.getByName(`${shopId}:${customerId}`).getSnapshot(T0 + 10 * MINUTE);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

/**
 * An order whose hold lapsed gave its campaign use back; if another order took it meanwhile, confirming the lapsed
 * order late must not commit a use (or budget) the campaign no longer has. Kopilka refuses such a confirmation with
 * 422 `hold_expired` naming the campaign (docs/api.md "Confirming after the hold lapsed"): the order stays lapsed,
 * and the shop places it again to get a fresh evaluation.
 */
describe("a late confirmation never exceeds a campaign's limits", () => {
  it("totalUses 1: the lapsed order is refused once another order took the use; the counter keeps exactly one", async () => {
    const { shop, post, left } = await shopWith({ totalUses: 1 });
    setClock(T0);
    const first = await post("/v1/orders", { ...cart(), orderId: "o1", customerId: "c1", holdMinutes: 5 });
    expect(first.body.evaluation.discount).toBe(10_000);
    setClock(T0 + 6 * MINUTE);
    const second = await post("/v1/orders", { ...cart(), orderId: "o2", customerId: "c2" });
    expect(second.body.evaluation.discount).toBe(10_000);
    expect((await post("/v1/orders/o2/confirm")).status).toBe(200);

    const late = await post("/v1/orders/o1/confirm");
    expect(late.status).toBe(422);
    expect(late.body.error).toMatchObject({ code: "hold_expired", path: "campaigns.limited" });
    expect(await left()).toEqual({ usesLeft: 0 });
    // Nothing changed for c1: the order is still lapsed, nothing was spent or earned.
    const order = await send("GET", "/v1/orders/o1", { token: shop.secretKey });
    expect(((await order.json()) as Json).status).toBe("lapsed");
    expect(await snapshotOf(shop.shopId, "c1")).toMatchObject({ orders: 0, campaignUses: {} });
  });

  it("totalUses 1: the lapsed order is confirmed when its use is still free, and then holds it", async () => {
    const { post, left } = await shopWith({ totalUses: 1 });
    setClock(T0);
    expect((await post("/v1/orders", { ...cart(), orderId: "o1", customerId: "c1", holdMinutes: 5 })).status).toBe(201);
    setClock(T0 + 6 * MINUTE);
    expect(await left()).toEqual({ usesLeft: 1 }); // the lapse gave it back
    const late = await post("/v1/orders/o1/confirm");
    expect(late.status).toBe(200);
    expect(late.body.status).toBe("confirmed");
    expect(await left()).toEqual({ usesLeft: 0 });
    const other = await post("/v1/orders", { ...cart(), orderId: "o2", customerId: "c2" });
    expect(other.body.evaluation.discount).toBe(0);
    // A retry of the confirmation answers the same and takes nothing more.
    expect((await post("/v1/orders/o1/confirm")).status).toBe(200);
    expect(await left()).toEqual({ usesLeft: 0 });
  });

  it("budget 10,000: a late confirmation cannot give a second 10,000", async () => {
    const { post, left } = await shopWith({ budget: 10_000 });
    setClock(T0);
    expect((await post("/v1/orders", { ...cart(), orderId: "o1", customerId: "c1", holdMinutes: 5 })).body.evaluation.discount).toBe(10_000);
    setClock(T0 + 6 * MINUTE);
    expect((await post("/v1/orders", { ...cart(), orderId: "o2", customerId: "c2" })).body.evaluation.discount).toBe(10_000);
    expect((await post("/v1/orders/o2/confirm")).status).toBe(200);
    const late = await post("/v1/orders/o1/confirm");
    expect(late.status).toBe(422);
    expect(late.body.error.code).toBe("hold_expired");
    expect(await left()).toEqual({ budgetLeft: 0 });
  });

  it("perCustomer 1: the customer's own second order took the use while the first had lapsed", async () => {
    const { shop, post } = await shopWith({ perCustomer: 1 });
    setClock(T0);
    expect((await post("/v1/orders", { ...cart(), orderId: "o1", customerId: "c1", holdMinutes: 5 })).body.evaluation.discount).toBe(10_000);
    setClock(T0 + 6 * MINUTE);
    expect((await post("/v1/orders", { ...cart(), orderId: "o2", customerId: "c1" })).body.evaluation.discount).toBe(10_000);
    expect((await post("/v1/orders/o2/confirm")).status).toBe(200);
    const late = await post("/v1/orders/o1/confirm");
    expect(late.status).toBe(422);
    expect(late.body.error).toMatchObject({ code: "hold_expired", path: "campaigns.limited" });
    expect(await snapshotOf(shop.shopId, "c1")).toMatchObject({ orders: 1, campaignUses: { limited: 1 } });
  });

  it("a lapsed order with only unlimited campaigns is still honoured late, as before", async () => {
    const shop = await createShop();
    const campaign = { id: "open", effect: { discountBps: 1000 } };
    expect((await send("PUT", "/v1/program", { token: shop.secretKey, body: program({ campaigns: [campaign] }) })).status).toBe(200);
    setClock(T0);
    const placed = await send("POST", "/v1/orders", { token: shop.secretKey, body: { ...cart(), orderId: "o1", customerId: "c1", holdMinutes: 5 } });
    expect(placed.status).toBe(201);
    setClock(T0 + 6 * MINUTE);
    expect((await send("POST", "/v1/orders/o1/confirm", { token: shop.secretKey })).status).toBe(200);
  });
});

/**
 * A cancelled order gives its campaign use back for good. A retried confirmation of it (the account answers its
 * first answer again) must not record the use again at the counter: that would leak a use the campaign never gives.
 */
describe("a retried confirmation after a cancellation takes no use", () => {
  it("totalUses 1: confirm, cancel, confirm again — the use stays free for the next order", async () => {
    const { post, left } = await shopWith({ totalUses: 1 });
    setClock(T0);
    expect((await post("/v1/orders", { ...cart(), orderId: "o1", customerId: "c1" })).status).toBe(201);
    expect((await post("/v1/orders/o1/confirm")).status).toBe(200);
    expect(await left()).toEqual({ usesLeft: 0 });
    expect((await post("/v1/orders/o1/cancel")).body.status).toBe("cancelled");
    expect(await left()).toEqual({ usesLeft: 1 });
    const retried = await post("/v1/orders/o1/confirm");
    expect(retried.status).toBe(200); // the first answer, replayed
    expect(await left()).toEqual({ usesLeft: 1 });
    const next = await post("/v1/orders", { ...cart(), orderId: "o2", customerId: "c2" });
    expect(next.body.evaluation.discount).toBe(10_000);
  });
});
