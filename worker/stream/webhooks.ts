/**
 * Webhook endpoints' deliveries (docs/events.md "Webhooks"). `fanOut` turns each event of an EVENTS batch into one
 * DELIVERIES message per enabled endpoint of its shop subscribed to its type; `deliver` sends one, signed with the
 * endpoint's secret, and on failure retries it by `RETRY_SCHEDULE_SECONDS` until 3 days after its first attempt,
 * then disables the endpoint with the reason. Delivery is at least once: receivers deduplicate by event id.
 *
 * The Shop object is off the normal path: each isolate remembers a shop's enabled endpoints for at most 30 s, and a
 * delivery reports to the Shop only a failure, or the first success after failures.
 */
import { BoundedMap } from "../lib/cache.ts";
import { now } from "../lib/clock.ts";
import type { KopilkaEvent } from "../lib/events.ts";
import { openEndpointSecret, sealSecretsOf } from "../lib/tokens.ts";
import { shopObject } from "../shop/shop.ts";
import { signatureHeader } from "../shop/webhooks.ts";
import type { EndpointTarget } from "../shop/webhook-endpoints.ts";

/** One DELIVERIES message: an event for one endpoint. */
export interface Delivery {
  eventId: string;
  endpointId: string;
  shopId: string;
  event: KopilkaEvent;
  /** When the first attempt was queued (ms): retries stop 3 days after it. */
  firstAttemptAt: number;
}

/** The delay before attempt n + 1 after the n-th failed one; beyond the list, its last entry (the queue's maximum). */
export const RETRY_SCHEDULE_SECONDS: readonly number[] = [30, 120, 600, 1800, 3600, 7200, 14_400, 28_800, 43_200];
/** How long a delivery is retried before its endpoint is disabled. */
export const RETRY_WINDOW_MS = 3 * 24 * 60 * 60 * 1000;
const DELIVERY_TIMEOUT_MS = 10_000;
/** How long an isolate trusts what it read of a shop's endpoints. */
export const ENDPOINTS_TTL_MS = 30_000;
/** Messages per `sendBatch` call, and bytes (the queue's limits: 100 messages, 256 KB, with room for overhead). */
const SEND_BATCH = 100;
const SEND_BATCH_BYTES = 200_000;

export function retryDelaySeconds(attempts: number): number {
  return RETRY_SCHEDULE_SECONDS[Math.min(Math.max(attempts, 1), RETRY_SCHEDULE_SECONDS.length) - 1]!;
}

const endpointsOfShop = new BoundedMap<string, { until: number; targets: Promise<EndpointTarget[]> }>(1024);

/** A shop's enabled endpoints, from this isolate's memory when it is fresh (`fresh`: ask the Shop). */
function targetsOf(env: Env, shopId: string, fresh = false): Promise<EndpointTarget[]> {
  const at = now();
  const known = endpointsOfShop.get(shopId);
  if (!fresh && known !== undefined && known.until > at) return known.targets;
  const targets = shopObject(env, shopId).webhookTargets().then(
    (list) => list,
    (e: unknown) => {
      endpointsOfShop.delete(shopId);
      throw e;
    },
  );
  endpointsOfShop.set(shopId, { until: at + ENDPOINTS_TTL_MS, targets });
  return targets;
}

/** This isolate forgets what it read of the shop's endpoints (after the shop changed them); others within 30 s. */
export function forgetEndpoints(shopId: string): void {
  endpointsOfShop.delete(shopId);
}

export function subscribed(target: Pick<EndpointTarget, "events">, type: string): boolean {
  return target.events.includes("*") || target.events.includes(type);
}

/** One delivery per event and subscribed enabled endpoint of its shop. */
export async function fanOut(env: Env, events: KopilkaEvent[]): Promise<void> {
  const byShop = new Map<string, KopilkaEvent[]>();
  for (const event of events) {
    if (!event.shopId) continue;
    byShop.set(event.shopId, [...(byShop.get(event.shopId) ?? []), event]);
  }
  const at = now();
  const deliveries: Delivery[] = [];
  for (const [shopId, shopEvents] of byShop) {
    const targets = await targetsOf(env, shopId);
    for (const event of shopEvents) {
      for (const target of targets) {
        if (subscribed(target, event.type)) deliveries.push({ eventId: event.id, endpointId: target.id, shopId, event, firstAttemptAt: at });
      }
    }
  }
  await sendDeliveries(env, deliveries);
}

/** Queues deliveries: at most `SEND_BATCH` messages and about `SEND_BATCH_BYTES` per call (the queue's limits). */
export async function sendDeliveries(env: Env, deliveries: Delivery[]): Promise<void> {
  for (const chunk of batchesOf(deliveries)) {
    await env.DELIVERIES.sendBatch(chunk.map((body) => ({ body, contentType: "json" as const })));
  }
}

/** Splits deliveries into sendBatch calls by count and by size (an order.returned of many lines is large). */
export function batchesOf(deliveries: Delivery[]): Delivery[][] {
  const batches: Delivery[][] = [];
  let current: Delivery[] = [];
  let bytes = 0;
  for (const delivery of deliveries) {
    const size = JSON.stringify(delivery).length * 3; // UTF-8 is at most 3 bytes per UTF-16 unit
    if (current.length > 0 && (current.length === SEND_BATCH || bytes + size > SEND_BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(delivery);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** The enabled endpoint a delivery is for; asks the Shop again when this isolate does not know it (a new one). */
async function targetOf(env: Env, shopId: string, endpointId: string): Promise<EndpointTarget | undefined> {
  const cached = (await targetsOf(env, shopId)).find((target) => target.id === endpointId);
  return cached ?? (await targetsOf(env, shopId, true)).find((target) => target.id === endpointId);
}

/** Sends one delivery: acked when delivered or no longer deliverable, else retried by the schedule. */
export async function deliver(env: Env, message: Message<Delivery>): Promise<void> {
  const delivery = message.body;
  try {
    const target = await targetOf(env, delivery.shopId, delivery.endpointId);
    if (target === undefined) {
      message.ack(); // deleted or disabled: nothing to deliver to
      return;
    }
    const at = now();
    const error = await send(env, delivery, target, at);
    const shop = shopObject(env, delivery.shopId);
    if (error === null) {
      message.ack(); // delivered: whatever happens next, it is not sent again
      if (target.failing) {
        target.failing = false;
        await shop.recordWebhookDelivery(target.id, { kind: "success", at }).catch((e: unknown) =>
          console.error(`webhooks: could not record the success of ${target.id}`, e instanceof Error ? e.message : e));
      }
      return;
    }
    if (at - delivery.firstAttemptAt >= RETRY_WINDOW_MS) {
      const reason = `deliveries failed for 3 days: ${error}`;
      await shop.recordWebhookDelivery(target.id, { kind: "gave_up", at, error, reason });
      forgetEndpoints(delivery.shopId);
      console.error(`webhooks: endpoint ${target.id} of shop ${delivery.shopId} disabled: ${reason}`);
      message.ack();
      return;
    }
    await shop.recordWebhookDelivery(target.id, { kind: "failure", at, error });
    target.failing = true;
    message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
  } catch (e) {
    // The Shop or the seal could not be reached: the delivery is tried again, by the same schedule.
    console.error(`webhooks: delivery of ${delivery.eventId} to ${delivery.endpointId} failed`, e instanceof Error ? e.message : e);
    message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
  }
}

/** POSTs the event; null when the endpoint answered 2xx, else what went wrong. */
async function send(env: Env, delivery: Delivery, target: EndpointTarget, at: number): Promise<string | null> {
  const secret = await openEndpointSecret(sealSecretsOf(env), delivery.shopId, target.id, target.secretSealed);
  const body = JSON.stringify(delivery.event);
  try {
    const response = await fetch(target.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "Kopilka-Webhooks/1",
        "kopilka-event": delivery.event.type,
        "kopilka-event-id": delivery.event.id,
        "kopilka-signature": await signatureHeader(secret, Math.floor(at / 1000), body),
      },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await response.body?.cancel();
    return response.ok ? null : `HTTP ${response.status}`;
  } catch (e) {
    const name = e instanceof Error ? e.name : "";
    if (name === "TimeoutError" || name === "AbortError") return "no answer within 10 s";
    return e instanceof Error ? e.message : String(e);
  }
}
