/**
 * Rotating KEY_SEAL_SECRET (docs/key-rotation.md): with KEY_SEAL_SECRET_PREVIOUS set (vitest.config.ts sets it for
 * the tests), a sealed secret key that only the previous secret opens still works, and the read that opened it
 * re-seals it under the current secret.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { forgetVerifiedKeys } from "../http/auth.ts";
import { forgetPublicContexts } from "../http/public/access.ts";
import { register, widget, widgetShop } from "../http/public/test-helpers.ts";
import { openEndpointSecret, openSealedKey, sealEndpointSecret, sealSecretKey, sealSecretsOf, signCustomerToken, unsealSecretKey } from "../lib/tokens.ts";
import { send } from "../test-support.ts";

const current = env.KEY_SEAL_SECRET;
const previous = env.KEY_SEAL_SECRET_PREVIOUS;
const exp = () => Math.floor(Date.now() / 1000) + 3600;

/** The stored sealed copies: the current secret key's and the previous one's (after a rotation). */
function sealedCopies(shopId: string): Promise<{ current: string | null; previous: string | null }> {
  return runInDurableObject(env.SHOP.getByName(shopId), (_shop, state) => ({
    current: state.storage.sql.exec<{ s: string | null }>("SELECT secret_key_sealed AS s FROM shop").one().s,
    previous: state.storage.sql.exec<{ s: string | null }>("SELECT sealed AS s FROM previous_keys WHERE kind = 'secret'").toArray()[0]?.s ?? null,
  }));
}

/** Seals the shop's secret keys under the previous seal secret, as a deployment before the rotation left them. */
async function sealUnderPrevious(shopId: string, keys: { current: string; previous?: string }): Promise<{ current: string; previous?: string }> {
  const planted = {
    current: await sealSecretKey(previous, shopId, keys.current),
    previous: keys.previous === undefined ? undefined : await sealSecretKey(previous, shopId, keys.previous),
  };
  await runInDurableObject(env.SHOP.getByName(shopId), (_shop, state) => {
    state.storage.sql.exec("UPDATE shop SET secret_key_sealed = ?", planted.current);
    if (planted.previous !== undefined) state.storage.sql.exec("UPDATE previous_keys SET sealed = ? WHERE kind = 'secret'", planted.previous);
  });
  // What the Worker cached of the shop was read before: forget it, as a new deployment's isolates have.
  forgetVerifiedKeys();
  forgetPublicContexts();
  return planted;
}

describe("openSealedKey", () => {
  it("opens with the current seal secret, else with the previous one (stale), else refuses", async () => {
    expect(previous.length).toBeGreaterThanOrEqual(16);
    const secrets = sealSecretsOf(env);
    expect(secrets).toEqual({ current, previous });
    const key = "sk_shop1_" + "a".repeat(32);
    expect(await openSealedKey(secrets, "shop1", await sealSecretKey(current, "shop1", key))).toEqual({ secretKey: key, stale: false });
    expect(await openSealedKey(secrets, "shop1", await sealSecretKey(previous, "shop1", key))).toEqual({ secretKey: key, stale: true });
    await expect(openSealedKey(secrets, "shop1", await sealSecretKey("some-other-seal-secret-000", "shop1", key))).rejects.toThrow();
    await expect(openSealedKey({ current, previous: null }, "shop1", await sealSecretKey(previous, "shop1", key))).rejects.toThrow();
    // The shop stays bound in: another shop's sealed copy opens under neither secret.
    await expect(openSealedKey(secrets, "shop2", await sealSecretKey(previous, "shop1", key))).rejects.toThrow();
  });

  it("an empty or short KEY_SEAL_SECRET_PREVIOUS is none", () => {
    expect(sealSecretsOf({ ...env, KEY_SEAL_SECRET_PREVIOUS: "" }).previous).toBeNull();
    expect(sealSecretsOf({ ...env, KEY_SEAL_SECRET_PREVIOUS: "short" }).previous).toBeNull();
  });
});

describe("a key sealed under the previous seal secret", () => {
  it("still checks customer tokens, and the widget request that read it re-sealed it under the current one", async () => {
    const shop = await widgetShop();
    const joined = await register(shop);
    const planted = await sealUnderPrevious(shop.shopId, { current: shop.secretKey });
    const me = await widget(shop, "GET", "/v1/public/me", { token: joined.token! });
    expect(me.status).toBe(200);
    const after = await sealedCopies(shop.shopId);
    expect(after.current).not.toBe(planted.current);
    expect(await unsealSecretKey(current, shop.shopId, after.current!)).toBe(shop.secretKey);
    // And tokens signed by the shop's backend still work after another isolate's cache is gone.
    forgetPublicContexts();
    const signed = await signCustomerToken(shop.secretKey, joined.customer.id, exp());
    expect((await widget(shop, "GET", "/v1/public/me", { token: signed })).status).toBe(200);
  });

  it("is re-sealed by a secret-key request, and so is the previous secret key's copy", async () => {
    const shop = await widgetShop();
    const rotation = await send("POST", "/v1/shop/keys/rotate", { token: shop.secretKey, body: { key: "secret" } });
    const fresh = ((await rotation.json()) as { secretKey: string }).secretKey;
    const planted = await sealUnderPrevious(shop.shopId, { current: fresh, previous: shop.secretKey });
    expect((await send("GET", "/v1/shop", { token: fresh })).status).toBe(200);
    const after = await sealedCopies(shop.shopId);
    expect(after.current).not.toBe(planted.current);
    expect(after.previous).not.toBe(planted.previous);
    expect(await unsealSecretKey(current, shop.shopId, after.current!)).toBe(fresh);
    expect(await unsealSecretKey(current, shop.shopId, after.previous!)).toBe(shop.secretKey);
    // Tokens signed with the key before the rotation are still checked (with its re-sealed copy).
    const customer = await register(shop);
    const old = await signCustomerToken(shop.secretKey, customer.customer.id, exp());
    expect((await widget(shop, "GET", "/v1/public/me", { token: old })).status).toBe(200);
  });

  it("resealKeys re-seals what is stale, once; fresh copies are left as they are", async () => {
    const shop = await widgetShop();
    const stub = env.SHOP.getByName(shop.shopId);
    expect(await stub.resealKeys()).toEqual({ resealed: 0 });
    const unchanged = await sealedCopies(shop.shopId);
    await sealUnderPrevious(shop.shopId, { current: shop.secretKey });
    expect(await stub.resealKeys()).toEqual({ resealed: 1 });
    expect(await stub.resealKeys()).toEqual({ resealed: 0 });
    expect((await sealedCopies(shop.shopId)).current).not.toBe(unchanged.current);
  });

  it("a copy that neither secret opens is left alone and the request is not failed by it", async () => {
    const shop = await widgetShop();
    const foreign = await sealSecretKey("some-other-seal-secret-000", shop.shopId, shop.secretKey);
    await runInDurableObject(env.SHOP.getByName(shop.shopId), (_shop, state) => {
      state.storage.sql.exec("UPDATE shop SET secret_key_sealed = ?", foreign);
    });
    forgetVerifiedKeys();
    expect((await send("GET", "/v1/shop", { token: shop.secretKey })).status).toBe(200);
    expect((await sealedCopies(shop.shopId)).current).toBe(foreign);
    // Rotating the secret key seals a fresh one under the current secret: the way out.
    const rotation = await send("POST", "/v1/shop/keys/rotate", { token: shop.secretKey, body: { key: "secret" } });
    const fresh = ((await rotation.json()) as { secretKey: string }).secretKey;
    expect(await unsealSecretKey(current, shop.shopId, (await sealedCopies(shop.shopId)).current!)).toBe(fresh);
  });

  it("webhook endpoints' signing secrets are re-sealed with the keys", async () => {
    const shop = await widgetShop();
    const created = await send("POST", "/v1/webhooks/endpoints", { token: shop.secretKey, body: { url: "https://hooks.test/reseal", events: ["*"] } });
    const endpoint = (await created.json()) as { id: string; secret: string };
    const planted = await sealEndpointSecret(previous, shop.shopId, endpoint.id, endpoint.secret);
    const stored = () => runInDurableObject(env.SHOP.getByName(shop.shopId), (_shop, state) =>
      state.storage.sql.exec<{ s: string }>("SELECT secret_sealed AS s FROM webhook_endpoints").one().s);
    await runInDurableObject(env.SHOP.getByName(shop.shopId), (_shop, state) => {
      state.storage.sql.exec("UPDATE webhook_endpoints SET secret_sealed = ?", planted);
    });
    // Still opens (deliveries keep being signed) while KEY_SEAL_SECRET_PREVIOUS is set…
    expect(await openEndpointSecret(sealSecretsOf(env), shop.shopId, endpoint.id, planted)).toBe(endpoint.secret);
    // …and re-sealing moves it under the current secret, once.
    expect(await env.SHOP.getByName(shop.shopId).resealKeys()).toEqual({ resealed: 1 });
    expect(await env.SHOP.getByName(shop.shopId).resealKeys()).toEqual({ resealed: 0 });
    const after = await stored();
    expect(after).not.toBe(planted);
    expect(await openEndpointSecret({ current, previous: null }, shop.shopId, endpoint.id, after)).toBe(endpoint.secret);
    // Bound to its endpoint: the sealed copy does not open as another endpoint's.
    await expect(openEndpointSecret(sealSecretsOf(env), shop.shopId, "we_other", after)).rejects.toThrow();
  });
});
