/**
 * The consumers of the event stream (docs/events.md), one Worker `queue` handler for both queues:
 *
 * - `kopilka-events` (EVENTS): what the Durable Objects relay from their outboxes, a message per relay holding its
 *   events (lib/outbox.ts `EventMessage`). Each batch is kept in the
 *   analytics store first (analytics.ts: D1 and R2, idempotent by event id), then handed to the shop's webhook
 *   endpoints as one delivery per endpoint (webhooks.ts `fanOut` → DELIVERIES). A batch that fails is retried
 *   whole: the store ignores events it already has, and a webhook receiver deduplicates by event id (delivery is
 *   at least once, as with every webhook provider).
 * - `kopilka-deliveries` (DELIVERIES): one message per event and endpoint, sent with its retry schedule
 *   (webhooks.ts `deliver`).
 */
import type { KopilkaEvent } from "../lib/events.ts";
import type { EventMessage } from "../lib/outbox.ts";
import { recordEvents } from "./analytics.ts";
import { deliver, fanOut, type Delivery } from "./webhooks.ts";

export async function consume(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  if (batch.queue.endsWith("-deliveries")) {
    await Promise.all((batch as MessageBatch<Delivery>).messages.map((message) => deliver(env, message)));
    return;
  }
  const messages = (batch as MessageBatch<EventMessage | KopilkaEvent>).messages;
  // A message holds a relay's events; one holding a single envelope (sent by hand, a replay tool) is taken too.
  const events = messages.flatMap((m) => (Array.isArray(m.body) ? m.body : [m.body]));
  try {
    await recordEvents(env, events);
    await fanOut(env, events);
    batch.ackAll();
  } catch (e) {
    console.error("events: a batch failed and is retried", e instanceof Error ? e.message : e);
    batch.retryAll({ delaySeconds: Math.min(300, 5 * 2 ** Math.min(6, (messages[0]?.attempts ?? 1) - 1)) });
  }
}
