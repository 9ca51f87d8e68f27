/** Shop settings for the widget (GET/PATCH /v1/shop) and webhook delivery with retries. */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createShop, errorOf, send } from "../../test-support.ts";
import { retryDelay } from "../../shop/webhooks.ts";
import { register, widgetShop } from "./test-helpers.ts";

describe("GET/PATCH /v1/shop", () => {
  it("shows and changes name, origins and webhook URL; never a key", async () => {
    const shop = await createShop({ name: "Old", origins: ["https://a.example"] });
    const got = await send("GET", "/v1/shop", { token: shop.secretKey });
    expect(got.status).toBe(200);
    const body = (await got.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ shopId: shop.shopId, name: "Old", origins: ["https://a.example"], webhookUrl: null });
    expect(JSON.stringify(body)).not.toContain(shop.secretKey.slice(-32));

    const patched = await send("PATCH", "/v1/shop", {
      token: shop.secretKey,
      body: { name: "New", origins: ["https://B.example:443/"], webhookUrl: "https://b.example/hooks" },
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ name: "New", origins: ["https://b.example"], webhookUrl: "https://b.example/hooks" });
    const cleared = await send("PATCH", "/v1/shop", { token: shop.secretKey, body: { webhookUrl: null } });
    expect(await cleared.json()).toMatchObject({ name: "New", webhookUrl: null });
  });

  it("refuses bad settings with the field named, changing nothing", async () => {
    const shop = await createShop({ name: "Shop", origins: ["https://a.example"] });
    for (const [body, path] of [
      [{ webhookUrl: "http://b.example/hooks" }, "webhookUrl"],
      [{ webhookUrl: "ftp://b.example" }, "webhookUrl"],
      [{ webhookUrl: "https://user:pass@b.example" }, "webhookUrl"],
      [{ origins: ["https://a.example/path"] }, "origins[0]"],
      [{ origins: "https://a.example" }, "origins"],
      [{ name: "" }, "name"],
      [{ colour: "red" }, "colour"],
    ] as const) {
      const response = await send("PATCH", "/v1/shop", { token: shop.secretKey, body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect((await errorOf(response)).path, JSON.stringify(body)).toBe(path);
    }
    expect(await (await send("GET", "/v1/shop", { token: shop.secretKey })).json()).toMatchObject({ name: "Shop", origins: ["https://a.example"], webhookUrl: null });
  });

  it("refuses webhook URLs on this machine or a private network outside local development", async () => {
    const shop = await createShop({ name: "Shop", origins: ["https://a.example"] });
    for (const webhookUrl of [
      "http://localhost:9000/h", "http://127.0.0.1/h", "https://127.8.9.10/h", "http://[::1]/h", "https://10.1.2.3/h",
      "https://172.16.0.1/h", "https://172.31.255.255/h", "https://192.168.1.1/h", "https://169.254.169.254/latest/meta-data",
      "https://100.64.0.1/h", "https://0.0.0.0/h", "https://[fd00::1]/h", "https://[fe80::1]/h", "https://[::ffff:127.0.0.1]/h",
      "https://printer.local/h", "https://db.internal/h", "https://intranet/h",
    ]) {
      const response = await send("PATCH", "/v1/shop", { token: shop.secretKey, body: { webhookUrl } });
      expect(response.status, webhookUrl).toBe(400);
      expect((await errorOf(response)).path, webhookUrl).toBe("webhookUrl");
    }
    for (const webhookUrl of ["https://hooks.example/k", "https://172.32.0.1/h", "https://8.8.8.8/h", "https://[2001:db8::1]/h"]) {
      expect((await send("PATCH", "/v1/shop", { token: shop.secretKey, body: { webhookUrl } })).status, webhookUrl).toBe(200);
    }
  });

  it("needs the secret key, and only shows the key's own shop", async () => {
    const shop = await createShop();
    expect((await send("GET", "/v1/shop", { token: shop.publishableKey })).status).toBe(401);
    expect((await send("PATCH", "/v1/shop", { body: { name: "x" } })).status).toBe(401);
    const other = await createShop({ name: "Other", origins: [] });
    expect(await (await send("GET", "/v1/shop", { token: other.secretKey })).json()).toMatchObject({ shopId: other.shopId, name: "Other" });
  });
});

describe("webhook delivery", () => {
  it("keeps an event whose delivery failed and retries it with back-off", async () => {
    const shop = await widgetShop({ currency: "RUB", timezone: "Europe/Moscow", points: { value: 100 }, earn: { rateBps: 1000 }, redeem: { maxShareBps: 3000 }, bonuses: { welcome: { points: 100, verify: "phone" } } });
    const patch = await send("PATCH", "/v1/shop", { token: shop.secretKey, body: { webhookUrl: "https://hooks.test/failing?fail=1" } });
    expect(patch.status).toBe(200);
    await register(shop);
    const stub = env.SHOP.getByName(shop.shopId);
    let row: { attempts: number; next_at: number; last_error: string | null } | undefined;
    for (let i = 0; i < 500 && !(row && row.attempts > 0); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      row = await runInDurableObject(stub, async (_s, state) =>
        state.storage.sql.exec<{ attempts: number; next_at: number; last_error: string | null }>("SELECT attempts, next_at, last_error FROM outbox").toArray()[0]);
    }
    expect(row).toMatchObject({ attempts: 1, last_error: "HTTP 500" });
    expect(retryDelay(0)).toBe(5_000);
    expect(retryDelay(1)).toBe(10_000);
    expect(retryDelay(20)).toBe(600_000);
  });
});
