import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { hashKey } from "../../lib/keys.ts";
import { PLATFORM_OBJECT } from "../../shop/registry.ts";
import { PLATFORM_TOKEN, errorOf, send } from "../../test-support.ts";

const newShop = { name: "Coffee & Co", origins: ["https://coffee.example", "http://localhost:5173/"] };
const create = (body: unknown, headers?: Record<string, string>, token = PLATFORM_TOKEN) =>
  send("POST", "/v1/shops", { token, body, headers });

describe("POST /v1/shops", () => {
  it("creates a shop: 201 {shopId, secretKey, publishableKey}, keys carrying the shop id", async () => {
    const response = await create(newShop);
    expect(response.status).toBe(201);
    const body = (await response.json()) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(["publishableKey", "secretKey", "shopId"]);
    expect(body.shopId).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(body.secretKey).toMatch(new RegExp(`^sk_${body.shopId}_[A-Za-z0-9]{32}$`));
    expect(body.publishableKey).toMatch(new RegExp(`^pk_${body.shopId}_[A-Za-z0-9]{32}$`));
  });

  it("stores the name and normalised origins, and the keys only as SHA-256 hashes", async () => {
    const { shopId, secretKey, publishableKey } = (await (await create(newShop)).json()) as Record<string, string>;
    const stub = env.SHOP.getByName(shopId as string);
    expect(await stub.getSettings()).toEqual({
      shopId,
      name: "Coffee & Co",
      origins: ["https://coffee.example", "http://localhost:5173"],
      webhookUrl: null,
      createdAt: expect.any(Number),
    });
    await runInDurableObject(stub, async (_shop, state) => {
      const row = state.storage.sql.exec("SELECT * FROM shop").one();
      expect(row.secret_key_hash).toBe(await hashKey(secretKey as string));
      expect(row.publishable_key_hash).toBe(await hashKey(publishableKey as string));
      expect(JSON.stringify(row)).not.toContain((secretKey as string).slice(-32));
    });
  });

  it("gives every shop its own id and keys", async () => {
    const [a, b] = await Promise.all([create(newShop), create(newShop)]);
    const [first, second] = (await Promise.all([a.json(), b.json()])) as Record<string, string>[];
    expect(first?.shopId).not.toBe(second?.shopId);
    expect(first?.secretKey).not.toBe(second?.secretKey);
  });

  it("needs the platform token: missing or wrong → 401 unauthorized", async () => {
    const missing = await send("POST", "/v1/shops", { body: newShop });
    expect(missing.status).toBe(401);
    expect(await errorOf(missing)).toEqual({ code: "unauthorized", message: "Send the platform token as Authorization: Bearer <token>" });

    for (const token of ["wrong-token", `${PLATFORM_TOKEN}x`, PLATFORM_TOKEN.slice(0, -1)]) {
      const wrong = await create(newShop, undefined, token);
      expect(wrong.status).toBe(401);
      expect(await errorOf(wrong)).toEqual({ code: "unauthorized", message: "The platform token is not valid" });
    }
  });

  it("a shop's secret key is not the platform token", async () => {
    const { secretKey } = (await (await create(newShop)).json()) as Record<string, string>;
    expect((await create(newShop, undefined, secretKey)).status).toBe(401);
  });

  it("checks the token before the body", async () => {
    const response = await create({ name: "" }, undefined, "wrong");
    expect(response.status).toBe(401);
  });

  it.each([
    [{ origins: [] }, "name", "is required"],
    [{ name: "", origins: [] }, "name", "must be a string of 1 to 200 characters"],
    [{ name: "A", origins: ["ftp://shop.example"] }, "origins[0]", "must be an origin such as https://shop.example (http or https, no path)"],
    [{ name: "A", origins: ["https://ok.example", "https://shop.example/cart"] }, "origins[1]", "must be an origin such as https://shop.example (http or https, no path)"],
    [{ name: "A", origins: ["not a url"] }, "origins[0]", "must be an origin such as https://shop.example (http or https, no path)"],
    [{ name: "A", origins: "https://shop.example" }, "origins", "must be a list of at most 50 items"],
    [{ name: "A", origins: [], shopId: "mine" }, "shopId", "unknown field"],
  ])("refuses an invalid body %j with 400 invalid_request at its path", async (body, path, message) => {
    const response = await create(body);
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toEqual({ code: "invalid_request", message: `${path}: ${message}`, path });
  });

  it("refuses a body that is not an object", async () => {
    const response = await create([1, 2]);
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toEqual({ code: "invalid_request", message: "body: must be an object" });
  });
});

describe("POST /v1/shops with Idempotency-Key", () => {
  const key = () => `create-${crypto.randomUUID()}`;

  it("a repeat with the same key and body returns the first answer and creates nothing", async () => {
    const idempotencyKey = key();
    const first = await create(newShop, { "idempotency-key": idempotencyKey });
    expect(first.status).toBe(201);
    const firstBody = await first.text();
    // Same document, other key order and spacing: the same body.
    const again = await create(JSON.stringify({ origins: newShop.origins, name: newShop.name }, null, 2), { "idempotency-key": idempotencyKey });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.text()).toBe(firstBody);
  });

  it("the same key with a different body is 409 idempotency_conflict", async () => {
    const idempotencyKey = key();
    expect((await create(newShop, { "idempotency-key": idempotencyKey })).status).toBe(201);
    const other = await create({ ...newShop, name: "Tea & Co" }, { "idempotency-key": idempotencyKey });
    expect(other.status).toBe(409);
    expect(await errorOf(other)).toEqual({
      code: "idempotency_conflict",
      message: "This Idempotency-Key was already used with a different request",
    });
  });

  it("concurrent requests with one key create one shop", async () => {
    const idempotencyKey = key();
    const responses = await Promise.all(Array.from({ length: 5 }, () => create(newShop, { "idempotency-key": idempotencyKey })));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    for (const response of responses.filter((r) => r.status !== 201)) {
      expect(response.status).toBe(409);
      expect((await errorOf(response)).code).toBe("idempotency_conflict");
    }
    // Once the first finished, a retry gets its answer.
    const created = (await responses.find((r) => r.status === 201)?.json()) as Record<string, string>;
    const retry = await create(newShop, { "idempotency-key": idempotencyKey });
    expect(await retry.json()).toEqual(created);
  });

  it("a failed request is not remembered: fixing the body under the same key works", async () => {
    const idempotencyKey = key();
    expect((await create({ name: "", origins: [] }, { "idempotency-key": idempotencyKey })).status).toBe(400);
    expect((await create(newShop, { "idempotency-key": idempotencyKey })).status).toBe(201);
  });

  it("a malformed Idempotency-Key is 400 invalid_request", async () => {
    const response = await create(newShop, { "idempotency-key": "has spaces in it" });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toEqual({
      code: "invalid_request",
      message: "Idempotency-Key must be 1 to 255 printable ASCII characters without spaces",
    });
  });

  it("keeps neither the key nor the answer's keys in readable form", async () => {
    const idempotencyKey = key();
    const created = (await (await create(newShop, { "idempotency-key": idempotencyKey })).json()) as Record<string, string>;
    await runInDurableObject(env.SHOP.getByName(PLATFORM_OBJECT), async (_shop, state) => {
      const rows = state.storage.sql.exec("SELECT key_hash, fingerprint, state, status, response FROM idempotency").toArray();
      expect(rows.filter((row) => row.state === "done" && row.status === 201).length).toBeGreaterThan(0);
      const text = JSON.stringify(rows.map((row) => ({ ...row, response: new TextDecoder().decode(row.response as ArrayBuffer) })));
      expect(text).not.toContain(idempotencyKey);
      expect(text).not.toContain(created.secretKey);
      expect(text).not.toContain(created.shopId);
    });
  });
});
