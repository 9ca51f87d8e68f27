import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { QUOTE_COUNTERS_TTL_MS } from "./checkout.ts";
import { PROGRAM_VERSION_TTL_MS } from "./program.ts";
import { resetClock, setClock } from "../lib/clock.ts";
import { programSchema } from "../../engine/host/validate.ts";
import { createShop, program, send } from "../test-support.ts";

afterEach(() => resetClock());

const cart = { lines: [{ id: "1", sku: "a", price: 100_000, qty: 1 }] };

async function quotedVersion(secretKey: string): Promise<number> {
  const response = await send("POST", "/v1/checkout/quote", { token: secretKey, body: cart });
  expect(response.status).toBe(200);
  return ((await response.json()) as { programVersion: number }).programVersion;
}

describe("the current program, cached per isolate", () => {
  it("is the new version at once after PUT /v1/program through this isolate", async () => {
    const shop = await createShop();
    setClock(Date.now());
    expect((await send("PUT", "/v1/program", { token: shop.secretKey, body: program() })).status).toBe(200);
    expect(await quotedVersion(shop.secretKey)).toBe(1);
    expect((await send("PUT", "/v1/program", { token: shop.secretKey, body: program({ earn: { rateBps: 500 } }) })).status).toBe(200);
    const response = await send("POST", "/v1/checkout/quote", { token: shop.secretKey, body: cart });
    const quoted = (await response.json()) as { programVersion: number; pointsEarned: number };
    expect(quoted).toMatchObject({ programVersion: 2, pointsEarned: 50 }); // 5% of 1,000 RUB at 1 point = 1 RUB
  });

  it("follows a version published elsewhere within PROGRAM_VERSION_TTL_MS", async () => {
    const t0 = Date.now();
    setClock(t0);
    const shop = await createShop();
    expect((await send("PUT", "/v1/program", { token: shop.secretKey, body: program() })).status).toBe(200);
    expect(await quotedVersion(shop.secretKey)).toBe(1);
    // Another isolate publishes: straight to the Shop object, so this isolate is not told.
    await env.SHOP.getByName(shop.shopId).putProgram(programSchema.parse(program({ earn: { rateBps: 500 } })), t0);
    setClock(t0 + PROGRAM_VERSION_TTL_MS - 1);
    expect(await quotedVersion(shop.secretKey)).toBe(1);
    setClock(t0 + PROGRAM_VERSION_TTL_MS);
    expect(await quotedVersion(shop.secretKey)).toBe(2);
  });

  it("is still 404 not_found before the first version, and found right after it", async () => {
    const shop = await createShop();
    expect((await send("POST", "/v1/checkout/quote", { token: shop.secretKey, body: cart })).status).toBe(404);
    expect((await send("PUT", "/v1/program", { token: shop.secretKey, body: program() })).status).toBe(200);
    expect(await quotedVersion(shop.secretKey)).toBe(1);
  });
});

describe("limited campaigns in quotes", () => {
  it("a quote may use a counter reading up to QUOTE_COUNTERS_TTL_MS old; an order always reads afresh", async () => {
    const shop = await createShop();
    const t0 = Date.now();
    setClock(t0);
    const limited = program({ campaigns: [{ id: "once", effect: { discountBps: 1000 }, limits: { totalUses: 1 } }] });
    expect((await send("PUT", "/v1/program", { token: shop.secretKey, body: limited })).status).toBe(200);
    const discountOf = async (body: unknown) =>
      ((await (await send("POST", "/v1/checkout/quote", { token: shop.secretKey, body })).json()) as { discount: number }).discount;
    expect(await discountOf(cart)).toBe(10_000);
    const first = await send("POST", "/v1/orders", { token: shop.secretKey, body: { ...cart, orderId: "o1", customerId: "c1" } });
    expect(((await first.json()) as { evaluation: { discount: number } }).evaluation.discount).toBe(10_000);
    // The only use is taken: another order never gets it, even while quotes may still show the old reading.
    const second = await send("POST", "/v1/orders", { token: shop.secretKey, body: { ...cart, orderId: "o2", customerId: "c2" } });
    expect(((await second.json()) as { evaluation: { discount: number } }).evaluation.discount).toBe(0);
    setClock(t0 + QUOTE_COUNTERS_TTL_MS + 1);
    expect(await discountOf(cart)).toBe(0);
  });
});
