import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { VERIFIED_KEY_TTL_MS, bearerToken, forgetVerifiedKeys } from "./auth.ts";
import { constantTimeEqual } from "../lib/crypto.ts";
import { KEY_RANDOM_LENGTH, hashKey, newKey, newShopId, parseKey, randomBase62 } from "../lib/keys.ts";
import { resetClock, setClock } from "../lib/clock.ts";
import { createShop, errorOf, send } from "../test-support.ts";

describe("keys", () => {
  it("carry their kind and shop, with 32 random base62 characters", () => {
    const shopId = newShopId();
    expect(shopId).toMatch(/^[A-Za-z0-9]{16}$/);
    const secret = newKey("secret", shopId);
    expect(secret).toMatch(new RegExp(`^sk_${shopId}_[A-Za-z0-9]{${KEY_RANDOM_LENGTH}}$`));
    expect(parseKey(secret)).toEqual({ kind: "secret", shopId });
    expect(parseKey(newKey("publishable", "demo"))).toEqual({ kind: "publishable", shopId: "demo" });
  });

  it("never repeat", () => {
    const keys = new Set(Array.from({ length: 1000 }, () => newKey("secret", "s")));
    expect(keys.size).toBe(1000);
  });

  it("use every base62 character, none more often than chance allows", () => {
    const counts = new Map<string, number>();
    for (const char of randomBase62(62_000)) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // Expected 1000 each; σ ≈ 31. 6σ bounds make a false failure practically impossible.
    for (const count of counts.values()) expect(Math.abs(count - 1000)).toBeLessThan(190);
  });

  it.each([
    "",
    "sk_",
    "sk_shop_short",
    `xx_shop_${"a".repeat(32)}`,
    `sk_sh_op_${"a".repeat(32)}`,
    `sk_sh:op_${"a".repeat(32)}`,
    `sk_shop_${"a".repeat(31)}`,
    `sk_shop_${"a".repeat(32)}-`,
    ` sk_shop_${"a".repeat(32)}`,
  ])("parseKey refuses %j", (key) => {
    expect(parseKey(key)).toBeNull();
  });

  it("hash to SHA-256 hex", async () => {
    expect(await hashKey("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

describe("constantTimeEqual", () => {
  it("uses workerd's crypto.subtle.timingSafeEqual", () => {
    expect(typeof (crypto.subtle as { timingSafeEqual?: unknown }).timingSafeEqual).toBe("function");
  });

  it("is equality of strings", () => {
    expect(constantTimeEqual("a".repeat(64), "a".repeat(64))).toBe(true);
    expect(constantTimeEqual("a".repeat(64), `${"a".repeat(63)}b`)).toBe(false);
    expect(constantTimeEqual("a".repeat(64), "a".repeat(63))).toBe(false);
    expect(constantTimeEqual("", "")).toBe(true);
  });
});

describe("bearerToken", () => {
  it("reads Authorization: Bearer <token>, scheme case-insensitive", () => {
    expect(bearerToken("Bearer sk_a_b")).toBe("sk_a_b");
    expect(bearerToken("bearer   sk_a_b")).toBe("sk_a_b");
    expect(bearerToken("Basic abc")).toBeUndefined();
    expect(bearerToken("Bearer a b")).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});

describe("verified secret keys are remembered per isolate", () => {
  afterEach(() => resetClock());

  /** Changes the shop's stored secret key hash behind the Worker's back, as a key rotation would. */
  async function replaceStoredSecret(shopId: string): Promise<void> {
    await runInDurableObject(env.SHOP.getByName(shopId), (_shop, state) => {
      state.storage.sql.exec("UPDATE shop SET secret_key_hash = ?", "f".repeat(64));
    });
  }

  it("for VERIFIED_KEY_TTL_MS: the Shop object is asked again only after that", async () => {
    const t0 = Date.now();
    setClock(t0);
    const shop = await createShop();
    expect((await send("GET", "/v1/program", { token: shop.secretKey })).status).toBe(404); // verified: no program yet
    await replaceStoredSecret(shop.shopId);
    setClock(t0 + VERIFIED_KEY_TTL_MS - 1);
    expect((await send("GET", "/v1/program", { token: shop.secretKey })).status).toBe(404); // remembered
    setClock(t0 + VERIFIED_KEY_TTL_MS);
    const response = await send("GET", "/v1/program", { token: shop.secretKey });
    expect(response.status).toBe(401); // asked again: no longer the shop's key
    expect((await errorOf(response)).code).toBe("unauthorized");
    expect((await send("GET", "/v1/program", { token: shop.secretKey })).status).toBe(401); // refusals are not remembered as valid
  });

  it("never remembers a wrong key, and forgetVerifiedKeys makes every key be asked about again", async () => {
    const shop = await createShop();
    const wrong = `sk_${shop.shopId}_${"x".repeat(KEY_RANDOM_LENGTH)}`;
    expect((await send("GET", "/v1/program", { token: wrong })).status).toBe(401);
    expect((await send("GET", "/v1/program", { token: wrong })).status).toBe(401);
    expect((await send("GET", "/v1/program", { token: shop.secretKey })).status).toBe(404);
    await replaceStoredSecret(shop.shopId);
    forgetVerifiedKeys();
    expect((await send("GET", "/v1/program", { token: shop.secretKey })).status).toBe(401);
  });
});
