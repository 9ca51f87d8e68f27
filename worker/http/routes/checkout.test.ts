import { describe, expect, it } from "vitest";
import { createShop, errorOf, program, send } from "../../test-support.ts";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test bodies

const AT = "2026-11-23T10:15:00+03:00";

async function shopWith(overrides: Record<string, unknown> = {}) {
  const shop = await createShop();
  const put = await send("PUT", "/v1/program", {
    token: shop.secretKey,
    body: program({ points: { value: 100, expiryDays: 365, pendingDays: 0 }, ...overrides }),
  });
  expect(put.status).toBe(200);
  const post = async (path: string, body?: unknown) => {
    const response = await send("POST", path, { token: shop.secretKey, body });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const get = async (path: string) => {
    const response = await send("GET", path, { token: shop.secretKey });
    return { status: response.status, body: (await response.json()) as Json };
  };
  return { shop, post, get };
}

const line = (id: string, price: number, qty = 1) => ({ id, sku: `sku-${id}`, price, qty });

describe("checkout: quote → order → confirm → return", () => {
  it("quotes without changing anything, with the program version and a quote id", async () => {
    const { post } = await shopWith();
    const quote = await post("/v1/checkout/quote", { customerId: "c1", at: AT, lines: [line("1", 100000)] });
    expect(quote.status).toBe(200);
    expect(quote.body).toMatchObject({
      subtotal: 100000, discount: 0, pointsSpent: 0, total: 100000, pointsEarned: 100, programVersion: 1,
      customer: { id: "c1", tier: null, balance: 0 },
    });
    expect(quote.body.quoteId).toMatch(/^q_[0-9a-f]{32}$/);
    const again = await post("/v1/checkout/quote", { customerId: "c1", at: AT, lines: [line("1", 100000)] });
    expect(again.body.quoteId).toBe(quote.body.quoteId);
  });

  it("runs the whole lifecycle with exact numbers", async () => {
    const { post, get } = await shopWith();
    // 1. A first order of 1 000.00 RUB earns 100 points once confirmed.
    const first = await post("/v1/orders", { orderId: "o1", customerId: "c1", at: AT, lines: [line("1", 100000)] });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ orderId: "o1", status: "pending", evaluation: { pointsEarned: 100 } });
    expect(first.body).not.toHaveProperty("limitedCampaigns");
    const confirmed = await post("/v1/orders/o1/confirm");
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe("confirmed");

    // 2. The second order spends them: 30% of 1 000.00 RUB caps at 300 points; the balance has 100.
    const quote = await post("/v1/checkout/quote", {
      customerId: "c1", at: AT, redeemPoints: "max", lines: [line("a", 60000), line("b", 40000)],
    });
    expect(quote.body).toMatchObject({
      maxRedeemablePoints: 100, pointsSpent: 100, pointsSpentAmount: 10000, total: 90000, pointsEarned: 90,
      customer: { balance: 100 },
    });
    const second = await post("/v1/orders", {
      orderId: "o2", customerId: "c1", at: AT, redeemPoints: "max", quoteId: quote.body.quoteId,
      lines: [line("a", 60000), line("b", 40000)],
    });
    expect(second.status).toBe(201);
    // Held points are not spendable by another order.
    const third = await post("/v1/checkout/quote", { customerId: "c1", at: AT, redeemPoints: "max", lines: [line("x", 100000)] });
    expect(third.body.pointsSpent).toBe(0);
    expect((await post("/v1/orders/o2/confirm")).body.status).toBe("confirmed");

    // 3. Returning line b (40% of the money): 36 of the 90 earned points back, 40 of the 100 spent points given back.
    const returned = await post("/v1/orders/o2/returns", { returnId: "r1", lines: [{ id: "b", qty: 1 }] });
    expect(returned.status).toBe(200);
    expect(returned.body).toMatchObject({ returnId: "r1", pointsTakenBack: 36, pointsGivenBack: 40 });
    // A replay answers the same; more than was bought is 422.
    expect((await post("/v1/orders/o2/returns", { returnId: "r1", lines: [{ id: "b", qty: 1 }] })).body).toEqual(returned.body);
    const tooMany = await post("/v1/orders/o2/returns", { returnId: "r2", lines: [{ id: "b", qty: 1 }] });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error.code).toBe("invalid_state");

    const order = await get("/v1/orders/o2");
    expect(order.status).toBe(200);
    expect(order.body.returns).toHaveLength(1);
  });

  it("replays an order with the same body and refuses the same id with another body", async () => {
    const { post } = await shopWith();
    const body = { orderId: "o1", customerId: "c1", at: AT, lines: [line("1", 100000)] };
    const first = await post("/v1/orders", body);
    const replay = await post("/v1/orders", body);
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    const other = await post("/v1/orders", { ...body, lines: [line("1", 200000)] });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe("idempotency_conflict");
    // Another customer cannot take over the order id.
    const stolen = await post("/v1/orders", { ...body, customerId: "c2" });
    expect(stolen.status).toBe(409);
  });

  it("answers 409 conflict with the fresh evaluation when the quote no longer matches", async () => {
    const { post } = await shopWith();
    const response = await post("/v1/orders", {
      orderId: "o1", customerId: "c1", at: AT, quoteId: "q_00000000000000000000000000000000", lines: [line("1", 100000)],
    });
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe("conflict");
  });

  it("cancels a pending order (hold released) and a confirmed one (points reversed)", async () => {
    const { post, get } = await shopWith();
    await post("/v1/orders", { orderId: "o1", customerId: "c1", at: AT, lines: [line("1", 100000)] });
    const cancelled = await post("/v1/orders/o1/cancel");
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("cancelled");
    expect((await post("/v1/orders/o1/confirm")).status).toBe(422);
    await post("/v1/orders", { orderId: "o2", customerId: "c1", at: AT, lines: [line("1", 100000)] });
    await post("/v1/orders/o2/confirm");
    expect((await post("/v1/checkout/quote", { customerId: "c1", at: AT, lines: [line("1", 100000)] })).body.customer.balance).toBe(100);
    expect((await post("/v1/orders/o2/cancel")).body.status).toBe("cancelled");
    expect((await post("/v1/checkout/quote", { customerId: "c1", at: AT, lines: [line("1", 100000)] })).body.customer.balance).toBe(0);
    expect((await get("/v1/orders/o2")).body.status).toBe("cancelled");
  });

  it("refuses bad input with the path, and unknown orders with 404", async () => {
    const { post, get } = await shopWith();
    const bad = await send("POST", "/v1/checkout/quote", {
      token: (await shopWith()).shop.secretKey, body: { at: AT, lines: [{ id: "1", price: -1, qty: 1 }] },
    });
    expect(bad.status).toBe(400);
    expect(await errorOf(bad)).toMatchObject({ code: "invalid_request", path: "lines[0].price" });
    const fraction = await post("/v1/orders", { orderId: "o1", customerId: "c1", lines: [{ id: "1", price: 10.5, qty: 1 }] });
    expect(fraction.status).toBe(400);
    expect(fraction.body.error.path).toBe("lines[0].price");
    const anonymous = await post("/v1/orders", { orderId: "o1", lines: [line("1", 100)] });
    expect(anonymous.status).toBe(400);
    expect(anonymous.body.error.path).toBe("customerId");
    expect((await get("/v1/orders/nope")).status).toBe(404);
    expect((await post("/v1/orders/nope/confirm")).status).toBe(404);
  });

  it("never lets one shop see another shop's orders", async () => {
    const a = await shopWith();
    const b = await shopWith();
    await a.post("/v1/orders", { orderId: "o1", customerId: "c1", at: AT, lines: [line("1", 100000)] });
    expect((await b.get("/v1/orders/o1")).status).toBe(404);
    expect((await b.post("/v1/orders/o1/confirm")).status).toBe(404);
    expect((await b.post("/v1/orders/o1/cancel")).status).toBe(404);
    expect((await a.get("/v1/orders/o1")).status).toBe(200);
  });
});

describe("shop-wide campaign limits under concurrent checkouts", () => {
  it("gives a campaign with 10 uses left to exactly 10 of 50 parallel orders", async () => {
    const { post } = await shopWith({
      campaigns: [{ id: "ten", effect: { discountBps: 1000 }, limits: { totalUses: 10 } }],
    });
    const orders = await Promise.all(Array.from({ length: 50 }, (_, i) =>
      post("/v1/orders", { orderId: `o${i}`, customerId: `c${i}`, at: AT, lines: [line("1", 100000)] })));
    expect(orders.every((o) => o.status === 201)).toBe(true);
    const discounted = orders.filter((o) => o.body.evaluation.campaigns.some((c: Json) => c.id === "ten"));
    expect(discounted).toHaveLength(10);
    for (const o of discounted) expect(o.body.evaluation.discount).toBe(10000);
    // Cancelling one gives its use back to the next order.
    await post(`/v1/orders/${discounted[0]!.body.orderId}/cancel`);
    const next = await post("/v1/orders", { orderId: "late", customerId: "late", at: AT, lines: [line("1", 100000)] });
    expect(next.body.evaluation.discount).toBe(10000);
  });
});

describe("orders without `at`", () => {
  it("replays a retried order that left `at` out (the time is not part of the request)", async () => {
    const { post } = await shopWith();
    const body = { orderId: "o1", customerId: "c1", lines: [line("1", 100000)] };
    const first = await post("/v1/orders", body);
    expect(first.status).toBe(201);
    const retry = await post("/v1/orders", body);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
  });

  it("answers a stale quote with 409 conflict carrying the fresh evaluation", async () => {
    const { post } = await shopWith();
    const response = await post("/v1/orders", {
      orderId: "o1", customerId: "c1", quoteId: "q_00000000000000000000000000000000", lines: [line("1", 100000)],
    });
    expect(response.status).toBe(409);
    expect(response.body.error).toMatchObject({ code: "conflict", evaluation: { subtotal: 100000, pointsEarned: 100 } });
  });
});

describe("history shows the store", () => {
  it("records the receipt's store on the order's history entry", async () => {
    const { post, get } = await shopWith();
    await post("/v1/orders", { orderId: "o1", customerId: "c1", store: "Moscow, Tverskaya 7", at: AT, lines: [line("1", 100000)] });
    await post("/v1/orders/o1/confirm");
    const history = await get("/v1/customers/c1/history");
    expect(history.status).toBe(200);
    expect(history.body.items[0]).toMatchObject({ type: "order", orderId: "o1", store: "Moscow, Tverskaya 7", amount: 100000, pointsEarned: 100 });
  });
});
