import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { hashKey, newKey } from "../lib/keys.ts";
import { schemaVersion } from "../lib/sql.ts";
import { SHOP_MIGRATIONS } from "./shop-sql.ts";
import { shopObject } from "./shop.ts";
import { IDEMPOTENCY_RETENTION_MS, IDEMPOTENCY_STALE_MS } from "./idempotency-records.ts";

/** The caller's clock for Shop methods that take one. */
const T_NOW = Date.parse("2026-11-23T07:15:00Z");

const shopId = () => crypto.randomUUID().replaceAll("-", "").slice(0, 16);

async function newShop(id = shopId()) {
  const secretKey = newKey("secret", id);
  const publishableKey = newKey("publishable", id);
  const stub = shopObject(env, id);
  const input = {
    shopId: id,
    name: "Shop",
    origins: ["https://shop.example"],
    secretKeyHash: await hashKey(secretKey),
    publishableKeyHash: await hashKey(publishableKey),
    now: 1_000,
  };
  return { id, stub, secretKey, publishableKey, input };
}

const validProgram = {
  currency: "RUB",
  timezone: "Europe/Moscow",
  status: "active" as const,
  points: { value: 100, expiryDays: null, pendingDays: 0 },
  earn: { rateBps: 1000, step: null, onPointsPaid: false, excludeTags: [] },
  redeem: { maxShareBps: 3000, minOrder: 0, excludeTags: [], minPoints: 1 },
  tiers: null,
  bonuses: { welcome: null, referral: null, review: 0, rating: 0, survey: 0, birthday: null },
  campaigns: [],
  rewards: [],
};

describe("Shop", () => {
  it("takes its schema on start", async () => {
    const { stub } = await newShop();
    await runInDurableObject(stub, (_shop, state) => expect(schemaVersion(state.storage)).toBe(SHOP_MIGRATIONS.length));
  });

  it("createShop is idempotent on the shop id: the first wins", async () => {
    const { stub, input, id } = await newShop();
    expect(await stub.createShop(input)).toEqual({ created: true });
    expect(await stub.createShop({ ...input, name: "Other", secretKeyHash: "f".repeat(64) })).toEqual({ created: false });
    expect(await stub.getSettings()).toEqual({ shopId: id, name: "Shop", origins: ["https://shop.example"], webhookUrl: null, createdAt: 1_000 });
  });

  it("getSettings is null before the shop exists", async () => {
    expect(await shopObject(env, shopId()).getSettings()).toBeNull();
  });

  it("verifyKey accepts each key only as its own kind", async () => {
    const { stub, input, secretKey, publishableKey } = await newShop();
    await stub.createShop(input);
    expect((await stub.verifyKey("secret", await hashKey(secretKey), 1_000)).valid).toBe(true);
    expect((await stub.verifyKey("publishable", await hashKey(publishableKey), 1_000)).valid).toBe(true);
    expect((await stub.verifyKey("secret", await hashKey(publishableKey), 1_000)).valid).toBe(false);
    expect((await stub.verifyKey("publishable", await hashKey(secretKey), 1_000)).valid).toBe(false);
    expect((await stub.verifyKey("secret", await hashKey(`${secretKey}x`), 1_000)).valid).toBe(false);
    expect((await stub.verifyKey("secret", "", 1_000)).valid).toBe(false);
  });

  it("verifyKey is false for a shop that does not exist, even with the all-zero hash", async () => {
    expect((await shopObject(env, shopId()).verifyKey("secret", "0".repeat(64), 1_000)).valid).toBe(false);
  });

  it("keeps program versions: each put is the next version, older ones stay readable", async () => {
    const { stub, input } = await newShop();
    await stub.createShop(input);
    expect(await stub.getProgram()).toBeNull();
    expect(await stub.getProgramVersion()).toBeNull();
    expect(await stub.putProgram(validProgram, 1)).toEqual({ version: 1 });
    expect(await stub.putProgram({ ...validProgram, earn: { ...validProgram.earn, rateBps: 5 } }, 2)).toEqual({ version: 2 });
    expect(await stub.getProgramVersion()).toBe(2);
    expect(await stub.getProgram()).toMatchObject({ version: 2, program: { earn: { rateBps: 5 } } });
    expect(await stub.getProgram(1)).toEqual({ version: 1, program: validProgram });
    expect(await stub.getProgram(3)).toBeNull();
  });

  it("indexes orders: the first customer wins", async () => {
    const { stub } = await newShop();
    expect(await stub.findOrder("o1")).toBeNull();
    expect(await stub.indexOrder("o1", "c1", T_NOW)).toEqual({ customerId: "c1", created: true });
    expect(await stub.indexOrder("o1", "c1", T_NOW)).toEqual({ customerId: "c1", created: false });
    expect(await stub.indexOrder("o1", "c2", T_NOW)).toEqual({ customerId: "c1", created: false });
    expect(await stub.findOrder("o1")).toEqual({ customerId: "c1", referralDue: false, referralPaid: false });
  });

  describe("idempotency records", () => {
    const response = new TextEncoder().encode("sealed").buffer;

    it("start → complete → replay; a different fingerprint is a mismatch", async () => {
      const { stub } = await newShop();
      expect(await stub.startIdempotentRequest("k", "f1", 10_000)).toEqual({ outcome: "started" });
      expect(await stub.startIdempotentRequest("k", "f1", 10_001)).toEqual({ outcome: "in_progress" });
      expect(await stub.startIdempotentRequest("k", "f2", 10_001)).toEqual({ outcome: "mismatch" });
      await stub.completeIdempotentRequest("k", 201, response);
      const replay = await stub.startIdempotentRequest("k", "f1", 10_002);
      expect(replay).toMatchObject({ outcome: "replay", status: 201 });
      if (replay.outcome === "replay") expect(new TextDecoder().decode(replay.response)).toBe("sealed");
    });

    it("an abandoned start can be started again", async () => {
      const { stub } = await newShop();
      await stub.startIdempotentRequest("k", "f1", 10_000);
      await stub.abandonIdempotentRequest("k");
      expect(await stub.startIdempotentRequest("k", "f2", 10_001)).toEqual({ outcome: "started" });
    });

    it("a start that never finished is taken over once stale", async () => {
      const { stub } = await newShop();
      await stub.startIdempotentRequest("k", "f1", 10_000);
      expect(await stub.startIdempotentRequest("k", "f1", 10_000 + IDEMPOTENCY_STALE_MS)).toEqual({ outcome: "in_progress" });
      expect(await stub.startIdempotentRequest("k", "f1", 10_001 + IDEMPOTENCY_STALE_MS)).toEqual({ outcome: "started" });
    });

    it("answers are remembered for the retention period, then forgotten", async () => {
      const { stub } = await newShop();
      await stub.startIdempotentRequest("k", "f1", 0);
      await stub.completeIdempotentRequest("k", 200, response);
      expect(IDEMPOTENCY_RETENTION_MS).toBeGreaterThanOrEqual(24 * 60 * 60 * 1000);
      expect(await stub.startIdempotentRequest("k", "f2", IDEMPOTENCY_RETENTION_MS)).toEqual({ outcome: "mismatch" });
      expect(await stub.startIdempotentRequest("k", "f2", IDEMPOTENCY_RETENTION_MS + 1)).toEqual({ outcome: "started" });
    });

    it("old records are pruned as new ones arrive", async () => {
      const { stub } = await newShop();
      await stub.startIdempotentRequest("old", "f", 0);
      await stub.completeIdempotentRequest("old", 200, response);
      await stub.startIdempotentRequest("new", "f", IDEMPOTENCY_RETENTION_MS + 1);
      await runInDurableObject(stub, (_shop, state) => {
        const keys = state.storage.sql.exec("SELECT key_hash FROM idempotency").toArray().map((row) => row.key_hash);
        expect(keys).toEqual(["new"]);
      });
    });
  });
});
