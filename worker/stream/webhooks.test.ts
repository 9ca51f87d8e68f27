import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import worker from "../demo/local.ts";
import { verifyWebhook, WebhookSignatureError } from "../../sdk/src/signing.ts";
import { resetClock, setClock } from "../lib/clock.ts";
import type { KopilkaEvent } from "../lib/events.ts";
import { createShop, send, webhooksOf, type TestShop } from "../test-support.ts";
import { checkWebhookConformance } from "../test-conformance.ts";
import { recordEvents } from "./analytics.ts";
import { freshPhone, lastCode, register, WIDGET_PROGRAM, widgetShop } from "../http/public/test-helpers.ts";
import { batchesOf, ENDPOINTS_TTL_MS, fanOut, RETRY_SCHEDULE_SECONDS, RETRY_WINDOW_MS, type Delivery } from "./webhooks.ts";

afterEach(() => resetClock());

const DAY = 24 * 60 * 60 * 1000;

interface Endpoint {
  id: string;
  secret: string;
  status: string;
  disabledReason: string | null;
  disabledAt: string | null;
  lastFailureAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
}

async function endpoint(shop: TestShop, url: string, events: string[]): Promise<Endpoint> {
  const response = await send("POST", "/v1/webhooks/endpoints", { token: shop.secretKey, body: { url, events } });
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as Endpoint;
}

async function read(shop: TestShop, id: string): Promise<Endpoint> {
  const response = await send("GET", `/v1/webhooks/endpoints/${id}`, { token: shop.secretKey });
  expect(response.status).toBe(200);
  return (await response.json()) as Endpoint;
}

/** What the box received, once it received at least `count` requests (deliveries go through two queues). */
async function received(box: string, count = 1, timeoutMs = 15_000): Promise<{ headers: Record<string, string>; body: string }[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const got = await webhooksOf(box);
    if (got.length >= count || Date.now() > until) return got;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const box = () => `/${crypto.randomUUID()}`;

function event(shop: TestShop, extra: Partial<KopilkaEvent> = {}): KopilkaEvent {
  return {
    id: `evt_${crypto.randomUUID().replaceAll("-", "")}`, type: "points.adjusted", version: 1, shopId: shop.shopId, customerId: "c-42",
    createdAt: new Date().toISOString(), data: { adjustmentId: "a1", points: 10, reason: null, balance: 10 }, ...extra,
  } as KopilkaEvent;
}

/** Runs the real queue handler on one DELIVERIES message (the plugin's batch); whether it was acked. */
async function deliverOnce(delivery: Delivery, attempts: number) {
  const batch = createMessageBatch<Delivery>("kopilka-deliveries", [{ id: `m${attempts}`, timestamp: new Date(), attempts, body: delivery }]);
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch<unknown>, env);
  const result = await getQueueResult(batch, ctx);
  return { acked: result.explicitAcks.includes(`m${attempts}`), retried: result.retryMessages.some((m) => m.msgId === `m${attempts}`) };
}

/**
 * The same, with a message that also records the retry's delay (the plugin's QueueResult does not keep
 * `delaySeconds`): the queue handler and everything behind it are the real ones.
 */
async function attempt(delivery: Delivery, attempts: number): Promise<{ acked: boolean; delaySeconds?: number }> {
  const seen: { acked: boolean; delaySeconds?: number } = { acked: false };
  const message = {
    id: `m${attempts}`, timestamp: new Date(), attempts, body: delivery,
    ack: () => (seen.acked = true),
    retry: (options?: QueueRetryOptions) => (seen.delaySeconds = options?.delaySeconds ?? 0),
  };
  const batch = { queue: "kopilka-deliveries", messages: [message], ackAll: () => {}, retryAll: () => {} };
  await worker.queue(batch as unknown as MessageBatch<unknown>, env);
  return seen;
}

describe("webhook deliveries", () => {
  it("an event reaches the subscribed endpoint signed with its secret, and not the unsubscribed one", async () => {
    const shop = await createShop();
    const [yes, no] = [box(), box()];
    const subscribed = await endpoint(shop, `https://hooks.test${yes}`, ["customer.created"]);
    await endpoint(shop, `https://hooks.test${no}`, ["order.placed"]);
    const put = await send("PUT", "/v1/customers/c-42", { token: shop.secretKey, body: {} });
    expect(put.status).toBe(201);

    const [delivery] = await received(yes);
    expect(delivery, "the subscribed endpoint got the event").toBeDefined();
    const body = JSON.parse(delivery!.body) as KopilkaEvent<"customer.created">;
    expect(body).toMatchObject({ type: "customer.created", version: 1, shopId: shop.shopId, customerId: "c-42" });
    expect(body.id).toMatch(/^evt_/);
    checkWebhookConformance("customer.created", body); // the body is what the OpenAPI document's webhooks section says
    expect(() => checkWebhookConformance("customer.created", { ...body, data: { referralCode: 7 } })).toThrow();
    expect(delivery!.headers["kopilka-event"]).toBe("customer.created");
    expect(delivery!.headers["kopilka-event-id"]).toBe(body.id);
    expect(delivery!.headers["content-type"]).toBe("application/json");
    // The documented check (sdk verifyWebhook): the endpoint's secret verifies it; the shop's key, another secret or an old timestamp do not.
    const signature = delivery!.headers["kopilka-signature"];
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(await verifyWebhook(subscribed.secret, signature, delivery!.body)).toEqual(body);
    await expect(verifyWebhook(shop.secretKey, signature, delivery!.body)).rejects.toThrow(WebhookSignatureError);
    await expect(verifyWebhook("whsec_not-the-one", signature, delivery!.body)).rejects.toThrow("no signature matches");
    await expect(verifyWebhook(subscribed.secret, signature, delivery!.body.replace("c-42", "c-43"))).rejects.toThrow("no signature matches");
    await expect(verifyWebhook(subscribed.secret, signature, delivery!.body, { now: new Date(Date.now() + 6 * 60_000) }))
      .rejects.toThrow("outside the tolerance");

    await new Promise((r) => setTimeout(r, 1500)); // the same batch fanned out to both: nothing more is coming
    expect(await webhooksOf(no)).toEqual([]);
    expect(await webhooksOf(yes)).toHaveLength(1);
  });

  it("verification codes still reach the shop's webhookUrl, and an endpoint subscribed to verification.code gets them as events too", async () => {
    // A program whose welcome bonus waits for the phone to be verified: joining sends a code.
    const shop = await widgetShop({ ...WIDGET_PROGRAM, bonuses: { welcome: { points: 500, verify: "phone" } } });
    const codes = box();
    await endpoint(shop, `https://hooks.test${codes}`, ["verification.code"]);
    const phone = freshPhone();
    const registered = await register(shop, { phone });
    const code = await lastCode(shop, registered.customer.id); // the webhookUrl contract, signed with the secret key
    const [delivery] = await received(codes);
    expect(delivery, "the endpoint got the code").toBeDefined();
    const event = JSON.parse(delivery!.body) as KopilkaEvent<"verification.code">;
    expect(event).toMatchObject({ type: "verification.code", customerId: registered.customer.id, data: { channel: "phone", code, to: phone } });
    checkWebhookConformance("verification.code", event);
  });

  it("a failing endpoint is retried by the schedule, and 3 days on it is disabled with its reason; re-enabled, it receives again", async () => {
    const shop = await createShop();
    const target = box();
    const failing = await endpoint(shop, `https://hooks.test${target}?fail=1`, ["*"]);
    const t0 = Date.UTC(2026, 11, 2, 12);
    setClock(t0);
    const delivery: Delivery = { eventId: "evt_retry1", endpointId: failing.id, shopId: shop.shopId, event: event(shop, { id: "evt_retry1" }), firstAttemptAt: t0 };

    let at = t0;
    const delays: number[] = [];
    // The first attempt through the plugin's own batch: retried, not acked.
    expect(await deliverOnce(delivery, 1)).toEqual({ acked: false, retried: true });
    expect(await read(shop, failing.id)).toMatchObject({ status: "enabled", lastError: "HTTP 500", lastFailureAt: new Date(t0).toISOString(), disabledReason: null });
    for (let attempts = 1; ; attempts++) {
      setClock(at);
      const outcome = await attempt(delivery, attempts);
      if (outcome.acked) break;
      expect(outcome.delaySeconds, `attempt ${attempts} is retried`).toBeGreaterThan(0);
      delays.push(outcome.delaySeconds!);
      at += outcome.delaySeconds! * 1000;
      expect(attempts).toBeLessThan(40);
    }
    // 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h, then every 12 h until 3 days have passed.
    expect(delays.slice(0, RETRY_SCHEDULE_SECONDS.length)).toEqual([...RETRY_SCHEDULE_SECONDS]);
    expect(new Set(delays.slice(RETRY_SCHEDULE_SECONDS.length))).toEqual(new Set([43_200]));
    expect(at - t0).toBeGreaterThanOrEqual(RETRY_WINDOW_MS);
    expect(at - t0 - delays.at(-1)! * 1000).toBeLessThan(RETRY_WINDOW_MS); // the attempt before was still inside the window

    const disabled = await read(shop, failing.id);
    expect(disabled).toMatchObject({
      status: "disabled", disabledReason: "deliveries failed for 3 days: HTTP 500", disabledAt: new Date(at).toISOString(), lastError: "HTTP 500",
    });
    const listed = (await (await send("GET", "/v1/webhooks/endpoints", { token: shop.secretKey })).json()) as { items: Endpoint[] };
    expect(listed.items[0]!.disabledReason).toBe("deliveries failed for 3 days: HTTP 500");

    // Disabled: a delivery for it is dropped, and the events after it do not fan out to it.
    const working = box();
    const patchUrl = await send("PATCH", `/v1/webhooks/endpoints/${failing.id}`, { token: shop.secretKey, body: { url: `https://hooks.test${working}` } });
    expect(await patchUrl.json()).toMatchObject({ status: "disabled" });
    expect(await deliverOnce({ ...delivery, firstAttemptAt: at }, 1)).toEqual({ acked: true, retried: false });
    expect(await webhooksOf(working)).toEqual([]);

    const enabled = await send("PATCH", `/v1/webhooks/endpoints/${failing.id}`, { token: shop.secretKey, body: { enabled: true } });
    expect(enabled.status).toBe(200);
    expect(await enabled.json()).toMatchObject({ status: "enabled", disabledReason: null, disabledAt: null });
    setClock(at + 1000);
    expect(await deliverOnce({ ...delivery, firstAttemptAt: at + 1000 }, 1)).toMatchObject({ acked: true });
    const got = await webhooksOf(working);
    expect(got).toHaveLength(1);
    expect(await verifyWebhook(failing.secret, got[0]!.headers["kopilka-signature"], got[0]!.body, { now: new Date(at + 1000) })).toMatchObject({ id: "evt_retry1" });
    // The first success after failures is recorded.
    expect(await read(shop, failing.id)).toMatchObject({ lastSuccessAt: new Date(at + 1000).toISOString() });
  });

  it("a redirect and no answer within 10 s are failures, retried, with what went wrong on the endpoint", async () => {
    const shop = await createShop();
    const e = event(shop);
    const redirecting = await endpoint(shop, `https://hooks.test${box()}?redirect=1`, ["*"]);
    const at = Date.now();
    expect(await attempt({ eventId: e.id, endpointId: redirecting.id, shopId: shop.shopId, event: e, firstAttemptAt: at }, 1)).toEqual({ acked: false, delaySeconds: 30 });
    expect(await read(shop, redirecting.id)).toMatchObject({ status: "enabled", lastError: "HTTP 302" });

    const target = box();
    const slow = await endpoint(shop, `https://hooks.test${target}?slow=12000`, ["*"]);
    expect(await attempt({ eventId: e.id, endpointId: slow.id, shopId: shop.shopId, event: e, firstAttemptAt: at }, 2)).toEqual({ acked: false, delaySeconds: 120 });
    expect(await read(shop, slow.id)).toMatchObject({ status: "enabled", lastError: "no answer within 10 s" });
  });

  it("an isolate trusts what it read of a shop's endpoints for at most 30 s", async () => {
    const shop = await createShop();
    const target = box();
    const hook = await endpoint(shop, `https://hooks.test${target}`, ["points.adjusted"]);
    const t0 = Date.now();
    setClock(t0);
    const first = event(shop);
    await fanOut(env, [first]);
    expect(await received(target, 1)).toHaveLength(1);
    // Another isolate changes the endpoint (here: the Shop directly, so this isolate's memory is not forgotten).
    expect((await env.SHOP.getByName(shop.shopId).updateWebhookEndpoint(hook.id, { events: ["order.placed"] }, t0)).ok).toBe(true);
    setClock(t0 + ENDPOINTS_TTL_MS - 1000);
    await fanOut(env, [event(shop)]); // still what it read: fanned out
    expect(await received(target, 2)).toHaveLength(2);
    setClock(t0 + ENDPOINTS_TTL_MS + 1);
    await fanOut(env, [event(shop)]); // read again: no longer subscribed
    await new Promise((r) => setTimeout(r, 1500));
    expect(await webhooksOf(target)).toHaveLength(2);
  });

  it("a deleted endpoint's deliveries are dropped", async () => {
    const shop = await createShop();
    const target = box();
    const gone = await endpoint(shop, `https://hooks.test${target}`, ["*"]);
    expect((await send("DELETE", `/v1/webhooks/endpoints/${gone.id}`, { token: shop.secretKey })).status).toBe(200);
    const e = event(shop);
    expect(await deliverOnce({ eventId: e.id, endpointId: gone.id, shopId: shop.shopId, event: e, firstAttemptAt: Date.now() }, 1)).toMatchObject({ acked: true });
    expect(await webhooksOf(target)).toEqual([]);
  });

  it("re-delivers one event of the shop on request, to all its subscribed endpoints or to one", async () => {
    const shop = await createShop();
    const other = await createShop();
    const [a, b] = [box(), box()];
    const first = await endpoint(shop, `https://hooks.test${a}`, ["points.adjusted"]);
    await endpoint(shop, `https://hooks.test${b}`, ["*"]);
    await endpoint(shop, `https://hooks.test${box()}`, ["order.placed"]);
    const e = event(shop);
    // Kept by the analytics store as the events queue's consumer keeps it (without the fan-out: this is the re-delivery).
    await recordEvents(env, [e]);

    const all = await send("POST", `/v1/events/${e.id}/redeliver`, { token: shop.secretKey, body: {} });
    expect(all.status).toBe(202);
    expect(((await all.json()) as { endpointIds: string[] }).endpointIds).toHaveLength(2);
    for (const where of [a, b]) {
      const got = await received(where);
      expect(got).toHaveLength(1);
      expect(JSON.parse(got[0]!.body)).toEqual(e);
      expect(got[0]!.headers["kopilka-event-id"]).toBe(e.id);
    }

    const one = await send("POST", `/v1/events/${e.id}/redeliver`, { token: shop.secretKey, body: { endpointId: first.id } });
    expect(one.status).toBe(202);
    expect(await one.json()).toEqual({ eventId: e.id, endpointIds: [first.id] });
    expect(await received(a, 2)).toHaveLength(2);

    // No body at all is every subscribed endpoint too; a retry with the same Idempotency-Key queues nothing more.
    const headers = { "idempotency-key": "redeliver-1" };
    const bare = await send("POST", `/v1/events/${e.id}/redeliver`, { token: shop.secretKey, headers });
    expect(bare.status).toBe(202);
    const replay = await send("POST", `/v1/events/${e.id}/redeliver`, { token: shop.secretKey, headers });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.json()).toEqual(await bare.json());
    expect(await received(b, 2)).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await webhooksOf(b)).toHaveLength(2);

    // Another shop cannot re-deliver it, nor name an endpoint it does not have.
    expect((await send("POST", `/v1/events/${e.id}/redeliver`, { token: other.secretKey, body: {} })).status).toBe(404);
    expect((await send("POST", `/v1/events/${e.id}/redeliver`, { token: shop.secretKey, body: { endpointId: "we_nope" } })).status).toBe(404);
    expect((await send("POST", "/v1/events/evt_unknown/redeliver", { token: shop.secretKey, body: {} })).status).toBe(404);
  });
});

describe("batchesOf", () => {
  it("splits deliveries into sendBatch calls of at most 100 messages and about 200 KB, in order", async () => {
    const shop = { shopId: "s1", secretKey: "", publishableKey: "" };
    const small = (i: number): Delivery => ({ eventId: `evt_${i}`, endpointId: "we_1", shopId: "s1", event: event(shop, { id: `evt_${i}` }), firstAttemptAt: 0 });
    const many = Array.from({ length: 250 }, (_, i) => small(i));
    expect(batchesOf(many).map((batch) => batch.length)).toEqual([100, 100, 50]);
    expect(batchesOf(many).flat()).toEqual(many);
    const big = (i: number): Delivery => ({ ...small(i), event: event(shop, { id: `evt_big${i}`, data: { adjustmentId: "a", points: 1, reason: "x".repeat(20_000), balance: 1 } }) });
    const batches = batchesOf(Array.from({ length: 10 }, (_, i) => big(i)));
    expect(batches.length).toBeGreaterThan(1);
    for (const batch of batches) expect(JSON.stringify(batch).length * 3).toBeLessThan(256_000);
    expect(batchesOf([])).toEqual([]);
  });
});
