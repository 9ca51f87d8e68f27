/**
 * What the API tells about itself: the OpenAPI document's parts beyond the routes (servers, security schemes, the
 * webhooks Kopilka sends), the program's JSON Schema for editors (`GET /v1/program.schema.json`), and the API
 * reference page at `/docs`.
 */
import { z } from "@hono/zod-openapi";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import { programSchema } from "../../engine/host/validate.ts";
import type { AppEnv } from "./http.ts";
import type { DocumentParts } from "./openapi.ts";
import { EVENT_TYPES } from "../lib/events.ts";
import { EVENT_SUMMARIES, eventSchema } from "./routes/event-schemas.ts";

/** `verification.code` as the shop's `webhookUrl` receives it (worker/flows/verification.ts): a contract of its own. */
const verificationCodeEvent = z
  .object({
    type: z.literal("verification.code"),
    shopId: z.string(),
    customerId: z.string(),
    channel: z.enum(["phone", "email"]).describe("where to send the code: the customer's phone (SMS) or e-mail"),
    code: z.string().regex(/^\d{6}$/).meta({ examples: ["482913"], description: "6 digits, valid 10 minutes" }),
    locale: z.string().optional().describe("the shopper's language (first Accept-Language tag), for the message's text"),
  })
  .meta({ id: "VerificationCodeEvent" });

export const DOCUMENT_PARTS: DocumentParts = {
  info: {
    title: "Kopilka API",
    version: "1",
    summary: "Edge loyalty engine: points, tiers, campaigns and rewards for online shops",
    description:
      "Server routes take the shop's secret key; the storefront widget's routes (`/v1/public/*`) the publishable key " +
      "and a customer token. Money is integer minor units of the program's `currency`; points are integers. Every " +
      "non-2xx answer is `{\"error\": {\"code\", \"message\", \"path\"?}}` and each operation lists the codes it can " +
      "answer. Every answer carries `X-Request-Id`. Guide: docs/api.md in the repository.",
    license: { name: "MIT", identifier: "MIT" },
  },
  servers: [
    { url: "https://{host}", description: "Your deployment", variables: { host: { default: "kopilka.example.workers.dev", description: "the Worker's hostname or custom domain" } } },
    { url: "http://127.0.0.1:8787", description: "`npm start` on this machine" },
  ],
  tags: [
    { name: "Shops", description: "Creating a shop (platform token) and its settings" },
    { name: "Program", description: "The loyalty program's rules, versioned" },
    { name: "Checkout", description: "Quoting a cart" },
    { name: "Orders", description: "Placing, confirming, cancelling and returning orders" },
    { name: "Customers", description: "Customers, their points and rewards, from the shop's backend" },
    { name: "Events", description: "The shop's events of the last 30 days and its figures per day (the analytics store)" },
    { name: "Widget", description: "The storefront widget's API: publishable key, storefront origins only" },
    { name: "Health", description: "Liveness" },
    { name: "Webhooks", description: "Webhook endpoints: subscribing URLs to events, and re-delivery. The requests Kopilka sends them are in `webhooks`" },
  ],
  securitySchemes: {
    secretKey: { type: "http", scheme: "bearer", description: "The shop's secret key `sk_…` (server-to-server; never in a browser)" },
    platformToken: { type: "http", scheme: "bearer", description: "The deployment's PLATFORM_TOKEN (creating shops)" },
    publishableKey: { type: "apiKey", in: "header", name: "X-Publishable-Key", description: "The shop's publishable key `pk_…` (storefront widget)" },
    webhookSignature: {
      type: "apiKey",
      in: "header",
      name: "Kopilka-Signature",
      description: "On webhooks Kopilka sends: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<raw body>\")>`, where the secret is " +
        "the endpoint's signing secret `whsec_…` (webhook endpoints), or the shop's secret key (the `webhookUrl` verification codes)",
    },
    customerToken: {
      type: "http",
      scheme: "bearer",
      description: "A customer token: `base64url({\"sub\": customerId, \"exp\": unixSeconds}).base64url(HMAC-SHA256(secret key, first part))`, " +
        "signed by the shop's backend or issued by POST /v1/public/register",
    },
  },
  webhooks: {
    ...eventWebhooks(),
    "webhookUrl.verification.code": {
      summary: "Send a verification code (the shop's webhookUrl)",
      description: "Sent to the shop's `webhookUrl` (`PATCH /v1/shop`), signed with the shop's secret key; webhook endpoints " +
        "subscribed to `verification.code` receive the event as well, in the envelope above. The shop sends `code` to the customer's phone or e-mail through its own SMS or e-mail provider. Check the " +
        "signature first: `Kopilka-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret key, \"<t>.<raw body>\")>`, and that `t` " +
        "is within 5 minutes. Retried with backoff until delivered or the code expires.",
      schema: verificationCodeEvent,
      headers: {
        "Kopilka-Signature": "`t=<unix seconds>,v1=<hex HMAC-SHA256>` over `<t>.<raw body>`",
        "Kopilka-Event": "the event's type, e.g. `verification.code`",
        "Kopilka-Delivery": "the delivery's id: the same on every retry of one event",
      },
    },
  },
};

/** One entry per event type: what a webhook endpoint subscribed to it receives (docs/events.md "Webhooks"). */
function eventWebhooks(): DocumentParts["webhooks"] {
  const hooks: DocumentParts["webhooks"] = {};
  for (const type of EVENT_TYPES) {
    hooks[type] = {
      summary: EVENT_SUMMARIES[type],
      description: `Sent to every enabled webhook endpoint subscribed to \`${type}\` (or \`*\`). Check \`Kopilka-Signature\` with the ` +
        "endpoint's signing secret and that `t` is within 5 minutes before trusting the body; deduplicate by `id` (delivery is at " +
        "least once). Any answer but 2xx within 10 s is retried for 3 days (docs/events.md \"Webhooks\").",
      schema: eventSchema(type),
      headers: {
        "Kopilka-Signature": "`t=<unix seconds>,v1=<hex HMAC-SHA256(endpoint secret, \"<t>.<raw body>\")>`",
        "Kopilka-Event": `the event's type: \`${type}\``,
        "Kopilka-Event-Id": "the event's id (`evt_…`): the same on every retry and re-delivery",
      },
    };
  }
  return hooks;
}

let programJson: Record<string, unknown> | undefined;

/** The program's JSON Schema (draft 2020-12), as zod reads programs: what an editor needs for completion. */
export function programJsonSchema(): Record<string, unknown> {
  programJson ??= {
    ...(z.toJSONSchema(programSchema, { io: "input", target: "draft-2020-12", unrepresentable: "any" }) as Record<string, unknown>),
    $id: "https://kopilka.dev/schemas/program.json",
    title: "Kopilka loyalty program",
    description: "The document PUT /v1/program takes (docs/program.md). Cross-field rules (unique ids, ascending tiers) are checked by the API and `kopilka validate`.",
  };
  return programJson;
}

/** Where the reference page loads its renderer from: the deployment's own static files (no third-party script). */
export const API_REFERENCE_SCRIPT = "/docs/scalar/standalone.js";

/** `GET /docs`: the API reference rendered from `/v1/openapi.json`. */
export function apiReference(app: OpenAPIHono<AppEnv>): void {
  app.get("/docs", Scalar({ url: "/v1/openapi.json", pageTitle: "Kopilka API", cdn: API_REFERENCE_SCRIPT }));
}
