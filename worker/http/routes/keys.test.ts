import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resetClock, setClock } from "../../lib/clock.ts";
import { KEY_RANDOM_LENGTH, hashKey } from "../../lib/keys.ts";
import { sealSecretKey, signCustomerToken, verifyCustomerToken } from "../../lib/tokens.ts";
import { createShop, errorOf, send, type TestShop } from "../../test-support.ts";
import { register, widget, widgetShop } from "../public/test-helpers.ts";

const HOUR = 3_600_000;
let t0: number;

beforeEach(() => {
  t0 = Date.now();
  setClock(t0);
});
afterEach(() => resetClock());

interface Rotated {
  secretKey?: string;
  publishableKey?: string;
  previousExpiresAt: string;
}

async function rotate(token: string, body: unknown, headers?: Record<string, string>): Promise<Rotated> {
  const response = await send("POST", "/v1/shop/keys/rotate", { token, body, headers });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as Rotated;
}

/** The status of a secret-key request with `key`. */
async function secretStatus(key: string): Promise<number> {
  return (await send("GET", "/v1/shop", { token: key })).status;
}

/** The status of a widget request with `publishableKey`. */
async function widgetStatus(shop: TestShop, publishableKey: string, token?: string): Promise<number> {
  return (await widget({ ...shop, publishableKey }, "GET", token === undefined ? "/v1/public/program" : "/v1/public/me", { token })).status;
}

/** The shop's stored previous keys. */
function previousKeys(shopId: string): Promise<unknown[]> {
  return runInDurableObject(env.SHOP.getByName(shopId), (_shop, state) =>
    state.storage.sql.exec("SELECT kind, key_hash, expires_at FROM previous_keys ORDER BY kind").toArray());
}

describe("POST /v1/shop/keys/rotate: the secret key", () => {
  it("answers a new key; the old one works through the grace period (24 h by default) and is 401 after it", async () => {
    const shop = await createShop();
    const rotated = await rotate(shop.secretKey, { key: "secret" });
    expect(Object.keys(rotated).sort()).toEqual(["previousExpiresAt", "secretKey"]);
    expect(rotated.secretKey).toMatch(new RegExp(`^sk_${shop.shopId}_[A-Za-z0-9]{${KEY_RANDOM_LENGTH}}$`));
    expect(rotated.secretKey).not.toBe(shop.secretKey);
    expect(rotated.previousExpiresAt).toBe(new Date(t0 + 24 * HOUR).toISOString());
    const fresh = rotated.secretKey!;
    expect(await secretStatus(fresh)).toBe(200);
    expect(await secretStatus(shop.secretKey)).toBe(200);
    // Verified just before the end: this isolate remembers it no later than the end, not for a further minute.
    setClock(t0 + 24 * HOUR - 1);
    expect(await secretStatus(shop.secretKey)).toBe(200);
    setClock(t0 + 24 * HOUR);
    const late = await send("GET", "/v1/shop", { token: shop.secretKey });
    expect(late.status).toBe(401);
    expect((await errorOf(late)).code).toBe("unauthorized");
    expect(await secretStatus(fresh)).toBe(200);
  });

  it("graceHours 0 ends the old key at once; the maximum is a week", async () => {
    const shop = await createShop();
    const rotated = await rotate(shop.secretKey, { key: "secret", graceHours: 0 });
    expect(rotated.previousExpiresAt).toBe(new Date(t0).toISOString());
    expect(await secretStatus(shop.secretKey)).toBe(401);
    const week = await rotate(rotated.secretKey!, { key: "secret", graceHours: 168 });
    expect(week.previousExpiresAt).toBe(new Date(t0 + 168 * HOUR).toISOString());
    setClock(t0 + 168 * HOUR - 1);
    expect(await secretStatus(rotated.secretKey!)).toBe(200);
    setClock(t0 + 168 * HOUR);
    expect(await secretStatus(rotated.secretKey!)).toBe(401);
  });

  it("rotating again during a grace period: the newest previous key replaces the older one, which ends at once", async () => {
    const shop = await createShop();
    const first = await rotate(shop.secretKey, { key: "secret", graceHours: 48 });
    setClock(t0 + HOUR);
    const second = await rotate(first.secretKey!, { key: "secret", graceHours: 2 });
    expect(second.previousExpiresAt).toBe(new Date(t0 + 3 * HOUR).toISOString());
    expect(await secretStatus(shop.secretKey)).toBe(401);
    expect(await secretStatus(first.secretKey!)).toBe(200);
    expect(await secretStatus(second.secretKey!)).toBe(200);
    setClock(t0 + 3 * HOUR);
    expect(await secretStatus(first.secretKey!)).toBe(401);
    expect(await secretStatus(second.secretKey!)).toBe(200);
  });

  it("a retry with the same Idempotency-Key answers the same new key and rotates once", async () => {
    const shop = await createShop();
    const headers = { "idempotency-key": "rotate-1" };
    const first = await send("POST", "/v1/shop/keys/rotate", { token: shop.secretKey, body: { key: "secret" }, headers });
    const firstBody = await first.text();
    expect(first.status).toBe(200);
    // The answer was lost; the client retries with the key it had (still valid in the grace period).
    const retry = await send("POST", "/v1/shop/keys/rotate", { token: shop.secretKey, body: { key: "secret" }, headers });
    expect(retry.status).toBe(200);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await retry.text()).toBe(firstBody);
    const fresh = (JSON.parse(firstBody) as Rotated).secretKey!;
    expect(await secretStatus(fresh)).toBe(200);
    expect(await secretStatus(shop.secretKey)).toBe(200); // a second rotation would have ended it
    expect(await previousKeys(shop.shopId)).toHaveLength(1);
    const other = await send("POST", "/v1/shop/keys/rotate", { token: shop.secretKey, body: { key: "publishable" }, headers });
    expect(other.status).toBe(409);
    expect((await errorOf(other)).code).toBe("idempotency_conflict");
  });

  it("a lost answer retried without an Idempotency-Key rotates again: the second answer's key works, nothing is locked out", async () => {
    const shop = await createShop();
    const lost = await rotate(shop.secretKey, { key: "secret" }); // the client never sees this answer
    const second = await rotate(shop.secretKey, { key: "secret" }); // the old key is still valid: it may rotate
    expect(second.secretKey).not.toBe(lost.secretKey);
    expect(await secretStatus(second.secretKey!)).toBe(200);
    expect(await secretStatus(lost.secretKey!)).toBe(200); // now the previous key, through its grace period
    expect(await secretStatus(shop.secretKey)).toBe(401); // replaced by a newer previous key: ended at once
    setClock(t0 + 24 * HOUR);
    expect(await secretStatus(lost.secretKey!)).toBe(401);
    expect(await secretStatus(second.secretKey!)).toBe(200);
  });

  it("another shop's keys never work, before or after either shop rotates", async () => {
    const a = await createShop();
    const b = await createShop();
    const bRotated = await rotate(b.secretKey, { key: "secret" });
    const aRotated = await rotate(a.secretKey, { key: "secret" });
    for (const key of [b.secretKey, bRotated.secretKey!]) {
      // B's keys reach B only; with A's shop id and B's random part they are wrong keys for A.
      const forged = `sk_${a.shopId}_${key.split("_")[2]}`;
      expect(await secretStatus(forged)).toBe(401);
      const settings = (await (await send("GET", "/v1/shop", { token: key })).json()) as { shopId: string };
      expect(settings.shopId).toBe(b.shopId);
    }
    expect(await secretStatus(aRotated.secretKey!)).toBe(200);
  });

  it.each([
    [{}, "key"],
    [{ key: "admin" }, "key"],
    [{ key: "secret", graceHours: 169 }, "graceHours"],
    [{ key: "secret", graceHours: -1 }, "graceHours"],
    [{ key: "secret", graceHours: 1.5 }, "graceHours"],
    [{ key: "secret", graceHours: "24" }, "graceHours"],
    [{ key: "secret", extra: true }, "extra"],
  ])("refuses %j with 400 naming %s, and changes nothing", async (body, field) => {
    const shop = await createShop();
    const response = await send("POST", "/v1/shop/keys/rotate", { token: shop.secretKey, body });
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe("invalid_request");
    expect(error.path).toBe(field);
    expect(await previousKeys(shop.shopId)).toEqual([]);
    setClock(t0 + 200 * HOUR);
    expect(await secretStatus(shop.secretKey)).toBe(200);
  });

  it("needs the secret key", async () => {
    const shop = await createShop();
    expect((await send("POST", "/v1/shop/keys/rotate", { body: { key: "secret" } })).status).toBe(401);
    expect((await send("POST", "/v1/shop/keys/rotate", { token: shop.publishableKey, body: { key: "secret" } })).status).toBe(401);
  });
});

describe("POST /v1/shop/keys/rotate: the publishable key", () => {
  it("the old publishable key works on widget routes through the grace period and is 401 after it; the secret key is untouched", async () => {
    const shop = await widgetShop();
    const rotated = await rotate(shop.secretKey, { key: "publishable", graceHours: 1 });
    expect(Object.keys(rotated).sort()).toEqual(["previousExpiresAt", "publishableKey"]);
    expect(rotated.publishableKey).toMatch(new RegExp(`^pk_${shop.shopId}_[A-Za-z0-9]{${KEY_RANDOM_LENGTH}}$`));
    expect(await widgetStatus(shop, rotated.publishableKey!)).toBe(200);
    expect(await widgetStatus(shop, shop.publishableKey)).toBe(200);
    setClock(t0 + HOUR - 1);
    expect(await widgetStatus(shop, shop.publishableKey)).toBe(200); // remembered no later than the end
    setClock(t0 + HOUR);
    const late = await widget(shop, "GET", "/v1/public/program");
    expect(late.status).toBe(401);
    expect((await errorOf(late)).code).toBe("unauthorized");
    expect(await widgetStatus(shop, rotated.publishableKey!)).toBe(200);
    expect(await secretStatus(shop.secretKey)).toBe(200);
    // A publishable key is never a secret key, old or new.
    expect(await secretStatus(rotated.publishableKey!)).toBe(401);
  });
});

describe("customer tokens across a secret-key rotation", () => {
  const exp = () => Math.floor(t0 / 1000) + 30 * 24 * 3600;

  it("tokens signed with the old key stay valid through the grace period and fail after it; the API signs with the new key", async () => {
    const shop = await widgetShop();
    const old = await signCustomerToken(shop.secretKey, "shopper-1", exp());
    const before = await register(shop, {}, { token: old });
    expect(before.customer.id).toBe("shopper-1");
    const rotated = await rotate(shop.secretKey, { key: "secret", graceHours: 2 });
    const fresh = rotated.secretKey!;
    expect(await widgetStatus(shop, shop.publishableKey, old)).toBe(200);
    expect(await widgetStatus(shop, shop.publishableKey, await signCustomerToken(fresh, "shopper-1", exp()))).toBe(200);
    // A widget registration's token is signed with the new key.
    const joined = await register(shop);
    expect((await verifyCustomerToken(fresh, joined.token!, t0)).ok).toBe(true);
    expect((await verifyCustomerToken(shop.secretKey, joined.token!, t0)).ok).toBe(false);
    setClock(t0 + 2 * HOUR - 1);
    expect(await widgetStatus(shop, shop.publishableKey, old)).toBe(200);
    setClock(t0 + 2 * HOUR);
    const late = await widget(shop, "GET", "/v1/public/me", { token: old });
    expect(late.status).toBe(401);
    expect((await errorOf(late)).code).toBe("unauthorized");
    expect(await widgetStatus(shop, shop.publishableKey, joined.token!)).toBe(200);
  });

  it("an instance holding the shop's keys from before a rotation elsewhere reads them again for a token signed with the new key", async () => {
    const shop = await widgetShop();
    const customer = await register(shop);
    expect(await widgetStatus(shop, shop.publishableKey, customer.token!)).toBe(200); // this instance caches the keys
    // Another instance rotates: this one's caches are not told.
    const fresh = `sk_${shop.shopId}_${"N".repeat(KEY_RANDOM_LENGTH)}`;
    const rotated = await env.SHOP.getByName(shop.shopId).rotateKey({
      kind: "secret", keyHash: await hashKey(fresh), sealed: await sealSecretKey(env.KEY_SEAL_SECRET, shop.shopId, fresh),
      previousExpiresAt: t0 + HOUR, now: t0,
    });
    expect(rotated).toEqual({ previousExpiresAt: t0 + HOUR });
    setClock(t0 + 1_000);
    const byNewKey = await signCustomerToken(fresh, customer.customer.id, exp());
    expect(await widgetStatus(shop, shop.publishableKey, byNewKey)).toBe(200);
    expect(await widgetStatus(shop, shop.publishableKey, customer.token!)).toBe(200); // the old key's, in grace
    const forged = await signCustomerToken(`sk_${shop.shopId}_${"F".repeat(KEY_RANDOM_LENGTH)}`, customer.customer.id, exp());
    expect(await widgetStatus(shop, shop.publishableKey, forged)).toBe(401);
  });

  it("a rotation with graceHours 0 ends the old key's tokens at once", async () => {
    const shop = await widgetShop();
    const old = await signCustomerToken(shop.secretKey, "shopper-2", exp());
    await register(shop, {}, { token: old });
    await rotate(shop.secretKey, { key: "secret", graceHours: 0 });
    expect(await widgetStatus(shop, shop.publishableKey, old)).toBe(401);
  });

  it("another shop's old secret key signs nothing this shop accepts", async () => {
    const shop = await widgetShop();
    const other = await widgetShop();
    const customer = await register(shop);
    const byOthersOldKey = await signCustomerToken(other.secretKey, customer.customer.id, exp());
    await rotate(other.secretKey, { key: "secret" });
    await rotate(shop.secretKey, { key: "secret" });
    expect(await widgetStatus(shop, shop.publishableKey, byOthersOldKey)).toBe(401);
    expect(await widgetStatus(shop, shop.publishableKey, customer.token!)).toBe(200); // its own old key: in grace
  });
});
