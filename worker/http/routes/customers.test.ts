import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resetClock, setClock } from "../../lib/clock.ts";
import { createShop, errorOf, program, send, type TestShop } from "../../test-support.ts";

const DAY = 24 * 60 * 60 * 1000;
/** Tests live in 2030: no alarm the accounts schedule is due in real time while they run. */
const T0 = Date.UTC(2030, 0, 15, 9, 0, 0);
const at = (ms: number) => new Date(ms).toISOString();

beforeEach(() => setClock(T0));
afterEach(() => resetClock());

const put = (token: string, id: string, body: unknown, headers?: Record<string, string>) =>
  send("PUT", `/v1/customers/${id}`, { token, body, headers });
const get = (token: string, id: string) => send("GET", `/v1/customers/${id}`, { token });
const lookup = (token: string, query: string) => send("GET", `/v1/customers?${query}`, { token });
const history = (token: string, id: string, query = "") => send("GET", `/v1/customers/${id}/history${query}`, { token });
const adjust = (token: string, id: string, body: unknown) => send("POST", `/v1/customers/${id}/adjustments`, { token, body });

/** A shop whose program grants a welcome bonus of 500 points (never expiring unless overridden). */
async function shopWith(overrides: Record<string, unknown> = { bonuses: { welcome: { points: 500 } } }): Promise<TestShop> {
  const shop = await createShop();
  const response = await send("PUT", "/v1/program", { token: shop.secretKey, body: program(overrides) });
  expect(response.status).toBe(200);
  return shop;
}

/** The account of a customer nobody has given points to. */
const emptyAccount = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: null,
  balance: 0,
  pending: 0,
  tier: null,
  nextTier: null,
  expiring: [],
  referralCode: expect.stringMatching(/^[A-HJKMNP-Z2-9]{8}$/),
  orders: 0,
  spend: 0,
  coupons: [],
  ...extra,
});

async function created(shop: TestShop, id: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await put(shop.secretKey, id, body);
  expect(response.status).toBe(201);
  return (await response.json()) as Record<string, unknown>;
}

async function expectError(response: Response | Promise<Response>, status: number, error: Record<string, unknown>): Promise<void> {
  const r = await response;
  expect(r.status).toBe(status);
  expect(await errorOf(r)).toEqual(error);
}

describe("PUT /v1/customers/{customerId}", () => {
  it("creates the customer: 201 with the account and the welcome bonus", async () => {
    const shop = await shopWith();
    const response = await put(shop.secretKey, "c-42", { name: "Anna", phone: "8 (999) 123-45-67", email: "Anna@Example.com", birthday: "1990-05-17" });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual(emptyAccount("c-42", { name: "Anna", balance: 500, welcomePoints: 500 }));
    const history = (await (await send("GET", "/v1/customers/c-42/history", { token: shop.secretKey })).json()) as { items: unknown[] };
    expect(history.items).toEqual([expect.objectContaining({ type: "bonus", points: 500, reason: "welcome", at: at(T0), expiresAt: null })]);
  });

  it("a registration interrupted after the Shop recorded it resumes on retry: the welcome is granted once", async () => {
    // Found by reading the crash-safety run: the process died after the contacts were claimed (and the profile
    // written) but before the points were added; the retry must still grant them, and only once.
    const shop = await shopWith();
    const claim = await env.SHOP.getByName(shop.shopId).claimContacts(
      { customerId: "c-9", phone: "+79990001122", email: "nine@example.com", welcome: true }, T0,
    );
    expect(claim).toMatchObject({ ok: true, welcomeMine: true, newCustomer: true });
    const retry = await put(shop.secretKey, "c-9", { phone: "+79990001122", email: "nine@example.com" });
    expect(retry.status).toBe(201);
    expect(await retry.json()).toMatchObject({ balance: 500, welcomePoints: 500 });
    const again = await put(shop.secretKey, "c-9", { phone: "+79990001122", email: "nine@example.com" });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ balance: 500, welcomePoints: 0 });
  });

  it("updates: 200, the profile replaced, no second welcome", async () => {
    const shop = await shopWith();
    await created(shop, "c1", { name: "Anna", phone: "+79991234567", birthday: "1990-05-17" });
    setClock(T0 + 1000);
    const response = await put(shop.secretKey, "c1", { name: "Anna P.", phone: "+79991234567" });
    expect(response.status).toBe(200);
    // birthday was left out: PUT replaces the whole profile.
    expect(await response.json()).toEqual(emptyAccount("c1", { name: "Anna P.", balance: 500, welcomePoints: 0 }));
  });

  it("welcome points expire after the program's points.expiryDays", async () => {
    const shop = await shopWith({ bonuses: { welcome: { points: 300 } }, points: { value: 100, expiryDays: 10 } });
    expect(await created(shop, "c1", {})).toMatchObject({ balance: 300, expiring: [{ points: 300, at: at(T0 + 10 * DAY) }], welcomePoints: 300 });
  });

  it("without a program, or without a welcome bonus, creation grants nothing", async () => {
    const bare = await createShop();
    expect(await created(bare, "c1", { name: "A" })).toEqual(emptyAccount("c1", { name: "A", welcomePoints: 0 }));
    const noWelcome = await shopWith({});
    expect(await created(noWelcome, "c1", { phone: "+79991234567" })).toMatchObject({ balance: 0, welcomePoints: 0 });
  });

  it("with welcome.verify set, creation grants nothing yet (the widget's verification does) and marks nothing", async () => {
    const shop = await shopWith({ bonuses: { welcome: { points: 500, verify: "phone" } } });
    expect(await created(shop, "c1", { phone: "+79991234567" })).toMatchObject({ balance: 0, welcomePoints: 0 });
    await put(shop.secretKey, "c1", {}); // releases the phone
    await send("PUT", "/v1/program", { token: shop.secretKey, body: program({ bonuses: { welcome: { points: 500 } } }) });
    // The phone never brought a bonus, so it still may.
    expect(await created(shop, "c2", { phone: "+79991234567" })).toMatchObject({ welcomePoints: 500 });
  });

  it("a customer without contacts gets the welcome once (the customer id is created once)", async () => {
    const shop = await shopWith();
    expect(await created(shop, "c1", {})).toMatchObject({ welcomePoints: 500 });
    expect(await (await put(shop.secretKey, "c1", {})).json()).toMatchObject({ balance: 500, welcomePoints: 0 });
  });

  it("honours Idempotency-Key: a retry answers the first 201, not a 200", async () => {
    const shop = await shopWith();
    const headers = { "idempotency-key": "create-c1" };
    const first = await put(shop.secretKey, "c1", { name: "A" }, headers);
    const retry = await put(shop.secretKey, "c1", { name: "A" }, headers);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await retry.json()).toEqual(await first.json());
    await expectError(put(shop.secretKey, "c1", { name: "B" }, headers), 409, {
      code: "idempotency_conflict",
      message: "This Idempotency-Key was already used with a different request",
    });
  });
});

describe("contacts: normalised, unique, welcome once per contact ever", () => {
  it.each(["8 (999) 123-45-67", "+7 999 123 45 67", "9991234567", "79991234567", "+79991234567"])(
    "the phone written %j is +79991234567",
    async (written) => {
      const shop = await shopWith();
      await created(shop, "c1", { phone: written, email: "  Anna@Example.COM " });
      for (const form of ["+79991234567", "89991234567", "9991234567"]) {
        const response = await lookup(shop.secretKey, `phone=${encodeURIComponent(form)}`);
        expect(response.status, form).toBe(200);
        expect(await response.json()).toMatchObject({ id: "c1" });
      }
      expect(await (await lookup(shop.secretKey, "email=anna%40example.com")).json()).toMatchObject({ id: "c1" });
      expect(await (await lookup(shop.secretKey, "email=ANNA%40EXAMPLE.COM")).json()).toMatchObject({ id: "c1" });
    },
  );

  it("a phone or email another customer holds is 409 duplicate_contact naming it; nothing changes", async () => {
    const shop = await shopWith();
    await created(shop, "c1", { phone: "+79991234567", email: "a@example.com" });
    await expectError(put(shop.secretKey, "c2", { name: "B", phone: "8 999 123 45 67", email: "b@example.com" }), 409, {
      code: "duplicate_contact",
      message: "Another customer already has this phone",
      path: "phone",
    });
    await expectError(put(shop.secretKey, "c2", { name: "B", phone: "+79990000000", email: " A@EXAMPLE.com" }), 409, {
      code: "duplicate_contact",
      message: "Another customer already has this email",
      path: "email",
    });
    await expectError(get(shop.secretKey, "c2"), 404, { code: "not_found", message: "No customer c2" });
    await expectError(lookup(shop.secretKey, "phone=%2B79990000000"), 404, { code: "not_found", message: "No customer has this phone" });
    await expectError(lookup(shop.secretKey, "email=b%40example.com"), 404, { code: "not_found", message: "No customer has this email" });
  });

  it("changing a customer's phone releases the old one for others", async () => {
    const shop = await shopWith();
    await created(shop, "c1", { phone: "+79991234567" });
    expect((await put(shop.secretKey, "c1", { phone: "+79990000000" })).status).toBe(200);
    expect(await created(shop, "c2", { phone: "+79991234567" })).toMatchObject({ id: "c2" });
    expect(await (await lookup(shop.secretKey, "phone=9991234567")).json()).toMatchObject({ id: "c2" });
    expect(await (await lookup(shop.secretKey, "phone=9990000000")).json()).toMatchObject({ id: "c1" });
  });

  it("a released phone brings its next holder no second welcome", async () => {
    const shop = await shopWith();
    expect(await created(shop, "c1", { phone: "+79991234567" })).toMatchObject({ welcomePoints: 500 });
    await put(shop.secretKey, "c1", { phone: "+79990000000" });
    expect(await created(shop, "c2", { phone: "8 (999) 123-45-67", email: "new@example.com" })).toMatchObject({ balance: 0, welcomePoints: 0 });
    // c2's fresh email did not get the bonus either, so it still may bring one later.
    await put(shop.secretKey, "c2", {});
    expect(await created(shop, "c3", { email: "NEW@example.com" })).toMatchObject({ welcomePoints: 500 });
  });

  it("a released email brings its next holder no second welcome", async () => {
    const shop = await shopWith();
    expect(await created(shop, "c1", { email: "a@example.com" })).toMatchObject({ welcomePoints: 500 });
    await put(shop.secretKey, "c1", { name: "left out the email" });
    expect(await created(shop, "c2", { email: "A@example.com", phone: "+79991234567" })).toMatchObject({ welcomePoints: 0 });
  });

  it("adding a contact on update grants nothing and marks nothing", async () => {
    const shop = await shopWith();
    await created(shop, "c1", {});
    expect(await (await put(shop.secretKey, "c1", { phone: "+79991234567" })).json()).toMatchObject({ balance: 500, welcomePoints: 0 });
  });
});

describe("bad input: 400 invalid_request with the path, nothing changed", () => {
  it.each([
    [{ nickname: "x" }, "nickname", "nickname: unknown field"],
    [{ phone: "12345" }, "phone", "phone: not a phone number: give it with its country code (+44 20 7946 0958) or as a Russian number (8 999 123-45-67)"],
    [{ phone: "+7 999 123 45 6" }, "phone", expect.stringMatching(/^phone: not a phone number/)],
    [{ phone: 79991234567 }, "phone", "phone: Invalid input: expected string, received number"],
    [{ email: "anna@" }, "email", "email: not an email address"],
    [{ birthday: "1990-02-30" }, "birthday", "birthday: Invalid ISO date"],
    [{ birthday: "17.05.1990" }, "birthday", "birthday: Invalid ISO date"],
    [{ name: "" }, "name", expect.stringMatching(/^name: /)],
    [{ name: "x".repeat(201) }, "name", expect.stringMatching(/^name: /)],
  ])("%j → path %s", async (body, path, message) => {
    const shop = await shopWith();
    await created(shop, "c1", { name: "Anna", phone: "+79990000000", email: "anna@example.com" });
    await expectError(put(shop.secretKey, "c1", body), 400, { code: "invalid_request", message, path });
    await expectError(put(shop.secretKey, "c2", body), 400, { code: "invalid_request", message, path });
    expect(await (await get(shop.secretKey, "c1")).json()).toMatchObject({ name: "Anna", balance: 500 });
    expect((await get(shop.secretKey, "c2")).status).toBe(404);
    expect(await (await lookup(shop.secretKey, "phone=%2B79990000000")).json()).toMatchObject({ id: "c1" });
  });

  it("a customer id outside 1..200 of [A-Za-z0-9_.:@-] is refused on every route", async () => {
    const shop = await shopWith();
    for (const id of ["c%20x", "a%2Fb", "x".repeat(201), "%D0%BA"]) {
      for (const response of [put(shop.secretKey, id, {}), get(shop.secretKey, id), history(shop.secretKey, id), adjust(shop.secretKey, id, { id: "a", points: 1 })]) {
        await expectError(response, 400, { code: "invalid_request", message: "customerId: must be 1 to 200 letters, digits or _ . : @ -", path: "customerId" });
      }
    }
    expect(await created(shop, `${"x".repeat(190)}_.:@-1`, {})).toMatchObject({ id: `${"x".repeat(190)}_.:@-1` });
  });

  it("a body that is not a JSON object", async () => {
    const shop = await shopWith();
    await expectError(put(shop.secretKey, "c1", "{bad"), 400, { code: "invalid_request", message: "Malformed JSON in request body" });
    await expectError(put(shop.secretKey, "c1", []), 400, { code: "invalid_request", message: "body: Invalid input: expected object, received array" });
    expect((await get(shop.secretKey, "c1")).status).toBe(404);
  });
});

describe("GET /v1/customers/{customerId}", () => {
  it("is 404 not_found for a customer never created", async () => {
    const shop = await shopWith();
    await expectError(get(shop.secretKey, "nobody"), 404, { code: "not_found", message: "No customer nobody" });
  });

  it("answers the account with tier and next tier from the current program", async () => {
    const tiers = { levels: [{ id: "bronze", name: "Bronze", from: 0, rateBps: 500 }, { id: "silver", name: "Silver", from: 1_000_000, rateBps: 1000 }] };
    const shop = await shopWith({ tiers, bonuses: { welcome: { points: 500 } } });
    await created(shop, "c1", { name: "Anna" });
    const response = await get(shop.secretKey, "c1");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(
      emptyAccount("c1", { name: "Anna", balance: 500, tier: "bronze", nextTier: { id: "silver", amountLeft: 1_000_000 } }),
    );
  });

  it("a customer named by an order exists before any PUT", async () => {
    const shop = await shopWith();
    await env.SHOP.getByName(shop.shopId).indexOrder("o-1", "c-from-order", T0);
    const response = await get(shop.secretKey, "c-from-order");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(emptyAccount("c-from-order"));
  });
});

describe("GET /v1/customers?phone=…|email=…", () => {
  it("answers the account of the holder", async () => {
    const shop = await shopWith();
    await created(shop, "c1", { name: "Anna", phone: "+79991234567" });
    const response = await lookup(shop.secretKey, "phone=8%20(999)%20123-45-67");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(emptyAccount("c1", { name: "Anna", balance: 500 }));
  });

  it("needs exactly one of phone or email, well-formed", async () => {
    const shop = await shopWith();
    const exactlyOne = { code: "invalid_request", message: "Give exactly one of phone or email" };
    await expectError(lookup(shop.secretKey, ""), 400, exactlyOne);
    await expectError(lookup(shop.secretKey, "phone=9991234567&email=a%40example.com"), 400, exactlyOne);
    await expectError(lookup(shop.secretKey, "phone=12"), 400, {
      code: "invalid_request",
      message: "phone: not a phone number: give it with its country code (+44 20 7946 0958) or as a Russian number (8 999 123-45-67)",
      path: "phone",
    });
    await expectError(lookup(shop.secretKey, "email=nope"), 400, { code: "invalid_request", message: "email: not an email address", path: "email" });
    await expectError(lookup(shop.secretKey, "phone=1&phone=2"), 400, {
      code: "invalid_request",
      message: "phone: Invalid input: expected string, received array",
      path: "phone",
    });
  });
});

describe("GET /v1/customers/{customerId}/history", () => {
  it("pages newest first until nextCursor is null", async () => {
    const shop = await shopWith();
    await created(shop, "c1", {});
    for (let i = 1; i <= 4; i++) {
      setClock(T0 + i * 1000);
      expect((await adjust(shop.secretKey, "c1", { id: `a${i}`, points: i, reason: `r${i}` })).status).toBe(201);
    }
    const reasons: (string | null)[] = [];
    let query = "?limit=2";
    const cursors: (string | null)[] = [];
    for (;;) {
      const response = await history(shop.secretKey, "c1", query);
      expect(response.status).toBe(200);
      const page = (await response.json()) as { items: { reason: string | null; at: string; points: number }[]; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(2);
      reasons.push(...page.items.map((item) => item.reason));
      cursors.push(page.nextCursor);
      if (page.nextCursor === null) break;
      query = `?limit=2&cursor=${encodeURIComponent(page.nextCursor)}`;
    }
    expect(reasons).toEqual(["r4", "r3", "r2", "r1", "welcome"]);
    expect(cursors).toHaveLength(3);
    const all = (await (await history(shop.secretKey, "c1")).json()) as { items: unknown[]; nextCursor: null };
    expect(all.items).toHaveLength(5);
    expect(all.items[0]).toEqual({
      at: at(T0 + 4000), type: "adjust", points: 4, orderId: null, returnId: null, store: null,
      amount: null, pointsSpent: null, pointsEarned: null, expiresAt: null, reason: "r4",
    });
    expect(all.nextCursor).toBeNull();
  });

  it("refuses bad limits and cursors; 404 for a customer never created", async () => {
    const shop = await shopWith();
    await created(shop, "c1", {});
    for (const limit of ["0", "101", "abc", "1.5"]) {
      const response = await history(shop.secretKey, "c1", `?limit=${limit}`);
      expect(response.status, limit).toBe(400);
      expect(await errorOf(response)).toMatchObject({ code: "invalid_request", path: "limit" });
    }
    await expectError(history(shop.secretKey, "c1", "?cursor=zz"), 400, { code: "invalid_request", message: "cursor is not one this API gave", path: "cursor" });
    await expectError(history(shop.secretKey, "c2"), 404, { code: "not_found", message: "No customer c2" });
  });
});

describe("POST /v1/customers/{customerId}/adjustments", () => {
  it("adds and takes points: 201 with the adjustment and the balance after it", async () => {
    const shop = await shopWith();
    await created(shop, "c1", {});
    const plus = await adjust(shop.secretKey, "c1", { id: "adj1", points: 50, reason: "goodwill" });
    expect(plus.status).toBe(201);
    expect(await plus.json()).toEqual({ id: "adj1", points: 50, reason: "goodwill", at: at(T0), balance: 550 });
    const minus = await adjust(shop.secretKey, "c1", { id: "adj2", points: -150 });
    expect(minus.status).toBe(201);
    expect(await minus.json()).toEqual({ id: "adj2", points: -150, reason: null, at: at(T0), balance: 400 });
    expect(await (await get(shop.secretKey, "c1")).json()).toMatchObject({ balance: 400 });
  });

  it("added points expire after the program's points.expiryDays", async () => {
    const shop = await shopWith({ points: { value: 100, expiryDays: 20 } });
    await created(shop, "c1", {});
    await adjust(shop.secretKey, "c1", { id: "adj1", points: 70 });
    expect(await (await get(shop.secretKey, "c1")).json()).toMatchObject({ balance: 70, expiring: [{ points: 70, at: at(T0 + 20 * DAY) }] });
  });

  it("the id makes it idempotent: same body → the first answer and status; another body → 409", async () => {
    const shop = await shopWith();
    await created(shop, "c1", {});
    const first = await adjust(shop.secretKey, "c1", { id: "adj1", points: 50, reason: "x" });
    setClock(T0 + 60_000);
    const retry = await adjust(shop.secretKey, "c1", { id: "adj1", points: 50, reason: "x" });
    expect(retry.status).toBe(first.status);
    expect(await retry.json()).toEqual(await first.json());
    await expectError(adjust(shop.secretKey, "c1", { id: "adj1", points: 51, reason: "x" }), 409, {
      code: "idempotency_conflict",
      message: "adjust adj1 was already used with a different body",
    });
    expect(await (await get(shop.secretKey, "c1")).json()).toMatchObject({ balance: 550 });
  });

  it("a shop's own adjustment id never meets the program's bonuses (\"welcome\" is just an id)", async () => {
    const shop = await shopWith();
    await created(shop, "c1", {});
    const response = await adjust(shop.secretKey, "c1", { id: "welcome", points: 5, reason: "goodwill" });
    expect(response.status).toBe(201);
    expect(await (await get(shop.secretKey, "c1")).json()).toMatchObject({ balance: 505 });
  });

  it("taking more than is available is 422 insufficient_points; nothing changes", async () => {
    const shop = await shopWith();
    await created(shop, "c1", {});
    await expectError(adjust(shop.secretKey, "c1", { id: "adj1", points: -501 }), 422, {
      code: "insufficient_points",
      message: "Only 500 points are available",
      path: "points",
    });
    expect(await (await get(shop.secretKey, "c1")).json()).toMatchObject({ balance: 500 });
    // The refusal was not remembered: the id is still free.
    expect((await adjust(shop.secretKey, "c1", { id: "adj1", points: -500 })).status).toBe(201);
  });

  it.each([
    [{ id: "a", points: 0 }, "points", "points: must not be 0"],
    [{ id: "a", points: 1.5 }, "points", expect.stringMatching(/^points: /)],
    [{ id: "a", points: 1e16 }, "points", expect.stringMatching(/^points: /)],
    [{ id: "a", points: "5" }, "points", "points: Invalid input: expected number, received string"],
    [{ points: 5 }, "id", "id: Invalid input: expected string, received undefined"],
    [{ id: "", points: 5 }, "id", "id: must be 1 to 200 letters, digits or _ . : @ -"],
    [{ id: "a", points: 5, extra: true }, "extra", "extra: unknown field"],
    [{ id: "a", points: 5, reason: "" }, "reason", expect.stringMatching(/^reason: /)],
  ])("%j → 400 path %s", async (body, path, message) => {
    const shop = await shopWith();
    await created(shop, "c1", {});
    await expectError(adjust(shop.secretKey, "c1", body), 400, { code: "invalid_request", message, path });
    expect(await (await get(shop.secretKey, "c1")).json()).toMatchObject({ balance: 500 });
  });

  it("is 404 for a customer never created", async () => {
    const shop = await shopWith();
    await expectError(adjust(shop.secretKey, "nobody", { id: "a", points: 5 }), 404, { code: "not_found", message: "No customer nobody" });
  });
});

describe("secret key and shop isolation", () => {
  const routes = [
    ["PUT", "/v1/customers/c1", {}],
    ["GET", "/v1/customers/c1", undefined],
    ["GET", "/v1/customers?phone=9991234567", undefined],
    ["GET", "/v1/customers/c1/history", undefined],
    ["POST", "/v1/customers/c1/adjustments", { id: "a", points: 1 }],
    ["POST", "/v1/customers/c1/events", { id: "e", type: "review" }],
    ["POST", "/v1/customers/c1/rewards/coupon-20", undefined],
    ["GET", "/v1/customers/c1/coupons", undefined],
  ] as const;

  it.each(routes)("%s %s without the secret key is 401", async (method, path, body) => {
    const shop = await shopWith();
    await expectError(send(method, path, { body }), 401, { code: "unauthorized", message: "Send the secret key as Authorization: Bearer sk_…" });
    await expectError(send(method, path, { body, token: shop.publishableKey }), 401, {
      code: "unauthorized",
      message: "This endpoint needs the secret key (sk_…), not the publishable key",
    });
  });

  it("shop A's key neither reads nor changes shop B's customers: 404, and the same id in A is A's own", async () => {
    const [a, b] = await Promise.all([shopWith(), shopWith()]);
    await created(b, "c1", { name: "B's", phone: "+79991234567", email: "b@example.com" });

    await expectError(get(a.secretKey, "c1"), 404, { code: "not_found", message: "No customer c1" });
    await expectError(history(a.secretKey, "c1"), 404, { code: "not_found", message: "No customer c1" });
    await expectError(adjust(a.secretKey, "c1", { id: "steal", points: -500 }), 404, { code: "not_found", message: "No customer c1" });
    await expectError(lookup(a.secretKey, "phone=%2B79991234567"), 404, { code: "not_found", message: "No customer has this phone" });
    await expectError(lookup(a.secretKey, "email=b%40example.com"), 404, { code: "not_found", message: "No customer has this email" });

    // Contacts and welcome bonuses are per shop: A's c1 with the same phone is a new customer with its own bonus.
    expect(await created(a, "c1", { name: "A's", phone: "+79991234567", email: "b@example.com" })).toMatchObject({ name: "A's", welcomePoints: 500 });
    await adjust(a.secretKey, "c1", { id: "adj", points: 10 });
    expect(await (await get(a.secretKey, "c1")).json()).toMatchObject({ name: "A's", balance: 510 });
    expect(await (await get(b.secretKey, "c1")).json()).toMatchObject({ name: "B's", balance: 500 });
    const bHistory = (await (await history(b.secretKey, "c1")).json()) as { items: unknown[] };
    expect(bHistory.items).toHaveLength(1);
  });
});

describe("OpenAPI", () => {
  it("documents the customer routes", async () => {
    const document = (await (await send("GET", "/v1/openapi.json")).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(Object.keys(document.paths["/v1/customers/{customerId}"] ?? {}).sort()).toEqual(["get", "put"]);
    expect(Object.keys(document.paths["/v1/customers/{customerId}"]?.put?.responses ?? {}).sort()).toEqual(["200", "201", "400", "401", "405", "409", "413", "500"]);
    expect(document.paths["/v1/customers"]).toHaveProperty("get");
    expect(document.paths["/v1/customers/{customerId}/history"]).toHaveProperty("get");
    expect(Object.keys(document.paths["/v1/customers/{customerId}/adjustments"]?.post?.responses ?? {}).sort()).toEqual(["201", "400", "401", "404", "405", "409", "413", "422", "500"]);
    expect(Object.keys(document.components.schemas.Customer?.properties ?? {}).sort()).toEqual(
      ["balance", "coupons", "expiring", "id", "name", "nextTier", "orders", "pending", "referralCode", "spend", "tier"],
    );
    expect(Object.keys(document.paths["/v1/customers/{customerId}/events"]?.post?.responses ?? {}).sort()).toEqual(["201", "400", "401", "404", "405", "409", "413", "422", "500"]);
    expect(Object.keys(document.paths["/v1/customers/{customerId}/rewards/{rewardId}"]?.post?.responses ?? {}).sort()).toEqual(["201", "400", "401", "404", "405", "409", "422", "500"]);
    expect(Object.keys(document.paths["/v1/customers/{customerId}/coupons"]?.get?.responses ?? {}).sort()).toEqual(["200", "400", "401", "404", "405", "500"]);
    expect(Object.keys(document.components.schemas.Coupon?.properties ?? {}).sort()).toEqual(
      ["code", "cost", "expiresAt", "issuedAt", "name", "orderId", "rewardId", "state"],
    );
  });
});
