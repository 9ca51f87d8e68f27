/**
 * Rewards, coupons and events through the Worker: POST /v1/customers/{id}/rewards/{rewardId},
 * GET /v1/customers/{id}/coupons, coupons in quotes and orders, POST /v1/customers/{id}/events.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import demoProgram from "../../demo/program.json";
import { resetClock, setClock } from "../../lib/clock.ts";
import { createShop, errorOf, program, send } from "../../test-support.ts";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test bodies

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** 2030-01-15 09:00 in Moscow, a Tuesday: outside the demo program's happy hours (12:00–15:00). */
const T0 = Date.UTC(2030, 0, 15, 6, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const CODE = /^K-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/;
const REWARD_NAME = "Купон −20% на товар";

beforeEach(() => setClock(T0));
afterEach(() => resetClock());

async function shopWith(body: unknown = demoProgram) {
  const shop = await createShop();
  if (body !== null) expect((await send("PUT", "/v1/program", { token: shop.secretKey, body })).status).toBe(200);
  const call = async (method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
    const response = await send(method, path, { token: shop.secretKey, body, headers });
    return { status: response.status, body: (await response.json()) as Json, headers: response.headers };
  };
  const post = (path: string, body?: unknown, headers?: Record<string, string>) => call("POST", path, body, headers);
  const get = (path: string) => call("GET", path);
  return { shop, post, get, put: (path: string, body: unknown) => call("PUT", path, body) };
}

type World = Awaited<ReturnType<typeof shopWith>>;

/** A customer with the demo's welcome bonus (500) plus `extra` points. */
async function customer(w: World, id: string, extra = 0, profile: Json = {}) {
  expect((await w.put(`/v1/customers/${id}`, profile)).status).toBe(201);
  if (extra) expect((await w.post(`/v1/customers/${id}/adjustments`, { id: `seed-${id}`, points: extra })).status).toBe(201);
}

async function couponFor(w: World, id: string, extra = 0): Promise<string> {
  await customer(w, id, extra);
  const redeemed = await w.post(`/v1/customers/${id}/rewards/coupon-20`);
  expect(redeemed.status).toBe(201);
  return redeemed.body.code as string;
}

function expectError(r: { status: number; body: Json }, status: number, error: Json): void {
  expect(r.status).toBe(status);
  expect(r.body).toEqual({ error: expect.objectContaining(error) });
}

// Cart: A 1 000.00 × 1 + B 300.00 × 2 = 1 600.00. The coupon: 20% off the most expensive unit, A → 200.00.
// Earning 10% (bronze) of the 1 400.00 paid → 140 points.
const cart = (extra: Json = {}) => ({ lines: [{ id: "A", price: 100_000, qty: 1 }, { id: "B", price: 30_000, qty: 2 }], ...extra });
const couponDiscount = (evaluation: Json) => (evaluation.campaigns as Json[]).find((c) => c.id === "reward:coupon-20")?.discount ?? 0;

describe("POST /v1/customers/{customerId}/rewards/{rewardId}", () => {
  it("spends the reward's cost and answers the coupon (201); the account, the list and the history show it", async () => {
    const w = await shopWith();
    await customer(w, "c1", 300);
    const redeemed = await w.post("/v1/customers/c1/rewards/coupon-20");
    expect(redeemed.status).toBe(201);
    expect(redeemed.body).toEqual({
      code: expect.stringMatching(CODE), rewardId: "coupon-20", name: REWARD_NAME, cost: 500, expiresAt: iso(T0 + 30 * DAY), balance: 300,
    });
    const coupon = { code: redeemed.body.code, rewardId: "coupon-20", name: REWARD_NAME, cost: 500, state: "active", issuedAt: iso(T0), expiresAt: iso(T0 + 30 * DAY), orderId: null };
    expect((await w.get("/v1/customers/c1")).body).toMatchObject({ balance: 300, coupons: [coupon] });
    expect((await w.get("/v1/customers/c1/coupons")).body).toEqual({ items: [coupon] });
    expect((await w.get("/v1/customers/c1/history")).body.items[0]).toMatchObject({ type: "reward", points: -500, reason: REWARD_NAME, at: iso(T0) });
  });

  it("more than the available balance is 422 insufficient_points; nothing changes", async () => {
    const w = await shopWith();
    await customer(w, "c1");
    expect((await w.post("/v1/customers/c1/adjustments", { id: "a", points: -1 })).status).toBe(201);
    expectError(await w.post("/v1/customers/c1/rewards/coupon-20"), 422, { code: "insufficient_points", path: "rewardId" });
    expect((await w.get("/v1/customers/c1")).body).toMatchObject({ balance: 499, coupons: [] });
    expect((await w.get("/v1/customers/c1/history")).body.items).toHaveLength(2);
  });

  it("404 for a reward the program does not have, a customer never created, or no program; 400 for a malformed reward id", async () => {
    const w = await shopWith();
    await customer(w, "c1", 1000);
    expectError(await w.post("/v1/customers/c1/rewards/coupon-99"), 404, { code: "not_found", path: "rewardId" });
    expectError(await w.post("/v1/customers/nobody/rewards/coupon-20"), 404, { code: "not_found", message: "No customer nobody" });
    expectError(await w.post("/v1/customers/c1/rewards/coupon%2020"), 400, { code: "invalid_request", path: "rewardId" });
    expect((await w.get("/v1/customers/c1")).body).toMatchObject({ balance: 1500, coupons: [] });
    const bare = await shopWith(null);
    await customer(bare, "c1");
    expectError(await bare.post("/v1/customers/c1/rewards/coupon-20"), 404, { code: "not_found", path: "rewardId" });
  });

  it("a paused program redeems nothing: 422 invalid_state", async () => {
    const w = await shopWith({ ...demoProgram, status: "paused" });
    await customer(w, "c1", 1000);
    expectError(await w.post("/v1/customers/c1/rewards/coupon-20"), 422, { code: "invalid_state", path: "rewardId" });
    expect((await w.get("/v1/customers/c1")).body.balance).toBe(1500);
  });

  it("honours Idempotency-Key: a retry answers the first coupon and charges once; the key on another reward is 409", async () => {
    const w = await shopWith({ ...demoProgram, rewards: [...demoProgram.rewards, { ...demoProgram.rewards[0]!, id: "coupon-10", cost: 100 }] });
    await customer(w, "c1", 1000);
    const key = { "idempotency-key": "redeem-1" };
    const first = await w.post("/v1/customers/c1/rewards/coupon-20", undefined, key);
    const retry = await w.post("/v1/customers/c1/rewards/coupon-20", undefined, key);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expectError(await w.post("/v1/customers/c1/rewards/coupon-10", undefined, key), 409, { code: "idempotency_conflict" });
    expect((await w.get("/v1/customers/c1")).body).toMatchObject({ balance: 1000, coupons: [{ code: first.body.code }] });
    // Without a key every request is a new coupon.
    const second = await w.post("/v1/customers/c1/rewards/coupon-20");
    expect(second.body).toMatchObject({ balance: 500 });
    expect(second.body.code).not.toBe(first.body.code);
  });
});

describe("coupons at checkout", () => {
  it("a quote with the customer's code takes 20% off the most expensive unit and changes nothing", async () => {
    const w = await shopWith();
    const code = await couponFor(w, "c1");
    const quote = await w.post("/v1/checkout/quote", cart({ customerId: "c1", codes: [code.toLowerCase()] }));
    expect(quote.status).toBe(200);
    expect(quote.body).toMatchObject({
      subtotal: 160_000, discount: 20_000, total: 140_000, pointsEarned: 140,
      lines: [
        { id: "A", amount: 100_000, discount: 20_000, discounts: [{ campaign: "reward:coupon-20", amount: 20_000 }] },
        { id: "B", amount: 60_000, discount: 0, discounts: [] },
      ],
      campaigns: [{ id: "reward:coupon-20", discount: 20_000, points: 0 }],
    });
    expect((await w.get("/v1/customers/c1/coupons")).body.items[0]).toMatchObject({ code, state: "active", orderId: null });
  });

  it("another customer's code, an anonymous quote and an unknown code do nothing", async () => {
    const w = await shopWith();
    const code = await couponFor(w, "c1");
    await customer(w, "c2", 500);
    const plain = { subtotal: 160_000, discount: 0, total: 160_000, campaigns: [] };
    expect((await w.post("/v1/checkout/quote", cart({ customerId: "c2", codes: [code] }))).body).toMatchObject(plain);
    expect((await w.post("/v1/checkout/quote", cart({ codes: [code] }))).body).toMatchObject(plain);
    expect((await w.post("/v1/checkout/quote", cart({ customerId: "c1", codes: ["K-2222-2222-2222"] }))).body).toMatchObject(plain);
    const order = await w.post("/v1/orders", cart({ orderId: "o1", customerId: "c2", codes: [code] }));
    expect(order.body.evaluation).toMatchObject(plain);
    expect((await w.get("/v1/customers/c1/coupons")).body.items[0]).toMatchObject({ state: "active" });
  });

  it("order → confirm: the coupon is used and gives nothing to a later order", async () => {
    const w = await shopWith();
    const code = await couponFor(w, "c1");
    const quote = await w.post("/v1/checkout/quote", cart({ customerId: "c1", codes: [code] }));
    const placed = await w.post("/v1/orders", cart({ orderId: "o1", customerId: "c1", codes: [code], quoteId: quote.body.quoteId }));
    expect(placed.status).toBe(201);
    expect(couponDiscount(placed.body.evaluation)).toBe(20_000);
    expect((await w.get("/v1/customers/c1")).body.coupons).toEqual([expect.objectContaining({ code, state: "held", orderId: "o1" })]);
    expect((await w.post("/v1/orders/o1/confirm")).status).toBe(200);
    expect((await w.get("/v1/customers/c1/coupons")).body.items).toEqual([expect.objectContaining({ code, state: "used", orderId: "o1" })]);
    expect((await w.get("/v1/customers/c1")).body).toMatchObject({ balance: 140, coupons: [] });
    expect(couponDiscount((await w.get("/v1/orders/o1")).body.evaluation)).toBe(20_000);
    const later = await w.post("/v1/orders", cart({ orderId: "o2", customerId: "c1", codes: [code] }));
    expect(couponDiscount(later.body.evaluation)).toBe(0);
    // Placing o1 again (a retry) answers the first order, coupon and all.
    const replay = await w.post("/v1/orders", cart({ orderId: "o1", customerId: "c1", codes: [code], quoteId: quote.body.quoteId }));
    expect(replay.body).toEqual(placed.body);
  });

  it("cancelling the pending order makes the coupon usable again", async () => {
    const w = await shopWith();
    const code = await couponFor(w, "c1");
    await w.post("/v1/orders", cart({ orderId: "o1", customerId: "c1", codes: [code] }));
    expect((await w.post("/v1/orders/o1/cancel")).status).toBe(200);
    expect((await w.get("/v1/customers/c1/coupons")).body.items[0]).toMatchObject({ state: "active", orderId: null });
    const again = await w.post("/v1/orders", cart({ orderId: "o2", customerId: "c1", codes: [code] }));
    expect(couponDiscount(again.body.evaluation)).toBe(20_000);
  });

  it("orders placed at once with one coupon: exactly one gets it", async () => {
    const w = await shopWith();
    const code = await couponFor(w, "c1");
    const ids = ["o1", "o2", "o3", "o4", "o5"];
    const placed = await Promise.all(ids.map((orderId) => w.post("/v1/orders", cart({ orderId, customerId: "c1", codes: [code] }))));
    expect(placed.map((p) => p.status)).toEqual([201, 201, 201, 201, 201]);
    const discounts = placed.map((p) => couponDiscount(p.body.evaluation));
    expect(discounts.filter((d) => d === 20_000)).toHaveLength(1);
    expect(discounts.filter((d) => d === 0)).toHaveLength(4);
    const winner = ids[discounts.indexOf(20_000)];
    expect((await w.get("/v1/customers/c1/coupons")).body.items[0]).toMatchObject({ state: "held", orderId: winner });
  });

  it("unused at its expiry, the coupon expires and its cost comes back as points", async () => {
    const w = await shopWith();
    const code = await couponFor(w, "c1");
    setClock(T0 + 30 * DAY);
    expect((await w.get("/v1/customers/c1/coupons")).body.items).toEqual([expect.objectContaining({ code, state: "expired", orderId: null })]);
    expect((await w.get("/v1/customers/c1")).body).toMatchObject({ balance: 500, coupons: [] });
    expect((await w.get("/v1/customers/c1/history")).body.items[0]).toMatchObject({
      type: "reward_expired", points: 500, reason: REWARD_NAME, at: iso(T0 + 30 * DAY), expiresAt: iso(T0 + 395 * DAY),
    });
    expect(couponDiscount((await w.post("/v1/checkout/quote", cart({ customerId: "c1", codes: [code] }))).body)).toBe(0);
  });

  it("a shop's key cannot redeem, list or use another shop's customers' coupons", async () => {
    const [a, b] = await Promise.all([shopWith(), shopWith()]);
    const code = await couponFor(b, "c1");
    expectError(await a.post("/v1/customers/c1/rewards/coupon-20"), 404, { code: "not_found" });
    expectError(await a.get("/v1/customers/c1/coupons"), 404, { code: "not_found" });
    await customer(a, "c1");
    expect(couponDiscount((await a.post("/v1/checkout/quote", cart({ customerId: "c1", codes: [code] }))).body)).toBe(0);
    expect((await b.get("/v1/customers/c1/coupons")).body.items[0]).toMatchObject({ state: "active" });
  });
});

describe("POST /v1/customers/{customerId}/events", () => {
  it("grants the program's review, rating and survey bonuses and custom points: 201, with the history", async () => {
    const w = await shopWith();
    await customer(w, "c1");
    const expiresAt = iso(T0 + 365 * DAY);
    expect(await w.post("/v1/customers/c1/events", { id: "e1", type: "review" })).toMatchObject({
      status: 201, body: { id: "e1", type: "review", points: 50, reason: "review", at: iso(T0), balance: 550 },
    });
    expect((await w.post("/v1/customers/c1/events", { id: "e2", type: "rating" })).body).toMatchObject({ points: 10, balance: 560 });
    expect((await w.post("/v1/customers/c1/events", { id: "e3", type: "survey" })).body).toMatchObject({ points: 100, balance: 660 });
    expect((await w.post("/v1/customers/c1/events", { id: "e4", type: "custom", points: 25, reason: "Instagram post" })).body)
      .toEqual({ id: "e4", type: "custom", points: 25, reason: "Instagram post", at: iso(T0), balance: 685 });
    const items = (await w.get("/v1/customers/c1/history")).body.items.slice(0, 4) as Json[];
    expect(items.map((i) => [i.type, i.points, i.reason, i.expiresAt])).toEqual([
      ["bonus", 25, "Instagram post", expiresAt], ["bonus", 100, "survey", expiresAt], ["bonus", 10, "rating", expiresAt], ["bonus", 50, "review", expiresAt],
    ]);
  });

  it("is idempotent by id: the same body answers the first 201; another body is 409 idempotency_conflict", async () => {
    const w = await shopWith();
    await customer(w, "c1");
    const first = await w.post("/v1/customers/c1/events", { id: "e1", type: "custom", points: 10 });
    setClock(T0 + MINUTE);
    const retry = await w.post("/v1/customers/c1/events", { id: "e1", type: "custom", points: 10 });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expectError(await w.post("/v1/customers/c1/events", { id: "e1", type: "custom", points: 11 }), 409, { code: "idempotency_conflict" });
    expect((await w.get("/v1/customers/c1")).body.balance).toBe(510);
  });

  it("a type the program gives nothing for is 422 invalid_state naming type", async () => {
    const w = await shopWith(program({ bonuses: { review: 0, rating: 5 } }));
    await customer(w, "c1");
    for (const type of ["review", "survey", "birthday"]) {
      expectError(await w.post("/v1/customers/c1/events", { id: `e-${type}`, type }), 422, { code: "invalid_state", path: "type" });
    }
    expect((await w.post("/v1/customers/c1/events", { id: "e-rating", type: "rating" })).body).toMatchObject({ points: 5, balance: 5 });
  });

  it.each([
    [{ id: "e1", type: "custom" }, "points"],
    [{ id: "e1", type: "custom", points: 0 }, "points"],
    [{ id: "e1", type: "custom", points: -5 }, "points"],
    [{ id: "e1", type: "custom", points: 2.5 }, "points"],
    [{ id: "e1", type: "custom", points: "10" }, "points"],
    [{ id: "e1", type: "review", points: 50 }, "points"],
    [{ id: "e1", type: "review", reason: "nice" }, "reason"],
    [{ id: "e1", type: "custom", points: 5, reason: "" }, "reason"],
    [{ id: "e1", type: "party" }, "type"],
    [{ type: "review" }, "id"],
    [{ id: "e 1", type: "review" }, "id"],
    [{ id: "e1", type: "review", extra: 1 }, "extra"],
  ])("%j is 400 invalid_request naming %s; nothing changes", async (body, path) => {
    const w = await shopWith();
    await customer(w, "c1");
    expectError(await w.post("/v1/customers/c1/events", body), 400, { code: "invalid_request", path });
    expect((await w.get("/v1/customers/c1")).body.balance).toBe(500);
  });

  it("is 404 for a customer never created", async () => {
    const w = await shopWith();
    expectError(await w.post("/v1/customers/nobody/events", { id: "e1", type: "review" }), 404, { code: "not_found" });
  });

  describe("birthday (3 days before to 7 after, Moscow time)", () => {
    // The shop's own event: the account's automatic grant is turned off here (the next test has it on).
    const manual = { ...demoProgram, bonuses: { ...demoProgram.bonuses, birthday: { ...demoProgram.bonuses.birthday, auto: false } } };

    it("inside the window: the bonus, once per year (another id is 409 conflict, the same id a replay)", async () => {
      const w = await shopWith(manual);
      await customer(w, "c1", 0, { birthday: "1990-01-17" }); // T0 is 15 January: two days before
      const first = await w.post("/v1/customers/c1/events", { id: "b1", type: "birthday" });
      expect(first).toMatchObject({ status: 201, body: { id: "b1", type: "birthday", points: 500, reason: "birthday", balance: 1000 } });
      setClock(T0 + 5 * DAY);
      expectError(await w.post("/v1/customers/c1/events", { id: "b2", type: "birthday" }), 409, { code: "conflict", path: "type" });
      expect((await w.post("/v1/customers/c1/events", { id: "b1", type: "birthday" })).body).toEqual(first.body);
      expect((await w.get("/v1/customers/c1")).body.balance).toBe(1000);
    });

    it("granted by the account itself to a customer registered inside the window; the shop's event then is 409", async () => {
      const w = await shopWith();
      await customer(w, "c1", 0, { birthday: "1990-01-17" }); // T0 is 15 January: two days before
      expect((await w.get("/v1/customers/c1")).body.balance).toBe(1000);
      expectError(await w.post("/v1/customers/c1/events", { id: "b1", type: "birthday" }), 409, { code: "conflict", path: "type" });
      const history = (await w.get("/v1/customers/c1/history")).body.items as Json[];
      expect(history.filter((i) => i.reason === "birthday").map((i) => i.points)).toEqual([500]);
      expect((await w.get("/v1/customers/c1")).body.balance).toBe(1000);
    });

    it("outside the window, or without a birthday in the profile: 422 invalid_state naming birthday", async () => {
      const w = await shopWith();
      await customer(w, "c1", 0, { birthday: "1990-01-26" }); // 11 days ahead
      await customer(w, "c2");
      expectError(await w.post("/v1/customers/c1/events", { id: "b1", type: "birthday" }), 422, { code: "invalid_state", path: "birthday" });
      expectError(await w.post("/v1/customers/c2/events", { id: "b1", type: "birthday" }), 422, { code: "invalid_state", path: "birthday" });
      setClock(Date.UTC(2030, 0, 22, 21, 0, 0)); // 23 January 00:00 in Moscow (still the 22nd in UTC): 3 days before
      expect((await w.post("/v1/customers/c1/events", { id: "b1", type: "birthday" })).status).toBe(201);
    });
  });
});

describe("errors are JSON with docs/api.md's shape", () => {
  it("for every new route", async () => {
    const w = await shopWith();
    const response = await send("POST", "/v1/customers/c1/rewards/coupon-20", { token: w.shop.secretKey });
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toMatchObject({ code: "not_found" });
    const bad = await send("POST", "/v1/customers/c1/events", { token: w.shop.secretKey, body: "{bad" });
    expect(bad.status).toBe(400);
    expect(await errorOf(bad)).toMatchObject({ code: "invalid_request" });
  });
});
