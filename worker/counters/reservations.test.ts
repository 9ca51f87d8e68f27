import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { CustomerAccount } from "../account/account.ts";
import { accountOf } from "../account/account.ts";
import { resetClock } from "../lib/clock.ts";
import { createShop, program, send } from "../test-support.ts";
import { campaignCounter } from "./counter.ts";
import { forgetReadings } from "./reservations.ts";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test bodies

afterEach(() => {
  resetClock();
  forgetReadings();
});

const line = (id: string, price: number) => ({ id, sku: `sku-${id}`, price, qty: 1 });

/** A shop whose program has `campaigns`; `post` sends with its secret key. */
async function shopWith(campaigns: unknown[]) {
  const shop = await createShop();
  const put = await send("PUT", "/v1/program", { token: shop.secretKey, body: program({ campaigns }) });
  expect(put.status).toBe(200);
  const post = async (path: string, body?: unknown) => {
    const response = await send("POST", path, { token: shop.secretKey, body });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const order = (orderId: string, customerId: string, price = 100_000) => post("/v1/orders", { orderId, customerId, lines: [line("1", price)] });
  return { shop, post, order };
}

async function reservationsOf(shopId: string, campaignId: string): Promise<{ order_id: string; state: string; budget: number }[]> {
  return runInDurableObject(campaignCounter(env, shopId, campaignId), (_counter, state) =>
    state.storage.sql.exec<{ order_id: string; state: string; budget: number }>(
      "SELECT order_id, state, budget FROM reservations ORDER BY order_id",
    ).toArray());
}

describe("orders reserve their limited campaigns inside the customer's account", () => {
  it("an order gets what is left of a budget smaller than its discount (refused, then evaluated with what is left)", async () => {
    const { shop, order } = await shopWith([{ id: "budget", effect: { discountBps: 1000 }, limits: { budget: 15_000 } }]);
    expect((await order("o1", "c1")).body.evaluation.discount).toBe(10_000);
    const second = await order("o2", "c2");
    expect(second.status).toBe(201);
    expect(second.body.evaluation.discount).toBe(5_000);
    const third = await order("o3", "c3");
    expect(third.body.evaluation.discount).toBe(0);
    expect(third.body.evaluation.campaigns).toEqual([]);
    expect(await reservationsOf(shop.shopId, "budget")).toEqual([
      { order_id: "o1", state: "reserved", budget: 10_000 },
      { order_id: "o2", state: "reserved", budget: 5_000 },
    ]);
  });

  it("never misses a use given back, even after this isolate saw the campaign used up", async () => {
    const { post, order } = await shopWith([{ id: "once", effect: { discountBps: 1000 }, limits: { totalUses: 1 } }]);
    expect((await order("o1", "c1")).body.evaluation.discount).toBe(10_000);
    expect((await order("o2", "c2")).body.evaluation.discount).toBe(0); // refused: the isolate notes "used up"
    expect((await post("/v1/orders/o1/cancel")).status).toBe(200);
    expect((await order("o3", "c3")).body.evaluation.discount).toBe(10_000);
  });

  it("a replayed order reserves nothing again, even after it was cancelled", async () => {
    const { shop, post, order } = await shopWith([{ id: "once", effect: { discountBps: 1000 }, limits: { totalUses: 1 } }]);
    const first = await order("o1", "c1");
    expect((await post("/v1/orders/o1/cancel")).status).toBe(200);
    const replay = await order("o1", "c1");
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(await reservationsOf(shop.shopId, "once")).toEqual([{ order_id: "o1", state: "released", budget: 10_000 }]);
    expect((await order("o2", "c2")).body.evaluation.discount).toBe(10_000);
  });

  it("a refused order gives back what it reserved (a stale quote id: 409 conflict)", async () => {
    const { shop, post } = await shopWith([{ id: "once", effect: { discountBps: 1000 }, limits: { totalUses: 1 } }]);
    const stale = await post("/v1/orders", { orderId: "o1", customerId: "c1", quoteId: "q_00000000000000000000000000000000", lines: [line("1", 100_000)] });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: "conflict", evaluation: { discount: 10_000 } });
    expect(await reservationsOf(shop.shopId, "once")).toEqual([{ order_id: "o1", state: "released", budget: 10_000 }]);
  });

  it("the account reads the program of the version it is given from the Shop when its isolate has not seen it", async () => {
    const { shop } = await shopWith([]);
    const stub: DurableObjectStub<CustomerAccount> = accountOf(env, shop.shopId, "c1");
    const input = { shopId: shop.shopId, orderId: "o1", receipt: { customerId: "c1", lines: [line("1", 100_000)] }, now: Date.now(), reserve: true };
    const placed = await stub.placeOrder({ ...input, programVersion: 1 });
    expect(placed).toMatchObject({ ok: true, value: { evaluation: { programVersion: 1, pointsEarned: 100 } } });
    const unknown = await stub.placeOrder({ ...input, orderId: "o2", programVersion: 7 });
    expect(unknown).toMatchObject({ ok: false, error: { code: "invalid_state" } });
  });
});

describe("a quote's snapshot", () => {
  it("records nothing in the account: no clock, no write", async () => {
    const { shop, post } = await shopWith([]);
    const stub: DurableObjectStub<CustomerAccount> = accountOf(env, shop.shopId, "c1");
    expect((await post("/v1/orders", { orderId: "o1", customerId: "c1", lines: [line("1", 100_000)] })).status).toBe(201);
    const clock = () => runInDurableObject(stub, (_a, state) => state.storage.sql.exec<{ reached: number }>("SELECT reached FROM clock").one().reached);
    const before = await clock();
    expect((await stub.getCheckoutSnapshot(before + 60_000, undefined, {})).ok).toBe(true);
    expect(await clock()).toBe(before);
    expect((await stub.getOrder("o1", before + 60_000)).ok).toBe(true); // a read the API answers is recorded
    expect(await clock()).toBe(before + 60_000);
  });
});
