/**
 * One person, one contact (issue 19, docs/api.md "One person, one contact" and "Unverified claims"): variants of
 * a phone or an address are one identity — held once, welcomed once — and an unverified widget claim on a phone
 * gives way to the customer who verifies it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { resetClock, setClock } from "../../lib/clock.ts";
import { createShop, errorOf, program, send, webhooksOf, type TestShop } from "../../test-support.ts";
import { freshPhone, lastCode, register, widget, widgetShop, WIDGET_PROGRAM } from "./test-helpers.ts";

afterEach(() => resetClock());

let counter = 0;
/** A prefix no other test uses, so addresses stay unique across tests. */
const fresh = () => `u${Date.now().toString(36)}${(counter++).toString(36)}`;

async function welcomeShop(): Promise<TestShop> {
  const shop = await createShop();
  expect((await send("PUT", "/v1/program", { token: shop.secretKey, body: program({ bonuses: { welcome: { points: 500 } } }) })).status).toBe(200);
  return shop;
}

const put = (shop: TestShop, id: string, body: Record<string, unknown>) =>
  send("PUT", `/v1/customers/${id}`, { token: shop.secretKey, body: { name: "N", ...body } });

/** Variants of one person's contact: [kind, the address first given, the same person's other ways of writing it]. */
const VARIANTS: [string, (p: string) => string, ((p: string) => string)[]][] = [
  ["email", (p) => `${p}.petrova@gmail.com`, [
    (p) => `${p}petrova@gmail.com`, // Gmail ignores dots
    (p) => `${p}.petrova+shop@gmail.com`, // plus-tag
    (p) => `${p.split("").join(".")}.petrova@googlemail.com`, // googlemail.com is gmail.com
    (p) => `${p.toUpperCase()}.PETROVA+1@GMAIL.COM`,
    (p) => `${p}.petrov\u0430@gmail.com`, // a Cyrillic а at the end
    (p) => `${p}.petrov\uff41@gmail.com`, // a fullwidth ａ
  ]],
  ["email", (p) => `${p}.ivanov@yandex.ru`, [
    (p) => `${p}-ivanov@ya.ru`, // Yandex: . and - alike, ya.ru is yandex.ru
    (p) => `${p}.ivanov+x@yandex.com`,
    (p) => `${p}-ivanov@yandex.kz`,
    (p) => `${p}.IVANOV@yandex.by`,
    (p) => `${p}.ivanov@yandex.ua`,
  ]],
  ["email", (p) => `${p}.olga@example.ru`, [
    (p) => `${p}.olga+promo@example.ru`, // plus-tags everywhere
    (p) => `${p}.\u043elga@example.ru`, // a Cyrillic о
    (p) => `${p}.OLGA@EXAMPLE.RU`,
  ]],
];

describe("one person, one contact", () => {
  it.each(VARIANTS.flatMap(([kind, base, others]) => others.map((other, i) => [kind, base, other, i] as const)))(
    "%s variant %#: held once, welcomed once",
    async (kind, base, other) => {
      const shop = await welcomeShop();
      const p = fresh();
      const first = await put(shop, "c-1", { [kind]: base(p) });
      expect(first.status).toBe(201);
      expect((await first.json()) as { welcomePoints: number }).toMatchObject({ welcomePoints: 500 });
      // Held: 409 naming the field.
      const taken = await put(shop, "c-2", { [kind]: other(p) });
      expect(taken.status).toBe(409);
      expect(await errorOf(taken)).toMatchObject({ code: "duplicate_contact", path: kind });
      // Looked up by the variant, the holder answers.
      const found = await send("GET", `/v1/customers?${kind}=${encodeURIComponent(other(p))}`, { token: shop.secretKey });
      expect(found.status).toBe(200);
      expect(await found.json()).toMatchObject({ id: "c-1" });
      // Released, the variant may be taken — with no second welcome.
      expect((await put(shop, "c-1", { [kind]: `${p}-moved@example.org` })).status).toBe(200);
      const second = await put(shop, "c-2", { [kind]: other(p) });
      expect(second.status).toBe(201);
      expect((await second.json()) as { welcomePoints: number; balance: number }).toMatchObject({ welcomePoints: 0, balance: 0 });
    },
  );

  it("keeps the address as written for delivery: the code goes to the variant the customer typed", async () => {
    const shop = await widgetShop({ ...WIDGET_PROGRAM, bonuses: { welcome: { points: 500, verify: "email" } } });
    const p = fresh();
    const registered = await register(shop, { phone: null, email: `${p}.Petrova+Shop@Gmail.com` });
    await lastCode(shop, registered.customer.id);
    const delivered = (await webhooksOf(shop.hooks)).map((h) => JSON.parse(h.body) as { customerId: string; to: string });
    expect(delivered.find((d) => d.customerId === registered.customer.id)?.to).toBe(`${p}.petrova+shop@gmail.com`);
  });

  it("Gmail variants earn no second welcome even when the welcome waits for e-mail verification", async () => {
    const shop = await widgetShop({ ...WIDGET_PROGRAM, bonuses: { welcome: { points: 500, verify: "email" } } });
    const p = fresh();
    const first = await register(shop, { phone: null, email: `${p}.petrova@gmail.com` });
    const code = await lastCode(shop, first.customer.id);
    const verified = await widget(shop, "POST", "/v1/public/verify", { token: first.token!, body: { channel: "email", code } });
    expect(verified.status).toBe(200);
    expect(await verified.json()).toMatchObject({ welcomePoints: 500 });
    const start = Date.now();
    const variants = [`${p}petrova@gmail.com`, `${p}.petrova+2@googlemail.com`, `${p}.petrov\u0430@gmail.com`];
    for (const [i, variant] of variants.entries()) {
      setClock(start + (i + 1) * 61_000); // one code a minute per address: every variant counts as the address
      const again = await widget(shop, "POST", "/v1/public/register", { body: { name: "A", email: variant, consent: true } });
      expect(again.status, variant).toBe(409);
      expect(await errorOf(again)).toMatchObject({ code: "duplicate_contact", path: "email" });
    }
  });

  it("phones written the local ways are one number", async () => {
    const shop = await welcomeShop();
    const n = freshPhone().slice(2); // the ten digits after +7
    expect((await put(shop, "p-1", { phone: `8 (${n.slice(0, 3)}) ${n.slice(3, 6)}-${n.slice(6, 8)}-${n.slice(8)}` })).status).toBe(201);
    for (const way of [`+7 ${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6, 8)} ${n.slice(8)}`, `8${n}`, `7${n}`, n, `+7${n}`]) {
      const taken = await put(shop, "p-2", { phone: way });
      expect(taken.status, way).toBe(409);
    }
  });

  it.each(["+8 999 123-45-67", "+89991234567", "+83 123 456 789", "+28 123 456 789", "+259 123 4567", "+969 123 4567", "+999 123 4567"])(
    "refuses %j: no such country code",
    async (phone) => {
      const shop = await welcomeShop();
      const response = await put(shop, "p-1", { phone });
      expect(response.status).toBe(400);
      expect(await errorOf(response)).toMatchObject({ code: "invalid_request", path: "phone" });
    },
  );
});

describe("unverified claims (phone squatting)", () => {
  const VERIFYING = { ...WIDGET_PROGRAM, bonuses: { welcome: { points: 500, verify: "phone" } } };

  it("a squatter's unverified phone gives way to the owner who verifies it; the squatter never gets the welcome", async () => {
    const shop = await widgetShop(VERIFYING);
    const phone = freshPhone();
    const start = Date.now();
    setClock(start);
    const squatter = await register(shop, { phone });
    const squatterCode = await lastCode(shop, squatter.customer.id); // what the squatter could never read: it went to the phone
    setClock(start + 61_000); // one code a minute per phone
    const victim = await widget(shop, "POST", "/v1/public/register", { body: { name: "Victim", phone, consent: true } });
    expect(victim.status).toBe(201);
    const joined = (await victim.json()) as { customer: { id: string }; token: string; welcomePoints: number };
    expect(joined.welcomePoints).toBe(0);
    const code = await lastCode(shop, joined.customer.id);
    // Until the victim verifies, the squatter still holds it.
    const before = await send("GET", `/v1/customers?phone=${encodeURIComponent(phone)}`, { token: shop.secretKey });
    expect(await before.json()).toMatchObject({ id: squatter.customer.id });

    const verified = await widget(shop, "POST", "/v1/public/verify", { token: joined.token, body: { channel: "phone", code } });
    expect(verified.status).toBe(200);
    expect(await verified.json()).toMatchObject({ welcomePoints: 500, customer: { balance: 500 } });
    const after = await send("GET", `/v1/customers?phone=${encodeURIComponent(phone)}`, { token: shop.secretKey });
    expect(await after.json()).toMatchObject({ id: joined.customer.id });

    // The squatter's account stays, without the phone, and its code no longer verifies anything.
    const late = await widget(shop, "POST", "/v1/public/verify", { token: squatter.token!, body: { channel: "phone", code: squatterCode } });
    expect(late.status).toBe(422);
    const me = await widget(shop, "GET", "/v1/public/me", { token: squatter.token! });
    expect(await me.json()).toMatchObject({ balance: 0 });
    const resend = await widget(shop, "POST", "/v1/public/verify/send", { token: squatter.token!, body: { channel: "phone" } });
    expect(resend.status).toBe(422);
    // The squatter cannot take it back: the verified owner holds it for good.
    setClock(start + 122_000);
    const retake = await widget(shop, "POST", "/v1/public/register", { body: { name: "Squatter", phone, consent: true } });
    expect(retake.status).toBe(409);
    expect(await errorOf(retake)).toMatchObject({ code: "duplicate_contact", path: "phone" });
  });

  it("a later unverified claim cannot displace the first claimant, who verifies and gets the welcome", async () => {
    const shop = await widgetShop(VERIFYING);
    const phone = freshPhone();
    const start = Date.now();
    setClock(start);
    const owner = await register(shop, { phone });
    const code = await lastCode(shop, owner.customer.id);
    setClock(start + 61_000);
    const intruder = await register(shop, { phone });
    expect(intruder.welcomePoints).toBe(0);
    const verified = await widget(shop, "POST", "/v1/public/verify", { token: owner.token!, body: { channel: "phone", code } });
    expect(verified.status).toBe(200);
    expect(await verified.json()).toMatchObject({ welcomePoints: 500 });
    const held = await send("GET", `/v1/customers?phone=${encodeURIComponent(phone)}`, { token: shop.secretKey });
    expect(await held.json()).toMatchObject({ id: owner.customer.id });
  });

  it("a phone the shop's backend gave a customer does not yield", async () => {
    const shop = await widgetShop(VERIFYING);
    const phone = freshPhone();
    expect((await put(shop, "backend-1", { phone })).status).toBe(201);
    const response = await widget(shop, "POST", "/v1/public/register", { body: { name: "X", phone, consent: true } });
    expect(response.status).toBe(409);
  });
});
