import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { openEndpointSecret, sealSecretsOf } from "../../lib/tokens.ts";
import { shopObject } from "../../shop/shop.ts";
import { createShop, errorOf, send, type TestShop } from "../../test-support.ts";

interface Endpoint {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  status: string;
  disabledReason: string | null;
  secret?: string;
}

async function create(shop: TestShop, body: unknown, headers?: Record<string, string>): Promise<Endpoint> {
  const response = await send("POST", "/v1/webhooks/endpoints", { token: shop.secretKey, body, headers });
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as Endpoint;
}

async function list(shop: TestShop): Promise<Endpoint[]> {
  const response = await send("GET", "/v1/webhooks/endpoints", { token: shop.secretKey });
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: Endpoint[] }).items;
}

const hook = { url: "https://hooks.test/crud", events: ["points.earned", "order.placed"] };

describe("webhook endpoints", () => {
  it("are created with a fresh secret shown once, listed, read, changed and deleted", async () => {
    const shop = await createShop();
    const created = await create(shop, { ...hook, description: "CRM" });
    expect(created).toMatchObject({ url: hook.url, events: hook.events, description: "CRM", status: "enabled", disabledReason: null });
    expect(created.id).toMatch(/^we_[A-Za-z0-9]{20}$/);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9]{32}$/);
    expect(created.secret).not.toContain(shop.secretKey);

    // The secret is stored sealed, never in the clear, and opens to the one shown.
    await runInDurableObject(shopObject(env, shop.shopId), (_shop, state) => {
      const rows = state.storage.sql.exec<{ secret_sealed: string }>("SELECT secret_sealed FROM webhook_endpoints").toArray();
      expect(rows).toHaveLength(1);
      expect(rows[0]!.secret_sealed).not.toContain(created.secret!);
    });
    const sealed = await runInDurableObject(shopObject(env, shop.shopId), (_shop, state) =>
      state.storage.sql.exec<{ secret_sealed: string }>("SELECT secret_sealed FROM webhook_endpoints").one().secret_sealed);
    expect(await openEndpointSecret(sealSecretsOf(env), shop.shopId, created.id, sealed)).toBe(created.secret);

    const listed = await list(shop);
    expect(listed).toHaveLength(1);
    expect(listed[0]).not.toHaveProperty("secret");
    const read = await send("GET", `/v1/webhooks/endpoints/${created.id}`, { token: shop.secretKey });
    expect(read.status).toBe(200);
    expect(await read.json()).not.toHaveProperty("secret");

    const patched = await send("PATCH", `/v1/webhooks/endpoints/${created.id}`, { token: shop.secretKey, body: { events: ["*"], description: null } });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ url: hook.url, events: ["*"], description: null });

    const rotated = await send("POST", `/v1/webhooks/endpoints/${created.id}/rotate-secret`, { token: shop.secretKey });
    expect(rotated.status).toBe(200);
    const secret = ((await rotated.json()) as Endpoint).secret;
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(created.secret);

    const deleted = await send("DELETE", `/v1/webhooks/endpoints/${created.id}`, { token: shop.secretKey });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ id: created.id, deleted: true });
    expect(await list(shop)).toEqual([]);
    expect((await send("GET", `/v1/webhooks/endpoints/${created.id}`, { token: shop.secretKey })).status).toBe(404);
    expect((await send("DELETE", `/v1/webhooks/endpoints/${created.id}`, { token: shop.secretKey })).status).toBe(404);
  });

  it("refuse bad input with 400 naming the field, changing nothing", async () => {
    const shop = await createShop();
    const cases: [unknown, string][] = [
      [{ ...hook, events: ["points.earned", "points.earnt"] }, "events[1]"],
      [{ ...hook, events: [] }, "events"],
      [{ ...hook, events: "points.earned" }, "events"],
      [{ url: "http://shop.example/hook", events: ["*"] }, "url"],
      [{ url: "not a url", events: ["*"] }, "url"],
      [{ url: "https://user:pw@shop.example/hook", events: ["*"] }, "url"],
      [{ url: "https://10.0.0.7/hook", events: ["*"] }, "url"],
      [{ url: "https://router.lan/hook", events: ["*"] }, "url"],
      [{ events: ["*"] }, "url"],
      [{ ...hook, secret: "whsec_mine" }, "secret"],
      [{ ...hook, description: "x".repeat(501) }, "description"],
    ];
    for (const [body, path] of cases) {
      const response = await send("POST", "/v1/webhooks/endpoints", { token: shop.secretKey, body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      const error = await errorOf(response);
      expect(error.code).toBe("invalid_request");
      expect(error.path, JSON.stringify(body)).toBe(path);
    }
    expect(await list(shop)).toEqual([]);

    const endpoint = await create(shop, hook);
    for (const [body, path] of [[{ events: ["nope"] }, "events[0]"], [{ url: "https://127.0.0.1/x" }, "url"], [{ enabled: "yes" }, "enabled"]] as const) {
      const response = await send("PATCH", `/v1/webhooks/endpoints/${endpoint.id}`, { token: shop.secretKey, body });
      expect(response.status).toBe(400);
      expect((await errorOf(response)).path).toBe(path);
    }
    expect((await list(shop))[0]).toMatchObject({ url: hook.url, events: hook.events, status: "enabled" });
  });

  it("are at most 16 per shop", async () => {
    const shop = await createShop();
    for (let i = 0; i < 16; i++) await create(shop, { url: `https://hooks.test/many-${i}`, events: ["*"] });
    const response = await send("POST", "/v1/webhooks/endpoints", { token: shop.secretKey, body: hook });
    expect(response.status).toBe(422);
    expect((await errorOf(response)).code).toBe("invalid_state");
    expect(await list(shop)).toHaveLength(16);
  });

  it("belong to their shop: another shop neither sees nor changes them", async () => {
    const mine = await createShop();
    const theirs = await createShop();
    const endpoint = await create(mine, hook);
    expect(await list(theirs)).toEqual([]);
    for (const [method, path, body] of [
      ["GET", `/v1/webhooks/endpoints/${endpoint.id}`, undefined],
      ["PATCH", `/v1/webhooks/endpoints/${endpoint.id}`, { url: "https://hooks.test/stolen" }],
      ["POST", `/v1/webhooks/endpoints/${endpoint.id}/rotate-secret`, undefined],
      ["DELETE", `/v1/webhooks/endpoints/${endpoint.id}`, undefined],
    ] as const) {
      const response = await send(method, path, { token: theirs.secretKey, body });
      expect(response.status, `${method} ${path}`).toBe(404);
    }
    expect(await list(mine)).toMatchObject([{ id: endpoint.id, url: hook.url }]);
    expect((await send("GET", "/v1/webhooks/endpoints", {})).status).toBe(401);
  });

  it("honour Idempotency-Key on creation: a retry answers the same endpoint and secret", async () => {
    const shop = await createShop();
    const headers = { "idempotency-key": "create-hook-1" };
    const first = await create(shop, hook, headers);
    const again = await send("POST", "/v1/webhooks/endpoints", { token: shop.secretKey, body: hook, headers });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual(first);
    expect(await list(shop)).toHaveLength(1);
  });
});
