/**
 * `POST /v1/shops` (platform token): creates a shop and answers its keys — the only time they are ever shown.
 * `Idempotency-Key` is honoured; the records live in the platform's registry object (shop/registry.ts), and the remembered answer
 * (which holds the keys) is sealed under the Idempotency-Key itself (see idempotency.ts).
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { list, maxUnits, obj, say, text } from "../../../engine/host/validate/schema-kit.ts";
import { requirePlatformToken, requireSecretKey } from "../auth.ts";
import { forgetPublicContexts } from "../public/access.ts";
import { now } from "../../lib/clock.ts";
import type { AppEnv } from "../http.ts";
import { errorResponses } from "../openapi.ts";
import { idempotency, idempotencyHeaders } from "../idempotency.ts";
import { platformObject } from "../../shop/registry.ts";
import { createShop, shopSettings, updateShopSettings } from "../../flows/shops.ts";
import { type ShopSettings } from "../../shop/types.ts";

const ORIGIN_MESSAGE = "must be an origin such as https://shop.example (http or https, no path)";

/** A storefront origin, stored normalised (`https://Shop.Example:443/` → `https://shop.example`). */
const origin = z
  .string({ error: say(ORIGIN_MESSAGE) })
  .max(2048, { error: ORIGIN_MESSAGE })
  .refine(...maxUnits(2048))
  .transform((value, context) => {
    const url = URL.canParse(value) ? new URL(value) : undefined;
    const plain = url !== undefined && (url.protocol === "https:" || url.protocol === "http:") && url.pathname === "/" && url.search === "" && url.hash === "" && url.username === "" && url.password === "";
    if (!plain) {
      context.addIssue({ code: "custom", message: ORIGIN_MESSAGE });
      return z.NEVER;
    }
    return url.origin;
  })
  .meta({ type: "string", format: "uri", examples: ["https://shop.example"] });

const newShopSchema = obj({
  name: text(200).meta({ examples: ["Coffee & Co"] }),
  origins: list(origin, 50)
    .default(() => [])
    .describe("storefront origins allowed to call the widget endpoints (CORS); none by default — a shop that only uses the server API needs none, and `PATCH /v1/shop` adds them later"),
}).meta({ id: "NewShop" });

const createdShopSchema = z
  .object({
    shopId: z.string().meta({ examples: ["q3Jk9XbV2mPzL0aT"] }),
    secretKey: z.string().meta({ examples: ["sk_q3Jk9XbV2mPzL0aT_…"], description: "server-to-server; shown only this once" }),
    publishableKey: z.string().meta({ examples: ["pk_q3Jk9XbV2mPzL0aT_…"], description: "for the storefront widget" }),
  })
  .meta({ id: "CreatedShop" });

const createShopRoute = createRoute({
  method: "post",
  operationId: "createShop",
  path: "/v1/shops",
  summary: "Create a shop",
  description: "Platform operators only. Answers the shop's keys once; they are stored hashed. Honours `Idempotency-Key`.",
  tags: ["Shops"],
  security: [{ platformToken: [] }],
  middleware: [requirePlatformToken, idempotency((c) => platformObject(c.env))] as const,
  request: {
    headers: idempotencyHeaders,
    body: { content: { "application/json": { schema: newShopSchema } }, required: true },
  },
  responses: {
    201: { description: "The shop and its keys", content: { "application/json": { schema: createdShopSchema } } },
    ...errorResponses("idempotency_conflict"),
  },
});

const WEBHOOK_MESSAGE = "must be an https URL (http only for localhost), or null";

/**
 * A URL webhooks may go to: https, or http on the local machine for development (private hosts are refused by the
 * flow unless the deployment allows them, flows/shops.ts `refusePrivateWebhook`). Webhook endpoints use it too.
 */
export function webhookTarget(message: string) {
  return z
    .string({ error: say(message) })
    .max(2048, { error: message })
    .refine(...maxUnits(2048))
    .refine((value) => {
      if (!URL.canParse(value)) return false;
      const url = new URL(value);
      const local = url.hostname === "localhost" || url.hostname === "127.0.0.1" || url.hostname === "[::1]";
      return (url.protocol === "https:" || (url.protocol === "http:" && local)) && url.username === "" && url.password === "";
    }, { error: message });
}

/** Where the shop receives webhooks (verification codes): https, or http on the local machine for development. */
const webhookUrl = webhookTarget(WEBHOOK_MESSAGE)
  .nullable()
  .meta({ type: ["string", "null"], format: "uri", examples: ["https://shop.example/hooks/kopilka"] });

const settingsSchema = z
  .object({
    shopId: z.string(),
    name: z.string(),
    origins: z.array(z.string()).describe("storefront origins allowed to call the widget endpoints (CORS)"),
    webhookUrl: z.string().nullable().describe("receives signed webhook events (verification codes)"),
    createdAt: z.string(),
  })
  .meta({ id: "ShopSettings" });

const settingsPatch = obj({
  name: text(200).optional(),
  origins: list(origin, 50).optional(),
  webhookUrl: webhookUrl.optional(),
}).meta({ id: "ShopSettingsPatch" });

const getShopRoute = createRoute({
  method: "get", operationId: "getShop", path: "/v1/shop", tags: ["Shops"], security: [{ secretKey: [] }],
  summary: "The shop's settings", description: "Name, storefront origins and webhook URL. Keys are never shown again.",
  middleware: [requireSecretKey] as const,
  responses: { 200: { description: "Settings", content: { "application/json": { schema: settingsSchema } } }, ...errorResponses() },
});

const patchShopRoute = createRoute({
  method: "patch", operationId: "updateShop", path: "/v1/shop", tags: ["Shops"], security: [{ secretKey: [] }],
  summary: "Change the shop's settings",
  description: "Only the fields given change. `origins` replaces the list (widget calls from other origins are refused with 403); " +
    "`webhookUrl` null stops webhooks. Other Worker instances see a change within a minute.",
  middleware: [requireSecretKey] as const,
  request: { body: { content: { "application/json": { schema: settingsPatch } }, required: true } },
  responses: { 200: { description: "Settings", content: { "application/json": { schema: settingsSchema } } }, ...errorResponses() },
});

function settingsView(settings: ShopSettings) {
  return { ...settings, createdAt: new Date(settings.createdAt).toISOString() };
}

export function shopRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(getShopRoute, async (c) => c.json(settingsView(await shopSettings(c.env, c.var.shopId)), 200));

  app.openapi(patchShopRoute, async (c) => {
    const settings = await updateShopSettings(c.env, c.var.shopId, c.req.valid("json"));
    forgetPublicContexts();
    return c.json(settingsView(settings), 200);
  });

  app.openapi(createShopRoute, async (c) => c.json(await createShop(c.env, c.req.valid("json"), now()), 201));
}
