/**
 * A webhook endpoint's receiver (docs/events.md "Webhooks"), as a `Request → Response` handler for any
 * fetch-style server (Hono, Next.js route handlers, Workers, Bun, Deno; Node through @hono/node-server):
 *
 *   const receive = webhookReceiver({ secret: process.env.KOPILKA_WEBHOOK_SECRET!, handle: async (event) => { … } });
 *   app.post("/hooks/kopilka", (c) => receive(c.req.raw));
 *
 * It checks the signature over the raw body with the endpoint's signing secret before parsing anything, answers
 * 400 to a delivery that does not verify, and handles each event id once: delivery is at least once, so a retry
 * or a re-delivery of an event already handled is answered 204 and not handled again.
 */
import { verifyWebhook, WebhookSignatureError, type KopilkaEvent } from "../src/index.ts";

export interface ReceiverOptions {
  /** The endpoint's signing secret `whsec_…` (both while you roll a rotated one out: the new one first). */
  secret: string | readonly string[];
  /** What your shop does with an event (send the reminder, update the CRM…). Throw to have it retried. */
  handle: (event: KopilkaEvent) => Promise<void>;
  /**
   * Whether an event id was handled, and marking it handled. In memory by default: a real shop keeps them in its
   * database (a table with the event id as its unique key, written in the same transaction as the handling).
   */
  seen?: { has(id: string): boolean | Promise<boolean>; add(id: string): unknown };
}

export function webhookReceiver(options: ReceiverOptions): (request: Request) => Promise<Response> {
  const seen = options.seen ?? new Set<string>();
  return async (request) => {
    const body = await request.text(); // the raw body: the signature is over these exact bytes
    let event: KopilkaEvent;
    try {
      event = await verifyWebhook<KopilkaEvent>(options.secret, request.headers.get("kopilka-signature"), body);
    } catch (error) {
      if (error instanceof WebhookSignatureError) return new Response(error.message, { status: 400 });
      throw error;
    }
    if (!(await seen.has(event.id))) {
      await options.handle(event);
      await seen.add(event.id);
    }
    return new Response(null, { status: 204 });
  };
}
