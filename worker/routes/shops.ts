/**
 * `POST /v1/shops` (platform token): creates a shop and answers its keys — the only time they are ever shown.
 * `Idempotency-Key` is honoured; the records live in the Shop object `PLATFORM_OBJECT`, and the remembered answer
 * (which holds the keys) is sealed under the Idempotency-Key itself (see idempotency.ts).
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { list, obj, say, text } from "../../engine/host/validate/schema-kit.ts";
import { hashKey, newKey, newShopId, requirePlatformToken } from "../auth.ts";
import { now } from "../clock.ts";
import { HttpError, errorResponses, type AppEnv } from "../http.ts";
import { idempotency, idempotencyHeaders } from "../idempotency.ts";
import { PLATFORM_OBJECT, shopObject } from "../shop/shop.ts";

const ORIGIN_MESSAGE = "must be an origin such as https://shop.example (http or https, no path)";

/** A storefront origin, stored normalised (`https://Shop.Example:443/` → `https://shop.example`). */
const origin = z
  .string({ error: say(ORIGIN_MESSAGE) })
  .max(2048, { error: ORIGIN_MESSAGE })
  .transform((value, context) => {
    const url = URL.canParse(value) ? new URL(value) : undefined;
    const plain = url !== undefined && (url.protocol === "https:" || url.protocol === "http:") && url.pathname === "/" && url.search === "" && url.hash === "" && url.username === "" && url.password === "";
    if (!plain) {
      context.addIssue({ code: "custom", message: ORIGIN_MESSAGE });
      return z.NEVER;
    }
    return url.origin;
  })
  .openapi({ type: "string", format: "uri", example: "https://shop.example" });

const newShopSchema = obj({
  name: text(200).meta({ example: "Coffee & Co" }),
  origins: list(origin, 50).describe("storefront origins allowed to call the widget endpoints (CORS)"),
}).meta({ id: "NewShop" });

const createdShopSchema = z
  .object({
    shopId: z.string().openapi({ example: "q3Jk9XbV2mPzL0aT" }),
    secretKey: z.string().openapi({ example: "sk_q3Jk9XbV2mPzL0aT_…", description: "server-to-server; shown only this once" }),
    publishableKey: z.string().openapi({ example: "pk_q3Jk9XbV2mPzL0aT_…", description: "for the storefront widget" }),
  })
  .openapi("CreatedShop");

const createShopRoute = createRoute({
  method: "post",
  path: "/v1/shops",
  summary: "Create a shop",
  description: "Platform operators only. Answers the shop's keys once; they are stored hashed. Honours `Idempotency-Key`.",
  tags: ["Shops"],
  security: [{ platformToken: [] }],
  middleware: [requirePlatformToken, idempotency((c) => shopObject(c.env, PLATFORM_OBJECT))] as const,
  request: {
    headers: idempotencyHeaders,
    body: { content: { "application/json": { schema: newShopSchema } }, required: true },
  },
  responses: {
    201: { description: "The shop and its keys", content: { "application/json": { schema: createdShopSchema } } },
    ...errorResponses(400, 401, 409, 413),
  },
});

export function shopRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(createShopRoute, async (c) => {
    const { name, origins } = c.req.valid("json");
    // A 16-character random id never collides in practice; a few attempts make "never" certain.
    for (let attempt = 0; attempt < 3; attempt++) {
      const shopId = newShopId();
      const secretKey = newKey("secret", shopId);
      const publishableKey = newKey("publishable", shopId);
      const [secretKeyHash, publishableKeyHash] = await Promise.all([hashKey(secretKey), hashKey(publishableKey)]);
      const { created } = await shopObject(c.env, shopId).createShop({ shopId, name, origins, secretKeyHash, publishableKeyHash, now: now() });
      if (created) return c.json({ shopId, secretKey, publishableKey }, 201);
    }
    throw new HttpError(500, "internal", "Could not allocate a shop id");
  });
}
