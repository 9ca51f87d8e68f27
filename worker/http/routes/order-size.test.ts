/**
 * Within every limit of the receipt and the program, an order still has to fit one Durable Object SQLite row
 * (2 MB). The evaluation is at most LIMITS.evaluationBytes of JSON and the stored order at most
 * LIMITS.orderBytes; beyond either a quote and an order are 400 naming lines, before anything is written
 * (issue 19, item 7; docs/api.md "Sizes").
 */
import { describe, expect, it } from "vitest";
import { LIMITS } from "../../../engine/host/limits.ts";
import type { Evaluation } from "../../../engine/host/types.ts";
import { checkSizes, utf8Bytes } from "../../account/sizes.ts";
import { Refused } from "../../lib/refusal.ts";
import { createShop, program, send, type TestShop } from "../../test-support.ts";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test bodies

async function shopWith(campaigns: unknown[]): Promise<TestShop> {
  const shop = await createShop();
  const put = await send("PUT", "/v1/program", { token: shop.secretKey, body: program({ campaigns }) });
  expect(put.status).toBe(200);
  return shop;
}

async function post(shop: TestShop, path: string, body?: unknown) {
  const response = await send("POST", path, { token: shop.secretKey, body });
  return { status: response.status, body: (await response.json()) as Json };
}

const pad = (prefix: string, n: number) => (prefix + "x".repeat(n)).slice(0, n);

describe("order sizes", () => {
  it("1 000 campaigns × 1 000 lines (33 MB of evaluation) is 400 naming lines for a quote and an order; nothing is written", async () => {
    const shop = await shopWith(Array.from({ length: 1000 }, (_, i) => ({ id: `c${i}`, effect: { discountBps: 1 } })));
    const receipt = { customerId: "big", lines: Array.from({ length: 1000 }, (_, i) => ({ id: `${i}`, price: 10_000_000, qty: 1 })) };
    const quote = await post(shop, "/v1/checkout/quote", receipt);
    expect(quote.status).toBe(400);
    expect(quote.body.error).toMatchObject({ code: "invalid_request", path: "lines" });
    expect(quote.body.error.message).toMatch(/at most 524 288/);
    const order = await post(shop, "/v1/orders", { ...receipt, orderId: "o-big" });
    expect(order.status).toBe(400);
    expect(order.body.error).toMatchObject({ code: "invalid_request", path: "lines" });
    expect((await send("GET", "/v1/orders/o-big", { token: shop.secretKey })).status).toBe(404);
    expect((await send("GET", "/v1/customers/big", { token: shop.secretKey })).status).toBe(404);
  }, 30_000);

  it("the largest order that fits is quoted, placed, confirmed and read back; two bytes more is refused", async () => {
    // Two campaigns on every line with 64-character ids, 1 000 lines with 200-character ids and skus, and
    // categories filling the rest: a large evaluation and a large receipt together.
    const campaigns = ["a", "b"].map((p) => ({ id: pad(p, 64), effect: { discountBps: 100 } }));
    const shop = await shopWith(campaigns);
    // `extra` characters of categories (200 at most each, up to 50 a line) are spread over the lines in turn.
    const categoriesOf = (i: number, extra: number) => {
      let left = Math.max(0, Math.min(extra - i * 40 * 200, 40 * 200));
      const out = [pad(`cat-${i}-`, 100)];
      for (let k = 0; left > 0; k++, left -= 200) out.push(pad(`more-${i}-${k}-`, Math.min(200, Math.max(left, 12))));
      return out;
    };
    const receiptOf = (extra: number) => ({
      customerId: "max",
      at: "2026-11-23T10:15:00+03:00",
      lines: Array.from({ length: 1000 }, (_, i) => ({
        id: pad(`line-${i}-`, 200), sku: pad(`sku-${i}-`, 200), price: 9_999_999, qty: 1_000,
        categories: categoriesOf(i, extra),
      })),
    });
    // Find the largest padding a quote accepts (a quote is refused exactly when its order would be).
    let lo = 0;
    let hi = 200_000;
    expect((await post(shop, "/v1/checkout/quote", receiptOf(lo))).status).toBe(200);
    expect((await post(shop, "/v1/checkout/quote", receiptOf(hi))).status).toBe(400);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if ((await post(shop, "/v1/checkout/quote", receiptOf(mid))).status === 200) lo = mid;
      else hi = mid;
    }
    const largest = receiptOf(lo);
    expect(JSON.stringify(largest).length).toBeLessThan(1_048_576); // within the body limit
    expect(JSON.stringify(largest).length).toBeGreaterThan(600_000);
    const quote = await post(shop, "/v1/checkout/quote", largest);
    expect(quote.status).toBe(200);
    const { programVersion: _v, quoteId, ...evaluation } = quote.body;
    expect(utf8Bytes(JSON.stringify(evaluation))).toBeLessThanOrEqual(LIMITS.evaluationBytes);
    expect(utf8Bytes(JSON.stringify(evaluation))).toBeGreaterThan(400_000);

    const placed = await post(shop, "/v1/orders", { ...largest, orderId: "o-max", quoteId });
    expect(placed.status, JSON.stringify(placed.body).slice(0, 300)).toBe(201);
    const confirmed = await post(shop, "/v1/orders/o-max/confirm");
    expect(confirmed.status, JSON.stringify(confirmed.body).slice(0, 300)).toBe(200);
    expect(confirmed.body.status).toBe("confirmed");
    const read = await send("GET", "/v1/orders/o-max", { token: shop.secretKey });
    expect(read.status).toBe(200);
    expect(((await read.json()) as Json).evaluation.quoteId).toBe(quoteId);
    const returned = await post(shop, "/v1/orders/o-max/returns", { returnId: "r-max", lines: [{ id: largest.lines[999]!.id, qty: 1 }] });
    expect(returned.status, JSON.stringify(returned.body).slice(0, 300)).toBe(200);

    const first = await post(shop, "/v1/orders", { ...receiptOf(hi), customerId: "max2", orderId: "o-over" });
    expect(first.status).toBe(400);
    expect(first.body.error).toMatchObject({ code: "invalid_request", path: "lines" });
    expect(first.body.error.message).toMatch(/at most 1 800 000/);
    expect((await send("GET", "/v1/orders/o-over", { token: shop.secretKey })).status).toBe(404);
    expect((await send("GET", "/v1/customers/max2", { token: shop.secretKey })).status).toBe(404);
  }, 60_000);
});

describe("checkSizes", () => {
  const evaluationOf = (bytes: number): Evaluation => {
    const base = { subtotal: 0, discount: 0, pointsSpent: 0, pointsSpentAmount: 0, maxRedeemablePoints: 0, shipping: 0, total: 0,
      pointsEarned: 0, freeShipping: false, lines: [], campaigns: [], earned: [], nudges: [], customer: { id: "", tier: null, balance: 0 } };
    const fill = bytes - utf8Bytes(JSON.stringify(base));
    // "ж" is two bytes in UTF-8: the limit counts bytes, not characters.
    return { ...base, customer: { id: "ж".repeat(Math.floor(fill / 2)) + "x".repeat(fill % 2), tier: null, balance: 0 } };
  };
  const receipt = { at: "2026-11-23T10:15:00Z", lines: [] };
  const refusedPath = (e: Evaluation) => {
    try {
      checkSizes(receipt, e);
      return null;
    } catch (error) {
      expect(error).toBeInstanceOf(Refused);
      return (error as Refused).refusal;
    }
  };
  it("an evaluation of exactly LIMITS.evaluationBytes bytes passes; one byte more is refused naming lines", () => {
    expect(utf8Bytes(JSON.stringify(evaluationOf(LIMITS.evaluationBytes)))).toBe(LIMITS.evaluationBytes);
    expect(refusedPath(evaluationOf(LIMITS.evaluationBytes))).toBeNull();
    expect(refusedPath(evaluationOf(LIMITS.evaluationBytes + 1))).toMatchObject({ code: "invalid_request", path: "lines" });
  });
  it("utf8Bytes counts UTF-8 bytes", () => {
    for (const s of ["", "abc", "ж", "€", "😀", "a😀ж€"]) expect(utf8Bytes(s)).toBe(new TextEncoder().encode(s).length);
  });
});
