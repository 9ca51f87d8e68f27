/**
 * The SDK against the real Worker under `wrangler dev` (the local entry, throwaway state): the README's checkout
 * through the typed client, its errors, a customer token the widget routes accept, webhook signatures as the
 * Worker makes them, events and webhook endpoints, and the checkout example app end to end.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { platformToken, startWorker, type RunningWorker } from "../tools/bench/server.ts";
import { signatureHeader } from "../worker/shop/webhooks.ts";
import { createKopilka, KopilkaError, signCustomerToken, verifyWebhook, WebhookSignatureError, type Program, type Receipt } from "./src/index.ts";
import { checkoutApp } from "./examples/checkout.ts";

const root = fileURLToPath(new URL("../", import.meta.url));
const demoProgram = JSON.parse(readFileSync(`${root}worker/demo/program.json`, "utf8")) as Program;

// The README's quote body, typed by the generated client: fields with defaults (categories, tags, codes) may be left out.
const readmeCart = {
  customerId: "c-42",
  store: "web",
  redeemPoints: "max",
  lines: [
    { id: "1", sku: "coffee-beans", categories: ["coffee"], price: 89000, qty: 2 },
    { id: "2", sku: "mug", price: 45000, qty: 1 },
  ],
} satisfies Receipt;

let worker: RunningWorker;
let shop: { shopId: string; secretKey: string; publishableKey: string };

beforeAll(async () => {
  worker = await startWorker(root, () => {});
  const response = await fetch(`${worker.base}/v1/shops`, {
    method: "POST",
    headers: { authorization: `Bearer ${platformToken(root)}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "SDK shop" }), // no origins: a shop that only uses the server API
  });
  expect(response.status).toBe(201);
  shop = (await response.json()) as typeof shop;
}, 120_000);

afterAll(async () => {
  await worker?.stop();
});

describe("the typed client", () => {
  it("publishes the demo program and runs the README's checkout with the README's numbers", async () => {
    const kopilka = createKopilka({ baseUrl: worker.base, secretKey: shop.secretKey });
    expect((await kopilka.publishProgram(demoProgram)).version).toBe(1);
    const created = await kopilka.upsertCustomer("c-42", { name: "Анна", phone: "+79991234567" });
    expect(created.welcomePoints).toBe(500);
    const quote = await kopilka.quote(readmeCart);
    expect(quote).toMatchObject({ subtotal: 223000, pointsSpent: 500, pointsSpentAmount: 50000, total: 173000, pointsEarned: 173 });
    const order = await kopilka.placeOrder({ ...readmeCart, orderId: "o-1001", quoteId: quote.quoteId });
    expect(order.status).toBe("pending");
    expect((await kopilka.confirmOrder("o-1001")).status).toBe("confirmed");
    const back = await kopilka.returnLines("o-1001", { returnId: "r-1", lines: [{ id: "1", qty: 1 }] });
    expect(back).toMatchObject({ pointsTakenBack: 69, pointsGivenBack: 199, amount: 69045, balance: 303 });
    expect((await kopilka.getCustomer("c-42")).balance).toBe(303);
  });

  it("throws the API's refusals as KopilkaError with code, status, field and request id", async () => {
    const kopilka = createKopilka({ baseUrl: worker.base, secretKey: shop.secretKey });
    const refused = await kopilka.adjustPoints("c-42", { id: "too-much", points: -1_000_000 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(KopilkaError);
    expect(refused).toMatchObject({ status: 422, code: "insufficient_points", path: "points" });
    expect((refused as KopilkaError).requestId).toMatch(/^req_/);
    const wrongKey = createKopilka({ baseUrl: worker.base, secretKey: `${shop.secretKey}x` });
    await expect(wrongKey.getCustomer("c-42")).rejects.toMatchObject({ status: 401, code: "unauthorized" });
  });

  it("signs customer tokens the widget routes accept", async () => {
    const token = await signCustomerToken(shop.secretKey, "c-42");
    const me = await fetch(`${worker.base}/v1/public/me`, { headers: { "x-publishable-key": shop.publishableKey, authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { balance: number }).balance).toBe(303);
    const expired = await signCustomerToken(shop.secretKey, "c-42", { expiresInSeconds: -10 });
    const refused = await fetch(`${worker.base}/v1/public/me`, { headers: { "x-publishable-key": shop.publishableKey, authorization: `Bearer ${expired}` } });
    expect(refused.status).toBe(401);
  });
});

describe("events and webhook endpoints through the client", () => {
  it("subscribes an endpoint that gets the customer's events signed, and reads them and the day's figures back", async () => {
    const kopilka = createKopilka({ baseUrl: worker.base, secretKey: shop.secretKey });
    // The shop's receiver: a plain HTTP server here (a local address: the test Worker allows private webhooks).
    const deliveries: { signature: string | undefined; body: string }[] = [];
    const server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      request.on("end", () => {
        deliveries.push({ signature: request.headers["kopilka-signature"] as string | undefined, body });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const endpoint = await kopilka.createWebhookEndpoint({ url: `http://127.0.0.1:${port}/hooks`, events: ["points.adjusted"] });
      expect(endpoint.secret).toMatch(/^whsec_/);
      expect((await kopilka.listWebhookEndpoints()).items.map((e) => e.id)).toContain(endpoint.id);

      await kopilka.adjustPoints("c-42", { id: "sdk-goodwill", points: 77, reason: "SDK test" });
      for (let i = 0; i < 150 && deliveries.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(deliveries).toHaveLength(1);
      const event = await verifyWebhook<{ id: string; type: string; data: { adjustmentId: string; points: number } }>(
        endpoint.secret, deliveries[0]!.signature ?? null, deliveries[0]!.body);
      expect(event).toMatchObject({ type: "points.adjusted", data: { adjustmentId: "sdk-goodwill", points: 77 } });
      await expect(verifyWebhook("whsec_someone_else", deliveries[0]!.signature ?? null, deliveries[0]!.body)).rejects.toThrow(WebhookSignatureError);

      const page = await kopilka.listEvents({ types: ["points.adjusted"], customerId: "c-42" });
      expect(page.items.map((e) => e.id)).toEqual([event.id]);
      expect((await kopilka.getEvent(event.id)).type).toBe("points.adjusted");
      const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
      expect((await kopilka.dailyStats(day(-1), day(1))).totals).toMatchObject({ pointsAdjusted: 77 });
      expect(await kopilka.redeliverEvent(event.id, endpoint.id)).toMatchObject({ eventId: event.id, endpointIds: [endpoint.id] });
      for (let i = 0; i < 150 && deliveries.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
      expect(JSON.parse(deliveries[1]!.body)).toMatchObject({ id: event.id });
    } finally {
      server.close();
    }
  }, 60_000);
});

describe("webhook signatures", () => {
  const body = JSON.stringify({ type: "verification.code", shopId: "s", customerId: "c-42", channel: "phone", code: "482913" });
  const now = new Date("2026-12-02T12:00:00Z");
  const t = Math.floor(now.getTime() / 1000);

  it("accepts what the Worker signs, and answers the event", async () => {
    const header = await signatureHeader("sk_test", t, body);
    expect(await verifyWebhook("sk_test", header, body, { now })).toEqual(JSON.parse(body));
    // During a key rotation: the new key or the old one.
    expect(await verifyWebhook(["sk_new", "sk_test"], header, body, { now })).toMatchObject({ code: "482913" });
  });

  it("refuses another key, a changed body, an old timestamp and a malformed header", async () => {
    const header = await signatureHeader("sk_test", t, body);
    await expect(verifyWebhook("sk_other", header, body, { now })).rejects.toThrow(WebhookSignatureError);
    await expect(verifyWebhook("sk_test", header, body.replace("482913", "000000"), { now })).rejects.toThrow("no signature matches");
    await expect(verifyWebhook("sk_test", header, body, { now: new Date(now.getTime() + 301_000) })).rejects.toThrow("tolerance");
    for (const bad of [null, "", "v1=abc", "t=x,v1=abc", `t=${t}`]) {
      await expect(verifyWebhook("sk_test", bad, body, { now })).rejects.toThrow(WebhookSignatureError);
    }
  });
});

describe("the checkout example", () => {
  it("quotes, places with the shown quote and confirms on payment, through the shop's own routes", async () => {
    const app = checkoutApp({ baseUrl: worker.base, secretKey: shop.secretKey });
    const headers = { "content-type": "application/json", "x-customer-id": "c-7" };
    await createKopilka({ baseUrl: worker.base, secretKey: shop.secretKey }).upsertCustomer("c-7", { name: "Олег" });
    const cart = { lines: [{ id: "1", sku: "mug", price: 45000, qty: 2 }] };
    const quote = (await (await app.request("/checkout/quote", { method: "POST", headers, body: JSON.stringify(cart) })).json()) as { quoteId: string; total: number; pointsEarned: number };
    const placed = await app.request("/checkout/place", { method: "POST", headers, body: JSON.stringify({ ...cart, orderId: "ex-1", quoteId: quote.quoteId }) });
    expect(placed.status).toBe(201);
    const paid = (await (await app.request("/payments/ex-1", { method: "POST" })).json()) as { status: string; evaluation: { total: number } };
    expect(paid).toMatchObject({ status: "confirmed", evaluation: { total: quote.total } });
    const token = (await (await app.request("/loyalty/token", { headers })).json()) as { token: string };
    const me = await fetch(`${worker.base}/v1/public/me`, { headers: { "x-publishable-key": shop.publishableKey, authorization: `Bearer ${token.token}` } });
    expect(((await me.json()) as { balance: number }).balance).toBe(500 + quote.pointsEarned);
    // A webhook with a forged signature is refused; a signed one reaches sendCode.
    const event = JSON.stringify({ type: "verification.code", shopId: shop.shopId, customerId: "c-7", channel: "phone", code: "123456" });
    expect((await app.request("/hooks/kopilka", { method: "POST", headers: { "kopilka-signature": "t=1,v1=00" }, body: event })).status).toBe(400);
    const sent: string[] = [];
    const receiving = checkoutApp({ baseUrl: worker.base, secretKey: shop.secretKey, sendCode: async (e) => void sent.push(e.code) });
    const signature = await signatureHeader(shop.secretKey, Math.floor(Date.now() / 1000), event);
    expect((await receiving.request("/hooks/kopilka", { method: "POST", headers: { "kopilka-signature": signature }, body: event })).status).toBe(204);
    expect(sent).toEqual(["123456"]);
  });
});
