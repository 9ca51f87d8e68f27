/**
 * Webhook endpoints (docs/events.md "Webhooks", docs/api.md "Webhook endpoints"): creating one with a fresh signing
 * secret, changing, deleting and rotating its secret, and re-delivering one event on request. Secrets are made and
 * sealed here (lib/tokens.ts); the Shop object keeps them sealed and this isolate's cache of the shop's endpoints
 * (stream/webhooks.ts) is forgotten after every change.
 */
import { BASE62, randomFrom } from "../lib/crypto.ts";
import { refusal, unwrap } from "../lib/refusal.ts";
import { sealEndpointSecret, sealSecretOf } from "../lib/tokens.ts";
import { shopObject } from "../shop/shop.ts";
import type { EndpointPatch, EndpointView } from "../shop/webhook-endpoints.ts";
import { readEvent } from "../stream/analytics.ts";
import { forgetEndpoints, sendDeliveries, subscribed } from "../stream/webhooks.ts";
import { refusePrivateWebhook } from "./shops.ts";

export const newEndpointId = (): string => `we_${randomFrom(BASE62, 20)}`;
export const newEndpointSecret = (): string => `whsec_${randomFrom(BASE62, 32)}`;

export interface NewEndpointInput {
  url: string;
  events: string[];
  description?: string | null;
}

/** The endpoint and its signing secret, shown only here and when it is rotated. */
export type EndpointWithSecret = EndpointView & { secret: string };

/** A new endpoint with a fresh secret (400 naming `url` for a private host; 422 beyond 16 endpoints). */
export async function createEndpoint(env: Env, shopId: string, input: NewEndpointInput, now: number): Promise<EndpointWithSecret> {
  refusePrivateWebhook(env, input.url, "url");
  return addEndpoint(env, shopId, newEndpointId(), newEndpointSecret(), input, now);
}

/**
 * Stores an endpoint with the given id and secret. Only `createEndpoint` and the local demo's seed (a secret known
 * from .dev.vars) call it: the API never takes a secret from a caller.
 */
export async function addEndpoint(env: Env, shopId: string, id: string, secret: string, input: NewEndpointInput, now: number): Promise<EndpointWithSecret> {
  const secretSealed = await sealEndpointSecret(sealSecretOf(env), shopId, id, secret);
  const view = unwrap(await shopObject(env, shopId).createWebhookEndpoint({
    id, url: input.url, events: input.events, description: input.description ?? null, secretSealed, now,
  }));
  forgetEndpoints(shopId);
  return { ...view, secret };
}

export async function listEndpoints(env: Env, shopId: string): Promise<EndpointView[]> {
  return shopObject(env, shopId).listWebhookEndpoints();
}

export async function getEndpoint(env: Env, shopId: string, id: string): Promise<EndpointView> {
  return unwrap(await shopObject(env, shopId).getWebhookEndpoint(id));
}

export async function updateEndpoint(env: Env, shopId: string, id: string, patch: EndpointPatch, now: number): Promise<EndpointView> {
  if (patch.url !== undefined) refusePrivateWebhook(env, patch.url, "url");
  const view = unwrap(await shopObject(env, shopId).updateWebhookEndpoint(id, patch, now));
  forgetEndpoints(shopId);
  return view;
}

export async function deleteEndpoint(env: Env, shopId: string, id: string): Promise<void> {
  unwrap(await shopObject(env, shopId).deleteWebhookEndpoint(id));
  forgetEndpoints(shopId);
}

/** A fresh secret replaces the endpoint's at once: deliveries from now on are signed with it. */
export async function rotateEndpointSecret(env: Env, shopId: string, id: string): Promise<EndpointWithSecret> {
  const secret = newEndpointSecret();
  const secretSealed = await sealEndpointSecret(sealSecretOf(env), shopId, id, secret);
  const view = unwrap(await shopObject(env, shopId).rotateWebhookSecret(id, secretSealed));
  forgetEndpoints(shopId);
  return { ...view, secret };
}

/**
 * Queues the event (of the last 30 days) again: to one endpoint (`endpointId`, which must be enabled), or to every
 * enabled endpoint subscribed to its type. Answers the endpoints it was queued for.
 */
export async function redeliverEvent(env: Env, shopId: string, eventId: string, endpointId: string | undefined, now: number): Promise<{ eventId: string; endpointIds: string[] }> {
  const event = await readEvent(env, shopId, eventId);
  if (event === null) throw refusal("not_found", "No such event in this shop (events are kept 30 days)");
  const shop = shopObject(env, shopId);
  let endpointIds: string[];
  if (endpointId !== undefined) {
    const result = await shop.getWebhookEndpoint(endpointId);
    if (!result.ok) throw refusal("not_found", "No such webhook endpoint", "endpointId");
    if (result.value.status !== "enabled") throw refusal("invalid_state", "The endpoint is disabled: enable it first (PATCH with enabled: true)", "endpointId");
    endpointIds = [endpointId];
  } else {
    endpointIds = (await shop.webhookTargets()).filter((target) => subscribed(target, event.type)).map((target) => target.id);
  }
  forgetEndpoints(shopId);
  await sendDeliveries(env, endpointIds.map((id) => ({ eventId, endpointId: id, shopId, event, firstAttemptAt: now })));
  return { eventId, endpointIds };
}
