/**
 * Verification codes cannot be replayed where they do not belong: a code replaced by a newer one, a code already
 * used once when a new contact is to be verified, another customer's code, a code for the other channel. The
 * welcome bonus the code unlocks is granted once, whatever is replayed.
 */
import { afterEach, describe, expect, it } from "vitest";
import { resetClock, setClock } from "../../worker/lib/clock.ts";
import { freshPhone, register, widget, widgetShop, WIDGET_PROGRAM, type WidgetShop } from "../../worker/http/public/test-helpers.ts";
import { errorOf, send, webhooksOf } from "../../worker/test-support.ts";

const VERIFYING = { ...WIDGET_PROGRAM, bonuses: { welcome: { points: 500, verify: "phone" } } };
const MINUTE = 60_000;

afterEach(() => resetClock());

/** The codes delivered for a customer so far, oldest first, waiting for the `count`-th. */
async function codesOf(shop: WidgetShop, customerId: string, count = 1): Promise<string[]> {
  for (let i = 0; i < 500; i++) { // up to ~10 s on a loaded machine
    const got = (await webhooksOf(shop.hooks)).map((h) => JSON.parse(h.body) as { customerId: string; code: string }).filter((d) => d.customerId === customerId);
    if (got.length >= count) return got.map((d) => d.code);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`fewer than ${count} codes delivered for ${customerId}`);
}

async function verify(shop: WidgetShop, token: string, code: string, channel = "phone") {
  const response = await widget(shop, "POST", "/v1/public/verify", { token, body: { channel, code } });
  const body = response.status === 200 ? ((await response.json()) as { welcomePoints: number; customer: { balance: number } }) : await errorOf(response);
  return { status: response.status, body };
}

const balanceOf = async (shop: WidgetShop, customerId: string) =>
  ((await (await send("GET", `/v1/customers/${customerId}`, { token: shop.secretKey })).json()) as { balance: number }).balance;

describe("verification codes cannot be replayed", () => {
  it("a code replaced by a newer one never verifies, before or after the newer one was used", async () => {
    const start = Date.now();
    setClock(start);
    const shop = await widgetShop(VERIFYING);
    const x = await register(shop);
    const [first] = await codesOf(shop, x.customer.id);
    setClock(start + MINUTE + 1); // one code a minute per contact
    expect((await widget(shop, "POST", "/v1/public/verify/send", { token: x.token!, body: { channel: "phone" } })).status).toBe(202);
    const [, second] = await codesOf(shop, x.customer.id, 2);
    if (first === second) return; // one chance in a million: nothing to tell apart
    expect(await verify(shop, x.token!, first!)).toMatchObject({ status: 422, body: { code: "invalid_state", path: "code" } });
    expect(await balanceOf(shop, x.customer.id)).toBe(0);
    expect(await verify(shop, x.token!, second!)).toMatchObject({ status: 200, body: { welcomePoints: 500, customer: { balance: 500 } } });
    // The replaced code stays dead; the right code again is a retry: the same answer, nothing granted twice.
    expect(await verify(shop, x.token!, first!)).toMatchObject({ status: 422, body: { path: "code" } });
    expect(await verify(shop, x.token!, second!)).toMatchObject({ status: 200, body: { customer: { balance: 500 } } });
    expect(await balanceOf(shop, x.customer.id)).toBe(500);
  });

  it("a code used once does not verify a new contact once a new code was sent to it", async () => {
    const start = Date.now();
    setClock(start);
    const shop = await widgetShop(VERIFYING);
    const x = await register(shop);
    const [used] = await codesOf(shop, x.customer.id);
    expect((await verify(shop, x.token!, used!)).status).toBe(200);
    // The shop moves the customer to another phone; the widget asks for a code for it.
    const moved = await send("PUT", `/v1/customers/${x.customer.id}`, { token: shop.secretKey, body: { name: "Анна", phone: freshPhone() } });
    expect(moved.status).toBe(200);
    // Before any code was sent to the new phone, the old code verifies nothing.
    expect(await verify(shop, x.token!, used!)).toMatchObject({ status: 422, body: { path: "code" } });
    setClock(start + MINUTE + 1);
    expect((await widget(shop, "POST", "/v1/public/verify/send", { token: x.token!, body: { channel: "phone" } })).status).toBe(202);
    const [, fresh] = await codesOf(shop, x.customer.id, 2);
    if (fresh === used) return;
    expect(await verify(shop, x.token!, used!)).toMatchObject({ status: 422, body: { path: "code" } });
    const me = await widget(shop, "GET", "/v1/public/me", { token: x.token! });
    expect(((await me.json()) as { verification: unknown }).verification).toEqual({ channel: "phone", verified: false });
    expect(await verify(shop, x.token!, fresh!)).toMatchObject({ status: 200, body: { welcomePoints: 0 } });
    // A retry of the same right code answers what the first answer said.
    expect(await verify(shop, x.token!, fresh!)).toMatchObject({ status: 200, body: { welcomePoints: 0 } });
    // The welcome bonus was the customer's once: a second contact brings no second one.
    expect(await balanceOf(shop, x.customer.id)).toBe(500);
  });

  it("a code for customer X verifies neither customer Y nor X's other channel", async () => {
    const shop = await widgetShop(VERIFYING);
    const x = await register(shop, { email: `x-${Date.now()}@example.com` });
    const y = await register(shop);
    const [xCode] = await codesOf(shop, x.customer.id);
    const [yCode] = await codesOf(shop, y.customer.id);
    if (xCode === yCode) return;
    expect(await verify(shop, y.token!, xCode!)).toMatchObject({ status: 422, body: { path: "code" } });
    expect(await verify(shop, x.token!, yCode!)).toMatchObject({ status: 422, body: { path: "code" } });
    expect(await verify(shop, x.token!, xCode!, "email")).toMatchObject({ status: 422, body: { path: "code" } });
    expect([await balanceOf(shop, x.customer.id), await balanceOf(shop, y.customer.id)]).toEqual([0, 0]);
    // Each their own code still works (one wrong entry each is within the five allowed).
    expect((await verify(shop, x.token!, xCode!)).status).toBe(200);
    expect((await verify(shop, y.token!, yCode!)).status).toBe(200);
    expect([await balanceOf(shop, x.customer.id), await balanceOf(shop, y.customer.id)]).toEqual([500, 500]);
    // And once used, X's code still verifies nobody else.
    expect(await verify(shop, y.token!, xCode!)).toMatchObject({ status: 422, body: { path: "code" } });
    expect(await balanceOf(shop, y.customer.id)).toBe(500);
  });
});
