/**
 * Builders for the event stream's tests: an envelope as the outbox relays it, and a batch run through the real
 * events consumer (worker/stream/consume.ts) as the queue would run it.
 */
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import type { EventType, KopilkaEvent } from "../lib/events.ts";
import { eventId } from "../lib/outbox.ts";
import { consume } from "./consume.ts";

export function event<T extends EventType>(
  shopId: string, type: T, data: KopilkaEvent<T>["data"], at: number, customerId: string | null = "c-1",
): KopilkaEvent {
  return { id: eventId(at), type, version: 1, shopId, customerId, createdAt: new Date(at).toISOString(), data } as KopilkaEvent;
}

/** A `points.earned` bonus: the simplest event, for listing tests. */
export const earned = (shopId: string, points: number, at: number, customerId = "c-1"): KopilkaEvent =>
  event(shopId, "points.earned", { points, source: "bonus", orderId: null, reason: null, availableAt: new Date(at).toISOString(), expiresAt: null, balance: points }, at, customerId);

/** Runs the real consumer on one batch; answers whether it acknowledged the batch. */
export async function deliverBatch(events: KopilkaEvent[], attempts = 1): Promise<boolean> {
  const batch = createMessageBatch<KopilkaEvent>("kopilka-events", events.map((body, i) => ({ id: `m-${i}-${body.id}`, timestamp: Date.now(), attempts, body })));
  const ctx = createExecutionContext();
  await consume(batch, env);
  return (await getQueueResult(batch, ctx)).ackAll;
}
