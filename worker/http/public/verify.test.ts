/**
 * Verification when the program asks for it (`bonuses.welcome.verify`): codes through the signed webhook, their
 * lifetime and attempts, resend, the welcome bonus waiting for the right code, and its rate limits.
 */
import { afterEach, describe, expect, it } from "vitest";
import { resetClock, setClock } from "../../lib/clock.ts";
import { errorOf, webhooksOf } from "../../test-support.ts";
import { hmacHex } from "../../lib/crypto.ts";
import { freshPhone, register, widget, widgetShop, WIDGET_PROGRAM, type WidgetShop } from "./test-helpers.ts";

const VERIFYING = { ...WIDGET_PROGRAM, bonuses: { welcome: { points: 500, verify: "phone" } } };

interface Delivered {
  type: string;
  shopId: string;
  customerId: string;
  channel: string;
  code: string;
  to: string;
  expiresAt: string;
}

/** The codes delivered for a customer so far, waiting for the `count`-th to arrive. */
async function codes(shop: WidgetShop, customerId: string, count = 1): Promise<Delivered[]> {
  for (let i = 0; i < 500; i++) { // up to ~10 s: the alarm delivers after the request, later on a loaded machine
    const got = (await webhooksOf(shop.hooks)).map((h) => JSON.parse(h.body) as Delivered).filter((d) => d.customerId === customerId);
    if (got.length >= count) return got;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`fewer than ${count} codes delivered for ${customerId}`);
}

afterEach(() => resetClock());

const wrongOf = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

describe("verification", () => {
  it("sends a code by a signed webhook; the welcome points wait for it", async () => {
    const shop = await widgetShop(VERIFYING);
    const phone = freshPhone();
    const registered = await register(shop, { phone });
    expect(registered.welcomePoints).toBe(0);
    expect(registered.customer.balance).toBe(0);
    expect(registered.verification).toMatchObject({ channel: "phone", to: `+7 *** ***-${phone.slice(8, 10)}-${phone.slice(10)}` });
    expect(registered.customer.verification).toEqual({ channel: "phone", verified: false });

    await codes(shop, registered.customer.id);
    const hooks = await webhooksOf(shop.hooks);
    const hook = hooks.at(-1)!;
    const event = JSON.parse(hook.body) as Delivered;
    expect(event).toMatchObject({ type: "verification.code", shopId: shop.shopId, customerId: registered.customer.id, channel: "phone", to: phone });
    expect(event.code).toMatch(/^\d{6}$/);
    expect(hook.headers["kopilka-event"]).toBe("verification.code");
    // The shop checks the signature with its secret key.
    const signature = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(hook.headers["kopilka-signature"]!);
    expect(signature).not.toBeNull();
    expect(signature![2]).toBe(await hmacHex(shop.secretKey, `${signature![1]}.${hook.body}`));

    const token = registered.token!;
    const verified = await widget(shop, "POST", "/v1/public/verify", { token, body: { channel: "phone", code: event.code } });
    expect(verified.status).toBe(200);
    const body = (await verified.json()) as { welcomePoints: number; customer: { balance: number; verification: unknown } };
    expect(body.welcomePoints).toBe(500);
    expect(body.customer.balance).toBe(500);
    expect(body.customer.verification).toEqual({ channel: "phone", verified: true });

    // The same right code again (a retry after a lost answer): the same answer, no second bonus.
    const again = await widget(shop, "POST", "/v1/public/verify", { token, body: { channel: "phone", code: event.code } });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { customer: { balance: number } }).customer.balance).toBe(500);

    const resend = await widget(shop, "POST", "/v1/public/verify/send", { token, body: { channel: "phone" } });
    expect(resend.status).toBe(422);
  });

  it("requires the contact the program verifies", async () => {
    const shop = await widgetShop(VERIFYING);
    const response = await widget(shop, "POST", "/v1/public/register", { body: { name: "A", email: "only@example.com", consent: true } });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: "invalid_request", path: "phone" });
  });

  it("counts wrong codes: 4 tries left after the first, dead after 5", async () => {
    const shop = await widgetShop(VERIFYING);
    const start = Date.now();
    setClock(start);
    const registered = await register(shop);
    const token = registered.token!;
    const [sent] = await codes(shop, registered.customer.id);
    const wrong = wrongOf(sent!.code);
    const messages: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await widget(shop, "POST", "/v1/public/verify", { token, body: { channel: "phone", code: wrong } });
      expect(response.status).toBe(422);
      const error = await errorOf(response);
      expect(error.path).toBe("code");
      messages.push(error.message);
    }
    expect(messages.slice(0, 4)).toEqual([
      "The code is not right; 4 tries left",
      "The code is not right; 3 tries left",
      "The code is not right; 2 tries left",
      "The code is not right; 1 try left",
    ]);
    expect(messages[4]).toBe("Too many wrong codes: ask for a new one");
    // Even the right code no longer works.
    const late = await widget(shop, "POST", "/v1/public/verify", { token, body: { channel: "phone", code: sent!.code } });
    expect(late.status).toBe(422);
    expect((await errorOf(late)).message).toBe("Too many wrong codes: ask for a new one");

    // A new code (a minute later: one send a minute per contact) works, and the old one does not.
    setClock(start + 61_000);
    const resend = await widget(shop, "POST", "/v1/public/verify/send", { token, body: { channel: "phone" } });
    expect(resend.status).toBe(202);
    const all = await codes(shop, registered.customer.id, 2);
    const fresh = all[1]!.code;
    if (fresh !== sent!.code) {
      expect((await widget(shop, "POST", "/v1/public/verify", { token, body: { channel: "phone", code: sent!.code } })).status).toBe(422);
    }
    const ok = await widget(shop, "POST", "/v1/public/verify", { token, body: { channel: "phone", code: fresh } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { welcomePoints: number }).welcomePoints).toBe(500);
  });

  it("expires a code after 10 minutes", async () => {
    const shop = await widgetShop(VERIFYING);
    const start = Date.now();
    setClock(start);
    const registered = await register(shop);
    const [sent] = await codes(shop, registered.customer.id);
    setClock(start + 10 * 60_000 + 1);
    const response = await widget(shop, "POST", "/v1/public/verify", { token: registered.token!, body: { channel: "phone", code: sent!.code } });
    expect(response.status).toBe(422);
    expect((await errorOf(response)).message).toBe("The code has expired: ask for a new one");
  });

  it("limits resends per contact: one a minute", async () => {
    const shop = await widgetShop(VERIFYING);
    const registered = await register(shop);
    const token = registered.token!;
    const first = await widget(shop, "POST", "/v1/public/verify/send", { token, body: { channel: "phone" } });
    expect(first.status).toBe(429); // registration itself sent a code just now
    expect(Number(first.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(first.headers.get("retry-after"))).toBeLessThanOrEqual(60);
  });

  it("refuses codes that are not 6 digits, and an unknown channel", async () => {
    const shop = await widgetShop(VERIFYING);
    const registered = await register(shop);
    for (const body of [{ channel: "phone", code: "12345" }, { channel: "phone", code: "abcdef" }, { channel: "fax", code: "123456" }, { channel: "phone" }]) {
      const response = await widget(shop, "POST", "/v1/public/verify", { token: registered.token!, body });
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
  });

  it("gives no welcome to a second customer verifying a phone whose bonus was given before", async () => {
    const shop = await widgetShop(VERIFYING);
    const phone = freshPhone();
    const start = Date.now();
    setClock(start);
    const first = await register(shop, { phone });
    const [sent] = await codes(shop, first.customer.id);
    expect((await widget(shop, "POST", "/v1/public/verify", { token: first.token!, body: { channel: "phone", code: sent!.code } })).status).toBe(200);
    // The first customer moves to another phone; a newcomer takes the old one and verifies it.
    const { send: sendSecret } = await import("../../test-support.ts");
    const moved = await sendSecret("PUT", `/v1/customers/${first.customer.id}`, { token: shop.secretKey, body: { name: "A", phone: freshPhone() } });
    expect(moved.status).toBe(200);
    setClock(start + 61_000); // one code a minute per phone
    const second = await register(shop, { phone });
    const [code2] = await codes(shop, second.customer.id);
    const verified = await widget(shop, "POST", "/v1/public/verify", { token: second.token!, body: { channel: "phone", code: code2!.code } });
    expect(verified.status).toBe(200);
    const body = (await verified.json()) as { welcomePoints: number; customer: { balance: number } };
    expect(body.welcomePoints).toBe(0);
    expect(body.customer.balance).toBe(0);
  });
});
