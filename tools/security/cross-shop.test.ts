/**
 * A shop can never read or change another shop's data, whatever ids it sends (docs/api.md "Tenants and keys"): every
 * route of the OpenAPI document, called with shop B's credentials — its secret key, its publishable key, tokens
 * it signed, its storefront — against shop A's customer, order, coupon, reward and referral code. Each answer is
 * a refusal (401/403/404, or a 4xx naming what B does not have) or B's own data; none holds anything of A's, and
 * A's objects hold exactly the rows they held before. A route the document has and the table has not fails here.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { widget, widgetShop, type WidgetShop } from "../../worker/http/public/test-helpers.ts";
import { createShop, PLATFORM_TOKEN, send } from "../../worker/test-support.ts";
import { signCustomerToken } from "../../worker/lib/tokens.ts";
import { expectNoneIn, shopState } from "./support.ts";
import { recordEvents } from "../../worker/stream/analytics.ts";

/** A day in the future on which only the event the setup records happened. */
const QUIET_DAY = "2031-03-03";
import { env } from "cloudflare:workers";

const A_ORIGIN = "https://alpha-coffee.example";
const B_ORIGIN = "https://bravo-tea.example";
const ALICE = "alice";
const PHONE_A = "+79995550101";
const EMAIL_A = "alice@alpha-coffee.example";
const line = (price: number) => ({ id: "1", sku: "beans", price, qty: 2 });

interface A {
  shop: WidgetShop;
  member: { id: string; token: string; referralCode: string };
  coupon: string;
  aliceReferral: string;
  orders: { confirmed: string; pending: string };
  /** A's webhook endpoint, and an event of A's kept for re-delivery. */
  endpoint: { id: string; secret: string };
  eventId: string;
}

let a: A;
let b: WidgetShop;
/** Tokens B's backend could sign: for A's member and for A's customer id. */
let bTokens: { member: string; alice: string };
/** What B must never see: A's customers' names, contacts, coupon, referral codes, amounts, shop. */
let secrets: Record<string, string>;
let before: string;

async function ok(response: Promise<Response>, status: number): Promise<Record<string, unknown>> {
  const r = await response;
  const text = await r.text();
  if (r.status !== status) throw new Error(`setup: expected ${status}, got ${r.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

beforeAll(async () => {
  const shopA = await widgetShop(undefined, [A_ORIGIN]);
  const sk = shopA.secretKey;
  await ok(send("PATCH", "/v1/shop", { token: sk, body: { name: "Alpha Coffee Roasters" } }), 200);
  await ok(send("PUT", `/v1/customers/${ALICE}`, { token: sk, body: { name: "Alice Alphadottir", phone: PHONE_A, email: EMAIL_A, birthday: "1990-05-17" } }), 201);
  await ok(send("POST", `/v1/customers/${ALICE}/adjustments`, { token: sk, body: { id: "seed", points: 1234 } }), 201);
  await ok(send("POST", `/v1/customers/${ALICE}/events`, { token: sk, body: { id: "ev1", type: "custom", points: 77, reason: "Alpha photo contest" } }), 201);
  const coupon = (await ok(send("POST", `/v1/customers/${ALICE}/rewards/coupon-20`, { token: sk, headers: { "idempotency-key": "alpha-redeem-1" } }), 201)).code as string;
  const body = (orderId: string, price: number) => ({ orderId, customerId: ALICE, codes: [coupon], redeemPoints: 100, lines: [line(price)] });
  await ok(send("POST", "/v1/orders", { token: sk, body: body("alpha-o1", 123_457) }), 201);
  await ok(send("POST", "/v1/orders/alpha-o1/confirm", { token: sk }), 200);
  await ok(send("POST", "/v1/orders/alpha-o1/returns", { token: sk, body: { returnId: "alpha-r1", lines: [{ id: "1", qty: 1 }] } }), 200);
  await ok(send("POST", "/v1/orders", { token: sk, body: body("alpha-o2", 98_765) }), 201);
  const aliceReferral = (await ok(send("GET", `/v1/customers/${ALICE}`, { token: sk }), 200)).referralCode as string;
  const joined = await ok(widget(shopA, "POST", "/v1/public/register", { origin: A_ORIGIN, body: { name: "Anton Alphason", email: "anton@alpha-coffee.example", consent: true } }), 201);
  const customer = joined.customer as { id: string; referralCode: string };
  // Its deliveries succeed, so nothing B does (or the stream) writes to A's endpoint while the table runs.
  const endpoint = await ok(send("POST", "/v1/webhooks/endpoints", { token: sk, body: { url: "https://hooks.test/alpha-endpoint", events: ["tier.changed"], description: "Alpha CRM" } }), 201);
  const eventId = "evt_alpha1";
  // One event of A's on a day nothing else happens (A's figures for it: 1 234 points adjusted; B's must be zeros).
  await recordEvents(env, [{ id: eventId, type: "points.adjusted", version: 1, shopId: shopA.shopId, customerId: ALICE, createdAt: `${QUIET_DAY}T12:00:00.000Z`, data: { adjustmentId: "seed", points: 1234, reason: null, balance: 1234 } }]);
  const figures = await ok(send("GET", `/v1/stats/daily?from=${QUIET_DAY}&to=${QUIET_DAY}`, { token: sk }), 200);
  expect(figures.totals).toMatchObject({ pointsAdjusted: 1234 });
  a = {
    shop: shopA, coupon, aliceReferral, orders: { confirmed: "alpha-o1", pending: "alpha-o2" },
    member: { id: customer.id, token: joined.token as string, referralCode: customer.referralCode },
    endpoint: { id: endpoint.id as string, secret: endpoint.secret as string }, eventId,
  };
  b = await widgetShop(undefined, [B_ORIGIN]);
  const exp = Math.floor(Date.now() / 1000) + 3600;
  bTokens = { member: await signCustomerToken(b.secretKey, a.member.id, exp), alice: await signCustomerToken(b.secretKey, ALICE, exp) };
  secrets = {
    "A's shop id": shopA.shopId, "A's shop name": "Alpha Coffee", "A's customer's name": "Alphadottir", "A's member's name": "Alphason",
    "A's phone": PHONE_A, "A's phone, masked": "***-01-01", "A's e-mail": EMAIL_A,
    "A's coupon": a.coupon, "A's referral code": aliceReferral, "A's member's referral code": a.member.referralCode,
    "A's order amount": "123457", "A's other order amount": "98765", "A's event": "Alpha photo contest",
    "A's secret key": shopA.secretKey, "A's publishable key": shopA.publishableKey, "A's customer token": a.member.token,
    "A's webhook endpoint": a.endpoint.id, "A's webhook secret": a.endpoint.secret, "A's webhook URL": "alpha-endpoint", "A's endpoint's description": "Alpha CRM",
  };
  before = await shopState(shopA.shopId, [ALICE, a.member.id]);
}, 60_000);

/** One request B makes, and the statuses it may answer. */
interface Attempt {
  label: string;
  send: () => Promise<Response>;
  status: number[];
  /** A check of a 2xx answer: B's own data only. */
  check?: (body: Record<string, unknown>) => void;
}

const sk = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => () => send(method, path, { token: b.secretKey, body, headers });
const pk = (method: string, path: string, options: { token?: string; body?: unknown; origin?: string; headers?: Record<string, string> } = {}) =>
  () => widget(b, method, path, { origin: B_ORIGIN, ...options });
const receipt = () => ({ customerId: ALICE, codes: [a.coupon], redeemPoints: "max", lines: [line(50_000)] });
/** B's view of "alice" is B's own customer: no points, no coupon of A's. */
const nothingOfA = (body: Record<string, unknown>) => {
  const evaluation = (body.evaluation ?? body) as { discount: number; pointsSpent: number; customer: { balance: number } };
  expect(evaluation, JSON.stringify(body).slice(0, 300)).toMatchObject({ discount: 0, pointsSpent: 0, customer: { balance: 0 } });
};

/** Every route of the OpenAPI document: what B may try on A's ids. Order matters: B reads A's ids before writing its own. */
const TABLE: Record<string, () => Attempt[]> = {
  "GET /v1/health": () => [{ label: "no key needed, no data", send: () => send("GET", "/v1/health"), status: [200] }],
  "GET /v1/shop": () => [
    { label: "B's settings", send: sk("GET", "/v1/shop"), status: [200], check: (s) => expect(s.shopId).toBe(b.shopId) },
    { label: "A's publishable key as the secret key", send: () => send("GET", "/v1/shop", { token: a.shop.publishableKey }), status: [401] },
  ],
  "PATCH /v1/shop": () => [
    { label: "changes B's settings only", send: sk("PATCH", "/v1/shop", { name: "Bravo Tea" }), status: [200], check: (s) => expect(s.shopId).toBe(b.shopId) },
  ],
  "POST /v1/shop/keys/rotate": () => [
    { label: "A's publishable key as the secret key", send: () => send("POST", "/v1/shop/keys/rotate", { token: a.shop.publishableKey, body: { key: "secret" } }), status: [401] },
    { label: "A's shop id with B's key's random part", send: () => send("POST", "/v1/shop/keys/rotate", { token: `sk_${a.shop.shopId}_${b.secretKey.split("_")[2]}`, body: { key: "secret" } }), status: [401] },
    // B's old publishable key stays valid for the day's grace period: B's widget attempts below still use it.
    { label: "rotates B's key only", send: sk("POST", "/v1/shop/keys/rotate", { key: "publishable" }), status: [200], check: (s) => expect(s.publishableKey).toMatch(new RegExp(`^pk_${b.shopId}_`)) },
  ],
  "POST /v1/shops": () => [
    { label: "B's secret key is no platform token", send: () => send("POST", "/v1/shops", { token: b.secretKey, body: { name: "X", origins: [] } }), status: [401] },
  ],
  "GET /v1/program": () => [{ label: "B's program", send: sk("GET", "/v1/program"), status: [200] }],
  "PUT /v1/program": () => [{ label: "B's program only", send: sk("PUT", "/v1/program", { currency: "RUB", timezone: "Europe/Moscow", points: { value: 100 }, earn: { rateBps: 500 }, redeem: { maxShareBps: 3000 }, rewards: [{ id: "coupon-20", name: "B coupon", cost: 300, coupon: { discountBps: 2000, target: "item", validDays: 30 } }] }), status: [200] }],
  "POST /v1/program/validate": () => [{ label: "changes nothing", send: sk("POST", "/v1/program/validate", { currency: "RUB", timezone: "Europe/Moscow", points: { value: 100 }, earn: { rateBps: 500 }, redeem: { maxShareBps: 3000 } }), status: [200] }],
  "GET /v1/orders/{orderId}": () => [
    { label: "A's confirmed order", send: sk("GET", `/v1/orders/${a.orders.confirmed}`), status: [404] },
    { label: "A's pending order", send: sk("GET", `/v1/orders/${a.orders.pending}`), status: [404] },
  ],
  "POST /v1/orders/{orderId}/confirm": () => [{ label: "A's pending order", send: sk("POST", `/v1/orders/${a.orders.pending}/confirm`), status: [404] }],
  "POST /v1/orders/{orderId}/cancel": () => [
    { label: "A's confirmed order", send: sk("POST", `/v1/orders/${a.orders.confirmed}/cancel`), status: [404] },
    { label: "A's pending order", send: sk("POST", `/v1/orders/${a.orders.pending}/cancel`), status: [404] },
  ],
  "POST /v1/orders/{orderId}/returns": () => [{ label: "A's confirmed order", send: sk("POST", `/v1/orders/${a.orders.confirmed}/returns`, { returnId: "b-r1", lines: [{ id: "1", qty: 1 }] }), status: [404] }],
  "GET /v1/customers/{customerId}": () => [
    { label: "A's customer", send: sk("GET", `/v1/customers/${ALICE}`), status: [404] },
    { label: "A's widget member", send: sk("GET", `/v1/customers/${a.member.id}`), status: [404] },
  ],
  "GET /v1/customers": () => [
    { label: "A's customer's phone", send: sk("GET", `/v1/customers?phone=${encodeURIComponent(PHONE_A)}`), status: [404] },
    { label: "A's customer's e-mail", send: sk("GET", `/v1/customers?email=${encodeURIComponent(EMAIL_A)}`), status: [404] },
  ],
  "GET /v1/customers/{customerId}/history": () => [{ label: "A's customer", send: sk("GET", `/v1/customers/${ALICE}/history`), status: [404] }],
  "POST /v1/customers/{customerId}/adjustments": () => [{ label: "A's customer", send: sk("POST", `/v1/customers/${ALICE}/adjustments`, { id: "b-adj", points: -100 }), status: [404] }],
  "POST /v1/customers/{customerId}/events": () => [{ label: "A's customer", send: sk("POST", `/v1/customers/${ALICE}/events`, { id: "ev1", type: "custom", points: 77, reason: "Alpha photo contest" }), status: [404] }],
  "POST /v1/customers/{customerId}/rewards/{rewardId}": () => [
    { label: "A's customer", send: sk("POST", `/v1/customers/${ALICE}/rewards/coupon-20`), status: [404] },
    { label: "A's customer, A's Idempotency-Key", send: sk("POST", `/v1/customers/${ALICE}/rewards/coupon-20`, undefined, { "idempotency-key": "alpha-redeem-1" }), status: [404] },
  ],
  "GET /v1/customers/{customerId}/coupons": () => [{ label: "A's customer", send: sk("GET", `/v1/customers/${ALICE}/coupons`), status: [404] }],
  "POST /v1/checkout/quote": () => [
    { label: "A's customer and coupon: B's empty account, no discount", send: sk("POST", "/v1/checkout/quote", receipt()), status: [200], check: nothingOfA },
  ],
  "POST /v1/orders": () => [
    { label: "A's customer, coupon and order id: B's own order", send: sk("POST", "/v1/orders", { orderId: a.orders.pending, ...receipt() }), status: [201], check: nothingOfA },
  ],
  "PUT /v1/customers/{customerId}": () => [
    // B may have its own customer "alice" with the same phone: ids and contacts are per shop.
    { label: "A's customer id and phone: B's own customer", send: sk("PUT", `/v1/customers/${ALICE}`, { name: "Bea", phone: PHONE_A }), status: [201], check: (c) => expect(c).toMatchObject({ id: ALICE, name: "Bea", balance: 0, orders: 0, coupons: [] }) },
    { label: "A's customer's referral code is no code in B", send: sk("PUT", "/v1/customers/b-2", { name: "Bo", referralCode: a.member.referralCode }), status: [400] },
  ],
  "GET /v1/public/program": () => [
    { label: "B's program", send: pk("GET", "/v1/public/program"), status: [200] },
    { label: "A's storefront with B's key", send: pk("GET", "/v1/public/program", { origin: A_ORIGIN }), status: [403] },
  ],
  "POST /v1/public/register": () => [
    { label: "A's member's token", send: pk("POST", "/v1/public/register", { token: a.member.token, body: { name: "X", phone: "+79995550199", consent: true } }), status: [401] },
    { label: "A's referral code", send: pk("POST", "/v1/public/register", { body: { name: "X", phone: "+79995550198", referralCode: a.aliceReferral, consent: true } }), status: [400] },
    { label: "A's customer's e-mail: B's own new member", send: pk("POST", "/v1/public/register", { body: { name: "Bee", email: EMAIL_A, consent: true } }), status: [201] },
  ],
  "POST /v1/public/verify/send": () => [
    { label: "A's member's token", send: pk("POST", "/v1/public/verify/send", { token: a.member.token, body: { channel: "email" } }), status: [401] },
    { label: "B's token for A's member", send: pk("POST", "/v1/public/verify/send", { token: bTokens.member, body: { channel: "email" } }), status: [404] },
  ],
  "POST /v1/public/verify": () => [
    { label: "A's member's token", send: pk("POST", "/v1/public/verify", { token: a.member.token, body: { channel: "email", code: "123456" } }), status: [401] },
    { label: "B's token for A's member", send: pk("POST", "/v1/public/verify", { token: bTokens.member, body: { channel: "email", code: "123456" } }), status: [404, 422] },
  ],
  "GET /v1/public/me": () => [
    { label: "A's member's token", send: pk("GET", "/v1/public/me", { token: a.member.token }), status: [401] },
    { label: "B's token for A's member", send: pk("GET", "/v1/public/me", { token: bTokens.member }), status: [404] },
    { label: "A's member's token, A's publishable key, B's storefront", send: () => widget(a.shop, "GET", "/v1/public/me", { token: a.member.token, origin: B_ORIGIN }), status: [403] },
  ],
  "GET /v1/public/me/history": () => [
    { label: "A's member's token", send: pk("GET", "/v1/public/me/history", { token: a.member.token }), status: [401] },
    { label: "B's token for A's member", send: pk("GET", "/v1/public/me/history", { token: bTokens.member }), status: [404] },
  ],
  "POST /v1/public/me/rewards/{rewardId}": () => [
    { label: "A's member's token", send: pk("POST", "/v1/public/me/rewards/coupon-20", { token: a.member.token }), status: [401] },
    { label: "B's token for A's member", send: pk("POST", "/v1/public/me/rewards/coupon-20", { token: bTokens.member, headers: { "idempotency-key": "alpha-redeem-1" } }), status: [404] },
  ],
  "GET /v1/webhooks/endpoints": () => [
    { label: "B's endpoints: none of A's", send: sk("GET", "/v1/webhooks/endpoints"), status: [200], check: (l) => expect(l).toEqual({ items: [] }) },
  ],
  "GET /v1/webhooks/endpoints/{endpointId}": () => [{ label: "A's endpoint", send: sk("GET", `/v1/webhooks/endpoints/${a.endpoint.id}`), status: [404] }],
  "PATCH /v1/webhooks/endpoints/{endpointId}": () => [
    { label: "A's endpoint to B's URL", send: sk("PATCH", `/v1/webhooks/endpoints/${a.endpoint.id}`, { url: "https://hooks.test/bravo", enabled: false }), status: [404] },
  ],
  "POST /v1/webhooks/endpoints/{endpointId}/rotate-secret": () => [{ label: "A's endpoint", send: sk("POST", `/v1/webhooks/endpoints/${a.endpoint.id}/rotate-secret`), status: [404] }],
  "DELETE /v1/webhooks/endpoints/{endpointId}": () => [{ label: "A's endpoint", send: sk("DELETE", `/v1/webhooks/endpoints/${a.endpoint.id}`), status: [404] }],
  "POST /v1/events/{eventId}/redeliver": () => [
    { label: "A's event", send: sk("POST", `/v1/events/${a.eventId}/redeliver`, {}), status: [404] },
    { label: "A's event to A's endpoint", send: sk("POST", `/v1/events/${a.eventId}/redeliver`, { endpointId: a.endpoint.id }), status: [404] },
  ],
  "GET /v1/events": () => [
    { label: "B's events: none of A's", send: sk("GET", "/v1/events?limit=100"), status: [200],
      check: (l) => expect((l as { items: { shopId: string }[] }).items.filter((e) => e.shopId !== b.shopId)).toEqual([]) },
    { label: "B's events of A's customer id", send: sk("GET", `/v1/events?customerId=${ALICE}`), status: [200], check: (l) => expect(l).toMatchObject({ items: [] }) },
  ],
  "GET /v1/events/{eventId}": () => [{ label: "A's event", send: sk("GET", `/v1/events/${a.eventId}`), status: [404] }],
  "GET /v1/stats/daily": () => [{
    label: "B's figures of the day of A's event", send: sk("GET", `/v1/stats/daily?from=${QUIET_DAY}&to=${QUIET_DAY}`), status: [200],
    check: (s) => expect(Object.values((s as { totals: Record<string, number> }).totals).filter((v) => v !== 0)).toEqual([]),
  }],
  "POST /v1/webhooks/endpoints": () => [
    { label: "B's own endpoint", send: sk("POST", "/v1/webhooks/endpoints", { url: "https://hooks.test/bravo", events: ["*"] }), status: [201], check: (e) => expect(e).toMatchObject({ url: "https://hooks.test/bravo", events: ["*"] }) },
  ],
};

describe("cross-shop access", () => {
  it("the table covers every route of the OpenAPI document, and nothing else", async () => {
    const doc = (await (await send("GET", "/v1/openapi.json")).json()) as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));
    expect(routes.length).toBeGreaterThanOrEqual(28);
    expect(Object.keys(TABLE).sort()).toEqual(routes.sort());
  });

  it("with shop B's credentials on every route: refused or B's own data, never anything of A's; A unchanged", async () => {
    let attempts = 0;
    for (const [route, attemptsOf] of Object.entries(TABLE)) {
      for (const attempt of attemptsOf()) {
        const response = await attempt.send();
        const text = await response.text();
        const where = `${route} — ${attempt.label}: ${response.status} ${text.slice(0, 300)}`;
        expect(attempt.status, where).toContain(response.status);
        expect(response.headers.get("content-type"), where).toMatch(/^application\/json/);
        expectNoneIn(text, secrets, where);
        if (response.status >= 400) expect(Object.keys(JSON.parse(text) as object), where).toEqual(["error"]);
        else attempt.check?.(JSON.parse(text) as Record<string, unknown>);
        // CORS names A's storefront on B's answers only to let that page read a refusal (401/403, no data of B's):
        // worker/http/public/access.ts.
        if (response.headers.get("access-control-allow-origin") === A_ORIGIN) expect([401, 403], where).toContain(response.status);
        attempts++;
      }
    }
    expect(attempts).toBeGreaterThanOrEqual(40);
    expect(await shopState(a.shop.shopId, [ALICE, a.member.id]), "A's rows").toBe(before);
    // And A still sees all of it.
    const alice = await (await send("GET", `/v1/customers/${ALICE}`, { token: a.shop.secretKey })).json() as { name: string; coupons: unknown[] };
    expect(alice.name).toBe("Alice Alphadottir");
    expect((await send("GET", `/v1/orders/${a.orders.pending}`, { token: a.shop.secretKey })).status).toBe(200);
  }, 60_000);

  it("the platform token creates shops and reads nothing of any", async () => {
    for (const path of ["/v1/shop", "/v1/program", `/v1/customers/${ALICE}`, `/v1/orders/${a.orders.confirmed}`]) {
      const response = await send("GET", path, { token: PLATFORM_TOKEN });
      expect(response.status, path).toBe(401);
    }
    const other = await createShop();
    expect(other.shopId).not.toBe(a.shop.shopId);
  });
});
