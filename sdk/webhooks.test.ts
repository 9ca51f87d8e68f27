/**
 * Webhook endpoints' deliveries on the receiving side: what the Worker sends (signed as worker/stream/webhooks.ts
 * signs, with the endpoint's secret) verifies with the SDK and with the dependency-free snippet of docs/events.md,
 * and fails with a wrong secret, a changed body or an old timestamp; the receiver example handles each event once.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { signatureHeader } from "../worker/shop/webhooks.ts";
import { verifyWebhook, WebhookSignatureError, type KopilkaEvent } from "./src/index.ts";
import { webhookReceiver } from "./examples/webhook-receiver.ts";
import { verifyKopilkaSignature } from "./examples/verify-without-sdk.ts";

const secret = "whsec_4fJx0aQ9LmZp2sTbV8cD1eRgHk3nW5yU";
const event = {
  id: "evt_01JF8ZK3Q2", type: "points.earned", version: 1, shopId: "q3Jk9XbV2mPzL0aT", customerId: "c-42", createdAt: "2026-12-02T12:00:00.000Z",
  data: { points: 120, source: "order", orderId: "o-1", reason: null, availableAt: "2026-12-02T12:00:00.000Z", expiresAt: null, balance: 620 },
} satisfies KopilkaEvent;
const body = JSON.stringify(event);
const now = new Date("2026-12-02T12:00:00Z");
const t = Math.floor(now.getTime() / 1000);

afterEach(() => vi.useRealTimers());

function delivery(header: string, payload = body): Request {
  return new Request("https://shop.example/hooks/kopilka", { method: "POST", headers: { "content-type": "application/json", "kopilka-signature": header }, body: payload });
}

describe("an endpoint's deliveries", () => {
  it("verify with the endpoint's secret (SDK), answering the event", async () => {
    const header = await signatureHeader(secret, t, body);
    expect(await verifyWebhook<KopilkaEvent>(secret, header, body, { now })).toEqual(event);
    expect(await verifyWebhook(["whsec_new", secret], header, body, { now })).toMatchObject({ id: event.id });
  });

  it("fail with a wrong secret, a changed body, and a timestamp beyond 5 minutes either way", async () => {
    const header = await signatureHeader(secret, t, body);
    await expect(verifyWebhook("whsec_wrong", header, body, { now })).rejects.toThrow("no signature matches");
    await expect(verifyWebhook(secret, header, body.replace("620", "621"), { now })).rejects.toThrow(WebhookSignatureError);
    expect(await verifyWebhook(secret, header, body, { now: new Date(now.getTime() + 300_000) })).toMatchObject({ id: event.id });
    await expect(verifyWebhook(secret, header, body, { now: new Date(now.getTime() + 301_000) })).rejects.toThrow("tolerance");
    await expect(verifyWebhook(secret, header, body, { now: new Date(now.getTime() - 301_000) })).rejects.toThrow("tolerance");
  });

  it("verify with the dependency-free snippet of docs/events.md, which refuses the same", async () => {
    vi.useFakeTimers({ now, toFake: ["Date"] });
    const header = await signatureHeader(secret, t, body);
    expect(await verifyKopilkaSignature(secret, header, body)).toBe(true);
    expect(await verifyKopilkaSignature("whsec_wrong", header, body)).toBe(false);
    expect(await verifyKopilkaSignature(secret, header, body.replace("620", "621"))).toBe(false);
    expect(await verifyKopilkaSignature(secret, null, body)).toBe(false);
    expect(await verifyKopilkaSignature(secret, `t=${t},v1=zz`, body)).toBe(false);
    vi.setSystemTime(now.getTime() + 301_000);
    expect(await verifyKopilkaSignature(secret, header, body)).toBe(false);
    // The docs show this very function.
    const docs = readFileSync(new URL("../docs/events.md", import.meta.url), "utf8");
    const snippet = readFileSync(new URL("./examples/verify-without-sdk.ts", import.meta.url), "utf8");
    expect(docs).toContain(snippet.slice(snippet.indexOf("export async function")).trim());
  });

  it("the receiver example handles each event id once and refuses what does not verify", async () => {
    vi.useFakeTimers({ now, toFake: ["Date"] });
    const handled: string[] = [];
    const receive = webhookReceiver({ secret, handle: async (e) => void handled.push(e.id) });
    const header = await signatureHeader(secret, t, body);
    expect((await receive(delivery(header))).status).toBe(204);
    expect((await receive(delivery(header))).status).toBe(204); // a retry: answered, not handled again
    expect(handled).toEqual([event.id]);
    expect((await receive(delivery(await signatureHeader("whsec_wrong", t, body)))).status).toBe(400);
    expect((await receive(delivery(header, body.replace("620", "9999")))).status).toBe(400);
    expect(handled).toEqual([event.id]);
  });
});
