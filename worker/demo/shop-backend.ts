/**
 * The demo storefront's "shop backend" (`npm start`): what a real shop's server does at checkout, with the demo
 * shop's secret key, which never leaves the Worker. The page sends the cart as skus and quantities and the
 * customer token the widget holds; this prices the cart from the catalog, learns who the customer is from the
 * public API (`GET /v1/public/me` with that token) and calls the real checkout API in-process: quote, place the
 * order (points held), confirm it once "paid".
 *
 * Only when .dev.vars names the demo shop (DEMO_SHOP_ID, DEMO_SECRET_KEY, DEMO_PUBLISHABLE_KEY): a deployment
 * without them answers 404 here, as for any unknown path.
 */
import type { Context, Hono } from "hono";
import { type AppEnv } from "../http/http.ts";
import { productBySku, receiptLine, SHIPPING } from "./storefront/catalog.ts";
import { Refused, refusal } from "../lib/refusal.ts";

const MAX_LINES = 50;
const MAX_QTY = 99;
const CHECKOUT_ID = /^[A-Za-z0-9-]{8,64}$/;

interface CartRequest {
  lines: { sku: string; qty: number }[];
  redeemPoints: number | "max";
}

function demoConfigured(env: Env): boolean {
  return Boolean(env.DEMO_SHOP_ID && env.DEMO_SECRET_KEY && env.DEMO_PUBLISHABLE_KEY);
}

function bad(message: string, path?: string): Refused {
  return refusal("invalid_request", message, path);
}

/** The cart from the page: known skus, whole quantities, points as a number or "max". */
function parseCart(body: unknown): CartRequest {
  if (typeof body !== "object" || body === null) throw bad("the body must be a JSON object");
  const { lines, redeemPoints = 0 } = body as { lines?: unknown; redeemPoints?: unknown };
  if (!Array.isArray(lines) || lines.length === 0 || lines.length > MAX_LINES) throw bad(`lines: 1 to ${MAX_LINES} lines`, "lines");
  const parsed = lines.map((line: unknown, i) => {
    const { sku, qty } = (line ?? {}) as { sku?: unknown; qty?: unknown };
    if (typeof sku !== "string" || !productBySku(sku)) throw bad(`lines[${i}].sku: no such product`, `lines[${i}].sku`);
    if (typeof qty !== "number" || !Number.isInteger(qty) || qty < 1 || qty > MAX_QTY) {
      throw bad(`lines[${i}].qty: an integer from 1 to ${MAX_QTY}`, `lines[${i}].qty`);
    }
    return { sku, qty };
  });
  if (redeemPoints !== "max" && (typeof redeemPoints !== "number" || !Number.isInteger(redeemPoints) || redeemPoints < 0)) {
    throw bad("redeemPoints: a whole number of points, or \"max\"", "redeemPoints");
  }
  return { lines: parsed, redeemPoints };
}

/** The receipt the shop sends to Kopilka: prices from the catalog, never from the browser. */
function receiptOf(cart: CartRequest, customerId: string) {
  return {
    customerId,
    store: "Демо-магазин",
    shipping: SHIPPING,
    redeemPoints: cart.redeemPoints,
    lines: cart.lines.map(({ sku, qty }, i) => receiptLine(productBySku(sku)!, qty, String(i + 1))),
  };
}

/** Routes of the demo shop's backend. `app` is the Worker's own app: its API is called in-process. */
export function demoShopBackend(app: Hono<AppEnv>): void {
  /** The real API, in-process, as the demo shop (secret key) or as its storefront (publishable key + token). */
  async function api(c: Context<AppEnv>, method: string, path: string, auth: { token?: string }, body?: unknown): Promise<Response> {
    const headers = new Headers();
    if (auth.token === undefined) {
      headers.set("authorization", `Bearer ${c.env.DEMO_SECRET_KEY}`);
    } else {
      headers.set("x-publishable-key", c.env.DEMO_PUBLISHABLE_KEY);
      headers.set("authorization", `Bearer ${auth.token}`);
    }
    if (body !== undefined) headers.set("content-type", "application/json");
    const request = new Request(new URL(path, c.req.url), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    let ctx: typeof c.executionCtx | undefined;
    try {
      ctx = c.executionCtx;
    } catch {
      ctx = undefined; // tests call the app without one
    }
    return app.fetch(request, c.env, ctx);
  }

  /** The API's answer passed on to the page (status and body as they are: errors keep docs/api.md's shape). */
  async function relay(response: Response): Promise<Response> {
    return new Response(response.body, { status: response.status, headers: { "content-type": "application/json", "cache-control": "no-store" } });
  }

  /** Who is checking out: the customer of the widget's token (the public API checks it). */
  async function customerOf(c: Context<AppEnv>): Promise<string> {
    const token = c.req.header("x-customer-token");
    if (!token) throw refusal("unauthorized", "Join the loyalty program (or sign in) to check out in the demo shop");
    const me = await api(c, "GET", "/v1/public/me", { token });
    if (!me.ok) throw refusal("unauthorized", "The customer token was refused: join or sign in again");
    return ((await me.json()) as { id: string }).id;
  }

  async function jsonBody(c: Context<AppEnv>): Promise<unknown> {
    try {
      return await c.req.json();
    } catch {
      throw bad("the body must be JSON");
    }
  }

  app.use("/demo/*", async (c, next) => {
    if (!demoConfigured(c.env)) throw refusal("not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}`);
    await next();
  });

  /** What the page needs to embed the widget. */
  app.get("/demo/api/config", (c) => c.json({ publishableKey: c.env.DEMO_PUBLISHABLE_KEY, shipping: SHIPPING }));

  /** The cart's evaluation for this customer: discounts, points that can pay, points to earn. */
  app.post("/demo/api/quote", async (c) => {
    const customerId = await customerOf(c);
    const cart = parseCart(await jsonBody(c));
    return relay(await api(c, "POST", "/v1/checkout/quote", {}, receiptOf(cart, customerId)));
  });

  /** Places the order: the points to spend are held until it is paid (or the hold lapses). */
  app.post("/demo/api/orders", async (c) => {
    const customerId = await customerOf(c);
    const body = await jsonBody(c);
    const cart = parseCart(body);
    const checkoutId = (body as { checkoutId?: unknown }).checkoutId;
    if (typeof checkoutId !== "string" || !CHECKOUT_ID.test(checkoutId)) throw bad("checkoutId: 8 to 64 letters, digits or -", "checkoutId");
    // The page's checkout id makes a retried click the same order.
    const order = { orderId: `demo-${checkoutId}`, ...receiptOf(cart, customerId) };
    return relay(await api(c, "POST", "/v1/orders", {}, order));
  });

  /** The demo's payment: confirms the customer's own pending order. */
  app.post("/demo/api/orders/:orderId/confirm", async (c) => {
    const customerId = await customerOf(c);
    const orderId = c.req.param("orderId");
    if (!orderId.startsWith("demo-")) throw refusal("not_found", "No such order");
    const path = `/v1/orders/${encodeURIComponent(orderId)}`;
    const order = await api(c, "GET", path, {});
    if (!order.ok) return relay(order);
    const { evaluation } = (await order.json()) as { evaluation: { customer: { id: string | null } } };
    if (evaluation.customer.id !== customerId) throw refusal("not_found", "No such order");
    return relay(await api(c, "POST", `${path}/confirm`, {}));
  });
}
