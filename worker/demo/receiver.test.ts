/**
 * The demo's webhook endpoint and receiver (`npm start`): the seed subscribes the demo receiver to every event with
 * the secret of .dev.vars, deliveries to it verify, and the receiver logs one line per delivery and refuses what
 * does not verify.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { signatureHeader } from "../shop/webhooks.ts";
import { verifyWebhook } from "../../sdk/src/signing.ts";
import { call, createShop, send, webhooksOf } from "../test-support.ts";
import { DEMO_ENDPOINT_ID, seedDemoEndpoint } from "./seed.ts";

afterEach(() => vi.restoreAllMocks());

const event = {
  id: "evt_demo1", type: "points.earned", version: 1, shopId: "demo", customerId: "c-42", createdAt: "2026-12-02T12:00:00.000Z",
  data: { points: 120, source: "order", orderId: "o-1", reason: null, availableAt: "2026-12-02T12:00:00.000Z", expiresAt: null, balance: 620 },
};

function post(body: string, signature: string) {
  return call("/demo/webhooks", { method: "POST", headers: { "content-type": "application/json", "kopilka-signature": signature }, body });
}

describe("the demo receiver", () => {
  it("verifies a delivery with DEMO_WEBHOOK_SECRET and logs one line; refuses a wrong signature", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const body = JSON.stringify(event);
    const t = Math.floor(Date.now() / 1000);
    expect((await post(body, await signatureHeader(env.DEMO_WEBHOOK_SECRET, t, body))).status).toBe(204);
    expect(log).toHaveBeenCalledWith("[demo receiver] ✓ signature verified · points.earned evt_demo1 customer c-42");
    expect((await post(body, await signatureHeader("whsec_wrong", t, body))).status).toBe(400);
    expect((await post(body, await signatureHeader(env.DEMO_WEBHOOK_SECRET, t - 600, body))).status).toBe(400);
    expect(log).toHaveBeenLastCalledWith(expect.stringMatching(/^\[demo receiver\] ✗ signature refused/));
  });

  it("the seed subscribes it to every event with the known secret, once; its deliveries verify with that secret", async () => {
    const shop = await createShop();
    const box = `/${crypto.randomUUID()}`;
    const demoEnv = { ...env, DEMO_SHOP_ID: shop.shopId, DEMO_WEBHOOK_URL: `https://hooks.test${box}` };
    await seedDemoEndpoint(demoEnv);
    await seedDemoEndpoint(demoEnv);
    const listed = (await (await send("GET", "/v1/webhooks/endpoints", { token: shop.secretKey })).json()) as { items: { id: string; events: string[]; url: string }[] };
    expect(listed.items).toEqual([expect.objectContaining({ id: DEMO_ENDPOINT_ID, events: ["*"], url: `https://hooks.test${box}` })]);

    expect((await send("PUT", "/v1/customers/c-42", { token: shop.secretKey, body: {} })).status).toBe(201);
    let got: Awaited<ReturnType<typeof webhooksOf>> = [];
    for (let i = 0; i < 150 && got.length === 0; i++) {
      got = await webhooksOf(box);
      if (got.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(got.length).toBeGreaterThan(0);
    expect(await verifyWebhook(env.DEMO_WEBHOOK_SECRET, got[0]!.headers["kopilka-signature"], got[0]!.body)).toMatchObject({ type: "customer.created", customerId: "c-42" });
  });
});
