/**
 * The demo's webhook receiver (`npm start`): `POST /demo/webhooks`, where the demo shop's endpoint (subscribed to
 * every event, seed.ts `seedDemoEndpoint`) delivers. It does what a shop's receiver does — checks the signature
 * over the raw body with the endpoint's secret (DEMO_WEBHOOK_SECRET of .dev.vars) through the SDK — and logs one
 * line per delivery, so the console shows the event stream as it happens.
 */
import type { Hono } from "hono";
import type { AppEnv } from "../http/http.ts";
import { verifyWebhook, WebhookSignatureError } from "../../sdk/src/signing.ts";
import type { KopilkaEvent } from "../lib/events.ts";

/** The line the console shows for a verified delivery. */
export function receiptLine(event: KopilkaEvent): string {
  const who = event.customerId === null ? "" : ` customer ${event.customerId}`;
  return `[demo receiver] ✓ signature verified · ${event.type} ${event.id}${who}`;
}

export function demoReceiver(app: Hono<AppEnv>): void {
  app.post("/demo/webhooks", async (c) => {
    const secret = c.env.DEMO_WEBHOOK_SECRET;
    if (!secret) return c.text("no DEMO_WEBHOOK_SECRET in .dev.vars", 404);
    const body = await c.req.text();
    try {
      const event = await verifyWebhook<KopilkaEvent>(secret, c.req.header("kopilka-signature"), body);
      console.log(receiptLine(event));
      return c.body(null, 204);
    } catch (error) {
      if (!(error instanceof WebhookSignatureError)) throw error;
      console.log(`[demo receiver] ✗ signature refused (${error.message})`);
      return c.text(error.message, 400);
    }
  });
}
