import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { resetClock, setClock } from "../../lib/clock.ts";
import { createShop, errorOf, program, send } from "../../test-support.ts";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test bodies

const T0 = Date.parse("2026-11-23T07:15:00Z");
const line = (id: string, price: number, qty = 1) => ({ id, sku: `sku-${id}`, price, qty });

afterEach(() => resetClock());

async function shopWithProgram() {
  const shop = await createShop();
  expect((await send("PUT", "/v1/program", { token: shop.secretKey, body: program({ points: { value: 100, expiryDays: 365 } }) })).status).toBe(200);
  const post = async (path: string, body?: unknown) => {
    const response = await send("POST", path, { token: shop.secretKey, body });
    return { status: response.status, body: (await response.json()) as Json, response };
  };
  /** Gives the customer points through the account's own adjustment (the customers API is tested elsewhere). */
  const grant = async (customerId: string, points: number) => {
    const result = await env.CUSTOMER_ACCOUNT.getByName(`${shop.shopId}:${customerId}`).adjust({ id: `seed-${points}`, points }, T0);
    expect(result.ok).toBe(true);
  };
  return { shop, post, grant };
}

describe("checkout errors", () => {
  it("401 on every checkout route without a secret key, with a publishable key or a wrong key", async () => {
    const shop = await createShop();
    const wrong = `sk_${shop.shopId}_${"x".repeat(32)}`;
    const routes: [string, string][] = [
      ["POST", "/v1/checkout/quote"], ["POST", "/v1/orders"], ["POST", "/v1/orders/o1/confirm"],
      ["POST", "/v1/orders/o1/cancel"], ["POST", "/v1/orders/o1/returns"], ["GET", "/v1/orders/o1"],
    ];
    for (const [method, path] of routes) {
      for (const token of [undefined, shop.publishableKey, wrong]) {
        const response = await send(method, path, { token, body: method === "POST" ? {} : undefined });
        expect(response.status, `${method} ${path} with ${token ?? "no key"}`).toBe(401);
        expect((await errorOf(response)).code).toBe("unauthorized");
      }
    }
  });

  it("404 not_found for a quote before any program is published", async () => {
    const shop = await createShop();
    const response = await send("POST", "/v1/checkout/quote", { token: shop.secretKey, body: { lines: [line("1", 100)] } });
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toEqual({ code: "not_found", message: "No program has been published yet" });
  });

  it("400 with the path for wrong types, too many lines and unknown fields; 413 for an oversized body", async () => {
    const { post, shop } = await shopWithProgram();
    const cases: [unknown, string][] = [
      [{ lines: [{ id: "1", price: "100", qty: 1 }] }, "lines[0].price"],
      [{ lines: [{ id: "1", price: 100, qty: 0 }] }, "lines[0].qty"],
      [{ lines: Array.from({ length: 1001 }, (_, i) => line(String(i), 1)) }, "lines"],
      [{ lines: [line("1", 100)], redeemPoints: -5 }, "redeemPoints"],
      [{ lines: [line("1", 100)], coupon: "X" }, "coupon"],
      [{ lines: [line("1", 100)], at: "yesterday" }, "at"],
    ];
    for (const [body, path] of cases) {
      const response = await post("/v1/checkout/quote", body);
      expect(response.status, path).toBe(400);
      expect(response.body.error).toMatchObject({ code: "invalid_request", path });
    }
    const huge = await send("POST", "/v1/checkout/quote", { token: shop.secretKey, body: "x".repeat(2 * 1024 * 1024) });
    expect(huge.status).toBe(413);
    expect((await errorOf(huge)).code).toBe("payload_too_large");
    const malformed = await send("POST", "/v1/orders", { token: shop.secretKey, body: "{\"orderId\": " });
    expect(malformed.status).toBe(400);
  });

  it("422 insufficient_points when the balance cannot cover the points asked for, and nothing is held", async () => {
    const { post, grant } = await shopWithProgram();
    setClock(T0);
    await grant("c1", 50);
    const response = await post("/v1/orders", { orderId: "o1", customerId: "c1", redeemPoints: 80, lines: [line("1", 100000)] });
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe("insufficient_points");
    const quote = await post("/v1/checkout/quote", { customerId: "c1", redeemPoints: "max", lines: [line("1", 100000)] });
    expect(quote.body.pointsSpent).toBe(50);
  });

  it("customer ids follow the one id grammar everywhere: a receipt cannot name an account no route can reach", async () => {
    const { post } = await shopWithProgram();
    for (const customerId of ["c 42", "вася", "../x", "a/b", "", "x".repeat(201)]) {
      for (const path of ["/v1/checkout/quote", "/v1/orders"]) {
        const refused = await post(path, { orderId: "o1", customerId, lines: [line("1", 100000)] });
        expect(refused.status, `${path} ${customerId}`).toBe(400);
        expect(refused.body.error.path).toBe("customerId");
      }
    }
    expect((await post("/v1/orders", { orderId: "o1", customerId: "c-42_a.b:c@d", lines: [line("1", 100000)] })).status).toBe(201);
  });

  it("a refused order changes nothing: its customer does not appear, and its id is free for another customer", async () => {
    const { shop, post, grant } = await shopWithProgram();
    setClock(T0);
    const refused = await post("/v1/orders", { orderId: "o1", customerId: "nobody", redeemPoints: 80, lines: [line("1", 100000)] });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe("insufficient_points");
    expect((await send("GET", "/v1/customers/nobody", { token: shop.secretKey })).status).toBe(404);
    expect((await send("GET", "/v1/orders/o1", { token: shop.secretKey })).status).toBe(404);
    await grant("c2", 100);
    const placed = await post("/v1/orders", { orderId: "o1", customerId: "c2", redeemPoints: 80, lines: [line("1", 100000)] });
    expect(placed.status).toBe(201);
    expect((await post("/v1/orders/o1/confirm")).status).toBe(200);
    // A retry of the placed order still answers it, and the id stays c2's.
    expect((await post("/v1/orders", { orderId: "o1", customerId: "c2", redeemPoints: 80, lines: [line("1", 100000)] })).status).toBe(201);
    expect((await post("/v1/orders", { orderId: "o1", customerId: "nobody", lines: [line("1", 100000)] })).body.error.code).toBe("idempotency_conflict");
  });

  it("422 hold_expired: the hold lapsed and another order took the points", async () => {
    const { post, grant } = await shopWithProgram();
    setClock(T0);
    await grant("c1", 100);
    expect((await post("/v1/orders", { orderId: "o1", customerId: "c1", redeemPoints: 100, lines: [line("1", 100000)], holdMinutes: 5 })).status).toBe(201);
    setClock(T0 + 6 * 60_000);
    expect((await post("/v1/orders", { orderId: "o2", customerId: "c1", redeemPoints: 100, lines: [line("1", 100000)] })).status).toBe(201);
    const late = await post("/v1/orders/o1/confirm");
    expect(late.status).toBe(422);
    expect(late.body.error.code).toBe("hold_expired");
    expect((await post("/v1/orders/o2/confirm")).status).toBe(200);
  });

  it("50 parallel orders on one customer never spend more than the balance", async () => {
    const { post, grant } = await shopWithProgram();
    setClock(T0);
    await grant("c1", 1000);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) =>
      post("/v1/orders", { orderId: `o${i}`, customerId: "c1", redeemPoints: 70, lines: [line("1", 100000)] })));
    const placed = results.filter((r) => r.status === 201);
    expect(placed).toHaveLength(14); // 14 × 70 = 980 ≤ 1000 < 15 × 70
    expect(results.filter((r) => r.status === 422).every((r) => r.body.error.code === "insufficient_points")).toBe(true);
    for (const r of placed) expect((await post(`/v1/orders/${r.body.orderId}/confirm`)).status).toBe(200);
    const quote = await post("/v1/checkout/quote", { customerId: "c1", lines: [line("1", 100)] });
    expect(quote.body.customer.balance).toBe(1000 - 980 + 14 * 93); // each order earns 10% of 1 000.00 − 70.00 RUB
  });
});
