/**
 * Dates at the edges of the calendar (issue 19, item 6): JavaScript's Date constructors map years 0–99 to
 * 1900–1999, so a birthday or a receipt `at` in years 0000–0099 used to make every later quote 500. Birthdays
 * are accepted from 1900-01-01 to today, receipt instants from 2000-01-01 to before 2100-01-01 (docs/api.md),
 * and a stored birthday outside that range is treated as unknown instead of breaking later requests.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createShop, errorOf, program, send } from "../../test-support.ts";
import { register, widgetShop } from "../public/test-helpers.ts";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test bodies

const line = { id: "1", sku: "coffee", price: 100_000, qty: 1 };

async function shopWithProgram() {
  const shop = await createShop();
  const birthday = { points: 500, daysBefore: 31, daysAfter: 31 };
  const body = program({ bonuses: { birthday }, campaigns: [{ id: "bday", when: { birthday: { daysBefore: 31, daysAfter: 31 } }, effect: { discountBps: 1000 } }] });
  expect((await send("PUT", "/v1/program", { token: shop.secretKey, body })).status).toBe(200);
  const post = async (path: string, b: unknown) => {
    const response = await send("POST", path, { token: shop.secretKey, body: b });
    return { status: response.status, body: (await response.json()) as Json };
  };
  return { shop, post };
}

describe("birthdays", () => {
  it("PUT /v1/customers refuses a birthday before 1900 or in the future, naming birthday; accepts the bounds", async () => {
    const { shop } = await shopWithProgram();
    const today = new Date().toISOString().slice(0, 10);
    const put = (id: string, birthday: string) => send("PUT", `/v1/customers/${id}`, { token: shop.secretKey, body: { birthday } });
    for (const bad of ["0090-05-17", "0000-01-01", "1899-12-31", "9999-12-31", "2999-01-01"]) {
      const response = await put("c1", bad);
      expect(response.status, bad).toBe(400);
      const error = await errorOf(response);
      expect(error.code).toBe("invalid_request");
      expect(error.path).toBe("birthday");
    }
    for (const good of ["1900-01-01", "2000-02-29", today]) expect((await put(`c-${good}`, good)).status, good).toBeLessThan(300);
  });

  it("POST /v1/public/register refuses a birthday in years 0000-0099 naming birthday", async () => {
    const shop = await widgetShop();
    const response = await send("POST", "/v1/public/register", {
      headers: { "x-publishable-key": shop.publishableKey, origin: "https://shop.example", "cf-connecting-ip": "203.0.113.90" },
      body: { name: "Anna", phone: "+79990009090", birthday: "0090-05-17", consent: true },
    });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).path).toBe("birthday");
    expect((await register(shop, { name: "Anna", phone: "+79990009091", birthday: "1990-05-17" })).customer.id).toMatch(/^kw_/);
  });

  it("a stored birthday outside the range (written before the bound existed) never breaks a quote, an order or an event", async () => {
    const { shop, post } = await shopWithProgram();
    for (const [id, birthday] of [["old", "0090-05-17"], ["far", "9999-12-31"], ["zero", "0000-02-29"]] as const) {
      const stored = await env.CUSTOMER_ACCOUNT.getByName(`${shop.shopId}:${id}`).upsertProfile({ customerId: id, birthday }, Date.now());
      expect(stored.ok).toBe(true);
      const quote = await post("/v1/checkout/quote", { customerId: id, lines: [line] });
      expect(quote.status, `${birthday}: ${JSON.stringify(quote.body)}`).toBe(200);
      expect(quote.body.discount).toBe(0); // an unusable birthday is unknown: the birthday campaign does not apply
      const order = await post("/v1/orders", { orderId: `o-${id}`, customerId: id, lines: [line] });
      expect(order.status, `${birthday}: ${JSON.stringify(order.body)}`).toBe(201);
      expect((await post(`/v1/orders/o-${id}/confirm`, undefined)).status).toBe(200);
      const event = await post(`/v1/customers/${id}/events`, { id: `e-${id}`, type: "birthday" });
      expect(event.status, JSON.stringify(event.body)).toBe(422);
      expect(event.body.error).toMatchObject({ code: "invalid_state", path: "birthday" });
      expect((await send("GET", `/v1/customers/${id}`, { token: shop.secretKey })).status).toBe(200);
    }
  });
});

describe("receipt instants", () => {
  it("a quote or an order with `at` outside 2000-01-01 … 2100-01-01 is 400 naming at; the bounds are accepted", async () => {
    const { post } = await shopWithProgram();
    const bad = ["0050-03-01T10:00:00Z", "0000-01-01T00:00:00Z", "0099-12-31T23:59:59+03:00", "1999-12-31T23:59:59Z",
      "2000-01-01T02:59:59+03:00", "2100-01-01T00:00:00Z", "9999-12-31T23:59:59Z"];
    for (const at of bad) {
      for (const path of ["/v1/checkout/quote", "/v1/orders"]) {
        const result = await post(path, { orderId: path === "/v1/orders" ? `o-${at}` : undefined, customerId: "c1", at, lines: [line] });
        expect(result.status, `${path} ${at}: ${JSON.stringify(result.body)}`).toBe(400);
        expect(result.body.error).toMatchObject({ code: "invalid_request", path: "at" });
      }
    }
    for (const at of ["2000-01-01T00:00:00Z", "2099-12-31T23:59:59.999999999Z", "2024-02-29T12:00:00+14:00", "2100-01-01T02:59:59+03:00"]) {
      const quote = await post("/v1/checkout/quote", { customerId: "c1", at, lines: [line] });
      expect(quote.status, `${at}: ${JSON.stringify(quote.body)}`).toBe(200);
      expect((await post("/v1/orders", { orderId: `o-${at}`, customerId: "c1", at, lines: [line] })).status).toBe(201);
    }
  });
});
