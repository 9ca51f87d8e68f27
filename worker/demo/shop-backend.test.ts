/**
 * The demo shop's backend (worker/demo/shop-backend.ts), through the Worker as the storefront calls it: the
 * customer is the one of the widget's token, prices come from the catalogue, the real checkout API quotes,
 * places and confirms; without the demo variables the routes do not exist.
 */
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { errorResponse, type AppEnv } from "../http/http.ts";
import { send } from "../test-support.ts";
import { demoShopBackend } from "./shop-backend.ts";

let phone = 5_000_000;

/** A shopper who joined in the widget: their customer token. */
async function joined(): Promise<string> {
  phone++;
  const response = await send("POST", "/v1/public/register", {
    headers: { "x-publishable-key": env.DEMO_PUBLISHABLE_KEY },
    body: { name: "Анна", phone: `+7926${phone}`, consent: true },
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { token: string }).token;
}

function demo(path: string, token: string | undefined, body?: unknown) {
  return send("POST", `/demo/api${path}`, { body: body ?? {}, headers: token ? { "x-customer-token": token } : {} });
}

describe("the demo shop's backend", () => {
  it("quotes the cart at catalogue prices for the widget's customer, spending their points", async () => {
    const token = await joined();
    const response = await demo("/quote", token, { lines: [{ sku: "beans-kenya", qty: 1 }, { sku: "mug", qty: 2 }], redeemPoints: "max" });
    expect(response.status).toBe(200);
    const quote = (await response.json()) as { subtotal: number; pointsSpent: number; freeShipping: boolean; customer: { balance: number } };
    expect(quote.subtotal).toBe(329000 + 2 * 45000);
    expect(quote.customer.balance).toBe(500);
    expect(quote.pointsSpent).toBe(500);
    expect(quote.freeShipping).toBe(true);
  });

  it("places the order (points held) and confirms it; another customer cannot confirm it", async () => {
    const token = await joined();
    const cart = { lines: [{ sku: "beans-ethiopia", qty: 2 }], redeemPoints: 200, checkoutId: crypto.randomUUID() };
    const placed = await demo("/orders", token, cart);
    expect(placed.status).toBe(201);
    const order = (await placed.json()) as { orderId: string; status: string; evaluation: { pointsSpent: number } };
    expect(order.status).toBe("pending");
    expect(order.evaluation.pointsSpent).toBe(200);
    // The same checkout again is the same order.
    expect(((await (await demo("/orders", token, cart)).json()) as { orderId: string }).orderId).toBe(order.orderId);

    const stranger = await joined();
    expect((await demo(`/orders/${order.orderId}/confirm`, stranger)).status).toBe(404);
    const confirmed = await demo(`/orders/${order.orderId}/confirm`, token);
    expect(confirmed.status).toBe(200);
    expect(((await confirmed.json()) as { status: string }).status).toBe("confirmed");
  });

  it("refuses a checkout without a customer, an unknown product and a bad quantity", async () => {
    expect((await demo("/quote", undefined, { lines: [{ sku: "mug", qty: 1 }] })).status).toBe(401);
    expect((await demo("/quote", "not-a-token", { lines: [{ sku: "mug", qty: 1 }] })).status).toBe(401);
    const token = await joined();
    const unknown = await demo("/quote", token, { lines: [{ sku: "caviar", qty: 1 }] });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { path: string } }).error.path).toBe("lines[0].sku");
    const qty = await demo("/quote", token, { lines: [{ sku: "mug", qty: 0.5 }] });
    expect(((await qty.json()) as { error: { path: string } }).error.path).toBe("lines[0].qty");
  });

  it("does not exist without the demo shop's variables", async () => {
    const app = new Hono<AppEnv>();
    app.onError((error) => errorResponse(error));
    demoShopBackend(app);
    const response = await app.request("/demo/api/quote", { method: "POST", body: "{}" }, { ...env, DEMO_SECRET_KEY: "" });
    expect(response.status).toBe(404);
  });
});
