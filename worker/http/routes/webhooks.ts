/**
 * Webhook endpoints (secret key, docs/api.md "Webhook endpoints", docs/events.md "Webhooks"): subscribe a URL to
 * event types, list, read, change (re-enable a disabled one), delete, rotate the signing secret, and re-deliver one
 * event. The signing secret is answered only on creation and rotation. Workflows: flows/webhooks.ts.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { flag, list, obj, say, text } from "../../../engine/host/validate/schema-kit.ts";
import { requireSecretKey } from "../auth.ts";
import type { AppEnv } from "../http.ts";
import { errorResponses } from "../openapi.ts";
import { idempotency, idempotencyHeaders } from "../idempotency.ts";
import { now } from "../../lib/clock.ts";
import { EVENT_TYPES } from "../../lib/events.ts";
import { shopObject } from "../../shop/shop.ts";
import type { EndpointView } from "../../shop/webhook-endpoints.ts";
import { MAX_ENDPOINTS } from "../../shop/webhook-endpoints.ts";
import {
  createEndpoint, deleteEndpoint, getEndpoint, listEndpoints, redeliverEvent, rotateEndpointSecret, updateEndpoint,
} from "../../flows/webhooks.ts";
import { webhookTarget } from "./shops.ts";

const secret = [{ secretKey: [] }];
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

const URL_MESSAGE = "must be an https URL (http only for localhost)";
const EVENT_MESSAGE = "must be an event type of docs/events.md (e.g. \"points.earned\") or \"*\"";
const KNOWN = new Set<string>([...EVENT_TYPES, "*"]);

const endpointUrl = webhookTarget(URL_MESSAGE).meta({ type: "string", format: "uri", examples: ["https://shop.example/hooks/kopilka"] });
const eventType = z
  .string({ error: say(EVENT_MESSAGE) })
  .refine((type) => KNOWN.has(type), { error: EVENT_MESSAGE })
  .meta({ type: "string", enum: [...EVENT_TYPES, "*"] });
const eventTypes = list(eventType, EVENT_TYPES.length + 1, 1)
  .describe("the event types to receive; `[\"*\"]`: all of them, including types added later")
  .meta({ examples: [["points.earned", "points.expiring"]] });
const description = z.string({ error: say("must be a string of at most 500 characters, or null") })
  .max(500, { error: "must be a string of at most 500 characters, or null" })
  .nullable();

const newEndpointSchema = obj({
  url: endpointUrl,
  events: eventTypes,
  description: description.optional().describe("for the shop's own reference"),
}).meta({ id: "NewWebhookEndpoint" });

const endpointPatch = obj({
  url: endpointUrl.optional(),
  events: eventTypes.optional(),
  description: description.optional(),
  enabled: flag().optional().describe("true re-enables a disabled endpoint (and clears its reason); false disables it"),
}).meta({ id: "WebhookEndpointPatch" });

const instant = z.string().nullable();
const endpointSchema = z
  .object({
    id: z.string().meta({ examples: ["we_4fJx0aQ9LmZp2sTbV8cD"] }),
    url: z.string(),
    events: z.array(z.string()),
    description: z.string().nullable(),
    status: z.enum(["enabled", "disabled"]),
    disabledReason: z.string().nullable().meta({ examples: ["deliveries failed for 3 days: HTTP 500"], description: "why it is disabled" }),
    disabledAt: instant,
    lastSuccessAt: instant.describe("the last delivery answered 2xx after failures (successes in a row are not recorded one by one)"),
    lastFailureAt: instant.describe("the last failed delivery attempt"),
    lastError: z.string().nullable().meta({ examples: ["HTTP 500"], description: "what the last failed attempt got" }),
    createdAt: z.string(),
  })
  .meta({ id: "WebhookEndpoint" });

const endpointWithSecret = endpointSchema
  .extend({ secret: z.string().meta({ examples: ["whsec_9v2LkQm0XzR4tYb7NcW1pA3sD5fG6hJ8"], description: "the signing secret: shown only in this answer" }) })
  .meta({ id: "WebhookEndpointWithSecret" });

const endpointParam = z.object({ endpointId: z.string().regex(/^we_[A-Za-z0-9]{1,64}$/, "must be an endpoint id we_…").meta({ examples: ["we_4fJx0aQ9LmZp2sTbV8cD"] }) });
const eventParam = z.object({ eventId: z.string().regex(/^evt_[A-Za-z0-9_-]{1,64}$/, "must be an event id evt_…").meta({ examples: ["evt_01JF8ZK3Q2"] }) });
const redeliverSchema = obj({
  endpointId: z.string().regex(/^we_[A-Za-z0-9]{1,64}$/, "must be an endpoint id we_…").optional()
    .describe("only this endpoint; omitted: every enabled endpoint subscribed to the event's type"),
}).meta({ id: "Redelivery" });
const redeliveredSchema = z.object({ eventId: z.string(), endpointIds: z.array(z.string()).describe("the endpoints the event was queued for") }).meta({ id: "Redelivered" });

const noEndpoint = ["not_found", "no such webhook endpoint in this shop"] as const;

const createEndpointRoute = createRoute({
  method: "post", operationId: "createWebhookEndpoint", path: "/v1/webhooks/endpoints", tags: ["Webhooks"], security: secret,
  summary: "Subscribe a URL to events",
  description: `Answers the endpoint with its signing secret \`whsec_…\`, shown only here and on rotation. At most ${MAX_ENDPOINTS} ` +
    "endpoints per shop. A URL on this machine or a private network is refused. Honours `Idempotency-Key`.",
  middleware: [requireSecretKey, idempotency((c) => shopObject(c.env, c.var.shopId))] as const,
  request: { headers: idempotencyHeaders, body: { content: { "application/json": { schema: newEndpointSchema } }, required: true } },
  responses: {
    201: json(endpointWithSecret, "The endpoint and its secret"),
    ...errorResponses(["invalid_state", `the shop has ${MAX_ENDPOINTS} endpoints already`], "idempotency_conflict"),
  },
});

const listEndpointsRoute = createRoute({
  method: "get", operationId: "listWebhookEndpoints", path: "/v1/webhooks/endpoints", tags: ["Webhooks"], security: secret,
  summary: "The shop's webhook endpoints", description: "Oldest first, with their status and how their deliveries went.",
  middleware: [requireSecretKey] as const,
  responses: { 200: json(z.object({ items: z.array(endpointSchema) }).meta({ id: "WebhookEndpointList" }), "The endpoints"), ...errorResponses() },
});

const getEndpointRoute = createRoute({
  method: "get", operationId: "getWebhookEndpoint", path: "/v1/webhooks/endpoints/{endpointId}", tags: ["Webhooks"], security: secret,
  summary: "A webhook endpoint", description: "Its status, and why it was disabled if it was.",
  middleware: [requireSecretKey] as const,
  request: { params: endpointParam },
  responses: { 200: json(endpointSchema, "The endpoint"), ...errorResponses(noEndpoint) },
});

const patchEndpointRoute = createRoute({
  method: "patch", operationId: "updateWebhookEndpoint", path: "/v1/webhooks/endpoints/{endpointId}", tags: ["Webhooks"], security: secret,
  summary: "Change a webhook endpoint",
  description: "Only the fields given change; `events` replaces the list. `enabled: true` re-enables a disabled endpoint and clears " +
    "its reason (deliveries that had been given up are not sent again: re-deliver them by event id). Other Worker instances " +
    "see a change within 30 s.",
  middleware: [requireSecretKey] as const,
  request: { params: endpointParam, body: { content: { "application/json": { schema: endpointPatch } }, required: true } },
  responses: { 200: json(endpointSchema, "The endpoint"), ...errorResponses(noEndpoint) },
});

const deleteEndpointRoute = createRoute({
  method: "delete", operationId: "deleteWebhookEndpoint", path: "/v1/webhooks/endpoints/{endpointId}", tags: ["Webhooks"], security: secret,
  summary: "Delete a webhook endpoint", description: "Deliveries still queued for it are dropped.",
  middleware: [requireSecretKey] as const,
  request: { params: endpointParam },
  responses: { 200: json(z.object({ id: z.string(), deleted: z.literal(true) }).meta({ id: "DeletedWebhookEndpoint" }), "Deleted"), ...errorResponses(noEndpoint) },
});

const rotateRoute = createRoute({
  method: "post", operationId: "rotateWebhookSecret", path: "/v1/webhooks/endpoints/{endpointId}/rotate-secret", tags: ["Webhooks"], security: secret,
  summary: "Rotate an endpoint's signing secret",
  description: "Answers a fresh secret, which signs every delivery from now on (including retries); the old one stops at once. " +
    "Honours `Idempotency-Key` (a retry answers the same secret).",
  middleware: [requireSecretKey, idempotency((c) => shopObject(c.env, c.var.shopId))] as const,
  request: { params: endpointParam, headers: idempotencyHeaders },
  responses: { 200: json(endpointWithSecret, "The endpoint and its new secret"), ...errorResponses(noEndpoint, "idempotency_conflict") },
});

const redeliverRoute = createRoute({
  method: "post", operationId: "redeliverEvent", path: "/v1/events/{eventId}/redeliver", tags: ["Webhooks"], security: secret,
  summary: "Deliver an event again",
  description: "Queues one event of the last 30 days again, with a fresh 3-day retry window: to `endpointId`, or to every enabled " +
    "endpoint subscribed to its type. The receiver sees the same event id. Honours `Idempotency-Key`.",
  middleware: [requireSecretKey, idempotency((c) => shopObject(c.env, c.var.shopId))] as const,
  request: { params: eventParam, headers: idempotencyHeaders, body: { content: { "application/json": { schema: redeliverSchema } }, required: false } },
  responses: {
    202: json(redeliveredSchema, "Queued"),
    ...errorResponses(["not_found", "no such event in this shop within 30 days, or no such endpoint"], ["invalid_state", "the endpoint is disabled"], "idempotency_conflict"),
  },
});

type Instants = "disabledAt" | "lastSuccessAt" | "lastFailureAt" | "createdAt";
type Rendered<T extends EndpointView> = Omit<T, Instants> & { disabledAt: string | null; lastSuccessAt: string | null; lastFailureAt: string | null; createdAt: string };

function endpointView<T extends EndpointView>(endpoint: T): Rendered<T> {
  const at = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    ...endpoint,
    disabledAt: at(endpoint.disabledAt),
    lastSuccessAt: at(endpoint.lastSuccessAt),
    lastFailureAt: at(endpoint.lastFailureAt),
    createdAt: new Date(endpoint.createdAt).toISOString(),
  };
}

export function webhookRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(createEndpointRoute, async (c) => c.json(endpointView(await createEndpoint(c.env, c.var.shopId, c.req.valid("json"), now())), 201));

  app.openapi(listEndpointsRoute, async (c) => c.json({ items: (await listEndpoints(c.env, c.var.shopId)).map(endpointView) }, 200));

  app.openapi(getEndpointRoute, async (c) => c.json(endpointView(await getEndpoint(c.env, c.var.shopId, c.req.valid("param").endpointId)), 200));

  app.openapi(patchEndpointRoute, async (c) =>
    c.json(endpointView(await updateEndpoint(c.env, c.var.shopId, c.req.valid("param").endpointId, c.req.valid("json"), now())), 200));

  app.openapi(deleteEndpointRoute, async (c) => {
    const { endpointId } = c.req.valid("param");
    await deleteEndpoint(c.env, c.var.shopId, endpointId);
    return c.json({ id: endpointId, deleted: true as const }, 200);
  });

  app.openapi(rotateRoute, async (c) => c.json(endpointView(await rotateEndpointSecret(c.env, c.var.shopId, c.req.valid("param").endpointId)), 200));

  app.openapi(redeliverRoute, async (c) => {
    const body = (c.req.valid("json") as { endpointId?: string } | undefined) ?? {};
    return c.json(await redeliverEvent(c.env, c.var.shopId, c.req.valid("param").eventId, body.endpointId, now()), 202);
  });
}
