/**
 * Webhook endpoints' deliveries (docs/events.md "Webhooks"). TO BUILD: fan-out to subscribed endpoints, signed
 * deliveries with retries for 3 days, disabling an endpoint after persistent failure.
 */
import type { KopilkaEvent } from "../lib/events.ts";

export interface Delivery {
  eventId: string;
  endpointId: string;
}

export async function fanOut(_env: Env, _events: KopilkaEvent[]): Promise<void> {}

export async function deliver(_env: Env, message: Message<Delivery>): Promise<void> {
  message.ack();
}
