/**
 * Joining through the widget: welcome points once per phone and per email (also under 50 simultaneous
 * registrations), the phone table, errors a shopper understands, tokens for new customers, rate limits.
 */
import { describe, expect, it } from "vitest";
import { errorOf, send } from "../../test-support.ts";
import { signCustomerToken } from "../../lib/tokens.ts";
import { freshPhone, register, widget, widgetShop, WIDGET_PROGRAM, type Registered } from "./test-helpers.ts";

interface Me {
  id: string;
  name: string;
  balance: number;
  pending: number;
  tier: string | null;
  nextTier: { id: string; amountLeft: number } | null;
  referralCode: string;
  contacts: { phone: string | null; email: string | null };
  verification: unknown;
  coupons: unknown[];
}

describe("POST /v1/public/register", () => {
  it("creates a customer with welcome points and answers a token that opens /me", async () => {
    const shop = await widgetShop();
    const registered = await register(shop, { name: "Анна", phone: "8 (999) 123-45-67", email: " Anna@Example.COM ", birthday: "1990-05-17" });
    expect(registered.welcomePoints).toBe(500);
    expect(registered.verification).toBeNull();
    expect(registered.customer.id).toMatch(/^kw_[A-Za-z0-9]{32}$/);
    expect(registered.customer.balance).toBe(500);
    expect(registered.token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    const days = (Date.parse(registered.tokenExpiresAt!) - Date.now()) / 86_400_000;
    expect(Math.round(days)).toBe(90);

    const me = (await (await widget(shop, "GET", "/v1/public/me", { token: registered.token! })).json()) as Me;
    expect(me).toMatchObject({
      id: registered.customer.id, name: "Анна", balance: 500, pending: 0, tier: "bronze",
      nextTier: { id: "silver", amountLeft: 1_000_000 },
      contacts: { phone: "+7 *** ***-45-67", email: "a***@example.com" },
      verification: null, coupons: [],
    });
    expect(me.referralCode).toMatch(/^[A-HJKMNP-Z2-9]{8}$/);

    // The shop sees the same customer with its secret key, contacts normalised.
    const lookup = await send("GET", "/v1/customers?phone=%2B79991234567", { token: shop.secretKey });
    expect(lookup.status).toBe(200);
    expect(((await lookup.json()) as { id: string; balance: number }).id).toBe(registered.customer.id);
    const byEmail = await send("GET", "/v1/customers?email=anna%40example.com", { token: shop.secretKey });
    expect(((await byEmail.json()) as { id: string }).id).toBe(registered.customer.id);

    const history = (await (await widget(shop, "GET", "/v1/public/me/history", { token: registered.token! })).json()) as { items: { type: string; points: number; reason: string }[] };
    expect(history.items).toEqual([expect.objectContaining({ type: "bonus", points: 500, reason: "welcome" })]);
  });

  it("normalises Russian and international phone formats to one contact", async () => {
    const table: [string, string][] = [
      ["8 (916) 555-01-02", "+79165550102"],
      ["+7 916 555 01 03", "+79165550103"],
      ["79165550104", "+79165550104"],
      ["9165550105", "+79165550105"],
      ["8-916-555-01-06", "+79165550106"],
      ["+44 20 7946 0958", "+442079460958"],
      ["+1 (415) 555-0100", "+14155550100"],
    ];
    const shop = await widgetShop();
    for (const [written, e164] of table) {
      const registered = await register(shop, { phone: written });
      const lookup = await send("GET", `/v1/customers?phone=${encodeURIComponent(e164)}`, { token: shop.secretKey });
      expect(lookup.status, written).toBe(200);
      expect(((await lookup.json()) as { id: string }).id, written).toBe(registered.customer.id);
      // The same number written differently is the same contact.
      const again = await widget(shop, "POST", "/v1/public/register", { body: { name: "B", phone: e164, consent: true } });
      expect(again.status, written).toBe(409);
    }
  });

  it("gives the welcome bonus once per phone and per email, with a message a shopper understands", async () => {
    const shop = await widgetShop();
    const phone = freshPhone();
    await register(shop, { phone, email: "first@example.com" });
    const samePhone = await widget(shop, "POST", "/v1/public/register", { body: { name: "B", phone, consent: true } });
    expect(samePhone.status).toBe(409);
    const error = await errorOf(samePhone);
    expect(error).toMatchObject({ code: "duplicate_contact", path: "phone" });
    expect(error.message).toBe("This phone number is already registered. Sign in with it, or use another number.");
    const sameEmail = await widget(shop, "POST", "/v1/public/register", { body: { name: "B", email: "FIRST@example.com", consent: true } });
    expect(sameEmail.status).toBe(409);
    expect(await errorOf(sameEmail)).toMatchObject({ code: "duplicate_contact", path: "email" });
  });

  it("grants one welcome bonus among 50 simultaneous registrations with the same phone", async () => {
    const shop = await widgetShop();
    const phone = freshPhone();
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => widget(shop, "POST", "/v1/public/register", { body: { name: `R${i}`, phone, consent: true } })),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    // The rest are refused: the contact is taken (409), or the per-phone rate limit stopped them first (429).
    expect(statuses.every((s) => s === 201 || s === 409 || s === 429)).toBe(true);
    const winner = (await responses[statuses.indexOf(201)]!.json()) as Registered;
    expect(winner.welcomePoints).toBe(500);
    const lookup = (await (await send("GET", `/v1/customers?phone=${encodeURIComponent(phone)}`, { token: shop.secretKey })).json()) as { id: string; balance: number };
    expect(lookup).toMatchObject({ id: winner.customer.id, balance: 500 });
  });

  it("refuses bad input with the field named, changing nothing", async () => {
    const shop = await widgetShop();
    const cases: [Record<string, unknown>, string][] = [
      [{ name: "A", phone: "+79990001111" }, "consent"],
      [{ name: "A", phone: "+79990001111", consent: false }, "consent"],
      [{ name: "A", consent: true }, "phone"],
      [{ name: "", phone: "+79990001111", consent: true }, "name"],
      [{ name: "A", phone: "call me", consent: true }, "phone"],
      [{ name: "A", email: "not-an-email", consent: true }, "email"],
      [{ name: "A", phone: "+79990001111", birthday: "1990-13-01", consent: true }, "birthday"],
      [{ name: "A", phone: "+79990001111", consent: true, extra: 1 }, ""],
      [{ name: "A", phone: "+79990001111", consent: true, referralCode: "NOSUCHCD" }, "referralCode"],
    ];
    for (const [body, path] of cases) {
      const response = await widget(shop, "POST", "/v1/public/register", { body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      const error = await errorOf(response);
      expect(error.code).toBe("invalid_request");
      if (path !== "") expect(error.path, JSON.stringify(body)).toBe(path);
    }
    const lookup = await send("GET", "/v1/customers?phone=%2B79990001111", { token: shop.secretKey });
    expect(lookup.status).toBe(404);
  });

  it("with a shop-signed token registers that customer, and a second time is 409 conflict", async () => {
    const shop = await widgetShop();
    const token = await signCustomerToken(shop.secretKey, "crm-77", Math.floor(Date.now() / 1000) + 600);
    const first = await register(shop, { phone: freshPhone() }, { token });
    expect(first).toMatchObject({ token: null, welcomePoints: 500, customer: { id: "crm-77", balance: 500 } });
    const again = await widget(shop, "POST", "/v1/public/register", { token, body: { name: "A", phone: freshPhone(), consent: true } });
    expect(again.status).toBe(409);
    expect((await errorOf(again)).code).toBe("conflict");
  });

  it("with an Idempotency-Key answers a retry with the first answer", async () => {
    const shop = await widgetShop();
    const body = { name: "Retry", phone: freshPhone(), consent: true };
    const ip = "203.0.113.9";
    const first = await widget(shop, "POST", "/v1/public/register", { body, ip, headers: { "idempotency-key": "reg-1" } });
    const second = await widget(shop, "POST", "/v1/public/register", { body, ip, headers: { "idempotency-key": "reg-1" } });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await second.json()).toEqual(await first.json());
  });

  it("an Idempotency-Key replayed by someone else never answers the first caller's token, even with the same body", async () => {
    const shop = await widgetShop();
    const body = { name: "Anna", phone: freshPhone(), consent: true };
    const first = await widget(shop, "POST", "/v1/public/register", { body, ip: "203.0.113.10", headers: { "idempotency-key": "join-anna" } });
    expect(first.status).toBe(201);
    const token = ((await first.json()) as { token: string }).token;
    // Another caller with the same key and body: a request of its own, refused for the taken phone.
    const replayed = await widget(shop, "POST", "/v1/public/register", { body, ip: "198.51.100.20", headers: { "idempotency-key": "join-anna" } });
    expect(replayed.status).toBe(409);
    expect(replayed.headers.get("idempotent-replayed")).toBeNull();
    const answer = await replayed.text();
    expect(answer).not.toContain(token);
    expect(JSON.parse(answer)).toMatchObject({ error: { code: "duplicate_contact", path: "phone" } });
    // The same key with another body from another caller is its own request too (no 409 naming the key).
    const other = await widget(shop, "POST", "/v1/public/register", {
      body: { name: "Boris", phone: freshPhone(), consent: true }, ip: "198.51.100.20", headers: { "idempotency-key": "join-anna" },
    });
    expect(other.status).toBe(201);
  });

  it("is rate-limited per IP with 429 and a Retry-After the storefront can read", async () => {
    const shop = await widgetShop();
    const ip = "192.0.2.77";
    for (let i = 0; i < 10; i++) {
      const ok = await widget(shop, "POST", "/v1/public/register", { ip, body: { name: `N${i}`, phone: freshPhone(), consent: true } });
      expect(ok.status).toBe(201);
    }
    const limited = await widget(shop, "POST", "/v1/public/register", { ip, body: { name: "N", phone: freshPhone(), consent: true } });
    expect(limited.status).toBe(429);
    expect((await errorOf(limited)).code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    expect(limited.headers.get("access-control-expose-headers")).toMatch(/Retry-After/);
    // Another IP is not affected.
    expect((await widget(shop, "POST", "/v1/public/register", { body: { name: "N", phone: freshPhone(), consent: true } })).status).toBe(201);
  });

  it("is rate-limited per contact whatever the IP", async () => {
    const shop = await widgetShop();
    const phone = freshPhone();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await widget(shop, "POST", "/v1/public/register", { body: { name: "N", phone, consent: true } })).status);
    }
    expect(statuses).toEqual([201, 409, 409, 409, 409, 429]);
  });

  it("grants no welcome bonus when the program has none", async () => {
    const shop = await widgetShop({ ...WIDGET_PROGRAM, bonuses: {} });
    const registered = await register(shop);
    expect(registered.welcomePoints).toBe(0);
    expect(registered.customer.balance).toBe(0);
  });
});
