/** Builders for the widget API's tests: a shop with a program, widget requests from its storefront. */
import { expect } from "vitest";
import { createShop, program, send, webhooksOf, type TestShop } from "../../test-support.ts";

export const ORIGIN = "https://shop.example";

export const WIDGET_PROGRAM = program({
  bonuses: {
    welcome: { points: 500, verify: null },
    referral: { referrer: 300, referee: 200, on: "registration" },
  },
  tiers: {
    basis: "spend",
    windowDays: null,
    levels: [
      { id: "bronze", name: "Бронза", from: 0, rateBps: 500 },
      { id: "silver", name: "Серебро", from: 1_000_000, rateBps: 1000 },
    ],
  },
  campaigns: [
    { id: "everyone", name: "Double points on coffee", target: { categories: ["coffee"] }, effect: { pointsMultiplierBps: 20000 }, limits: { budget: 100000, totalUses: 100 } },
    { id: "secret", name: "Promo", when: { codes: ["SECRET10"] }, effect: { discountBps: 1000 } },
  ],
  rewards: [{ id: "coupon-20", name: "−20% on an item", cost: 300, coupon: { discountBps: 2000, target: "item", validDays: 30 } }],
});

export interface WidgetShop extends TestShop {
  /** The fake webhook receiver's box for this shop. */
  hooks: string;
}

/** A shop with `ORIGIN` as its storefront, a program, and webhooks going to the fake receiver. */
export async function widgetShop(programBody: Record<string, unknown> = WIDGET_PROGRAM, origins = [ORIGIN]): Promise<WidgetShop> {
  const shop = await createShop({ name: "Widget shop", origins });
  const put = await send("PUT", "/v1/program", { token: shop.secretKey, body: programBody });
  expect(put.status).toBe(200);
  const hooks = `/${shop.shopId}`;
  const patch = await send("PATCH", "/v1/shop", { token: shop.secretKey, body: { webhookUrl: `https://hooks.test${hooks}` } });
  expect(patch.status).toBe(200);
  return { ...shop, hooks };
}

let ipCounter = 0;
/** A fresh client IP per call, so rate limits only bite where a test means them to. */
export function freshIp(): string {
  ipCounter++;
  return `198.51.${Math.floor(ipCounter / 250) % 250}.${(ipCounter % 250) + 1}`;
}

/** A widget request: publishable key, the storefront's Origin, optional customer token and IP. */
export function widget(
  shop: TestShop,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; origin?: string | null; ip?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { "x-publishable-key": shop.publishableKey, "cf-connecting-ip": options.ip ?? freshIp(), ...options.headers };
  if (options.origin !== null) headers.origin = options.origin ?? ORIGIN;
  return send(method, path, { token: options.token, body: options.body, headers });
}

let phoneCounter = 1_000_000;
/** A phone number no other test uses (Russian mobile, E.164). */
export function freshPhone(): string {
  phoneCounter++;
  return `+7999${String(phoneCounter).padStart(7, "0")}`;
}

export interface Registered {
  customer: { id: string; balance: number; referralCode: string | null; [k: string]: unknown };
  token: string | null;
  tokenExpiresAt: string | null;
  welcomePoints: number;
  verification: { channel: string; to: string; expiresAt: string } | null;
}

/** Registers a new shopper through the widget and answers the body (expects 201). */
export async function register(shop: TestShop, body: Record<string, unknown> = {}, options: { token?: string } = {}): Promise<Registered> {
  const response = await widget(shop, "POST", "/v1/public/register", {
    token: options.token,
    body: { name: "Анна", phone: freshPhone(), consent: true, ...body },
  });
  if (response.status !== 201) throw new Error(`register: ${response.status} ${await response.text()}`);
  return (await response.json()) as Registered;
}

/** The last verification code the shop's webhook received for a customer. */
export async function lastCode(shop: WidgetShop, customerId: string): Promise<string> {
  // The Shop's alarm delivers right after the request; give it a moment.
  for (let i = 0; i < 500; i++) { // up to ~10 s on a loaded machine
    const codes = (await webhooksOf(shop.hooks))
      .map((h) => JSON.parse(h.body) as { customerId: string; code: string })
      .filter((e) => e.customerId === customerId);
    const last = codes.at(-1);
    if (last) return last.code;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no code delivered for ${customerId}`);
}
