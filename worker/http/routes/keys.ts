/**
 * `POST /v1/shop/keys/rotate` (secret key): a fresh secret or publishable key; the one it replaces stays valid for
 * `graceHours` (docs/api.md "Rotating keys", docs/key-rotation.md). Honours `Idempotency-Key`: a retry after a lost
 * answer gets the same new key (the remembered answer is sealed under the Idempotency-Key, idempotency.ts).
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { int, obj, oneOf } from "../../../engine/host/validate/schema-kit.ts";
import { forgetVerifiedKeys, requireSecretKey } from "../auth.ts";
import { forgetPublicContexts } from "../public/access.ts";
import { now } from "../../lib/clock.ts";
import type { AppEnv } from "../http.ts";
import { errorResponses } from "../openapi.ts";
import { idempotency, idempotencyHeaders } from "../idempotency.ts";
import { shopObject } from "../../shop/shop.ts";
import { DEFAULT_GRACE_HOURS, MAX_GRACE_HOURS, rotateShopKey } from "../../flows/keys.ts";

const rotateSchema = obj({
  key: oneOf(["secret", "publishable"]).describe("which key to replace"),
  graceHours: int(0, MAX_GRACE_HOURS)
    .optional()
    .describe(`how long the replaced key stays valid (default ${DEFAULT_GRACE_HOURS}); 0 ends it at once`),
}).meta({ id: "KeyRotation" });

const rotatedSchema = z
  .object({
    secretKey: z.string().optional().meta({ examples: ["sk_q3Jk9XbV2mPzL0aT_…"], description: "the new secret key (key: secret); shown only in this answer" }),
    publishableKey: z.string().optional().meta({ examples: ["pk_q3Jk9XbV2mPzL0aT_…"], description: "the new publishable key (key: publishable)" }),
    previousExpiresAt: z.string().meta({ examples: ["2026-12-03T13:00:00.000Z"], description: "when the replaced key stops being valid (RFC 3339)" }),
  })
  .meta({ id: "RotatedKey" });

const rotateRoute = createRoute({
  method: "post",
  operationId: "rotateKey",
  path: "/v1/shop/keys/rotate",
  tags: ["Shops"],
  security: [{ secretKey: [] }],
  summary: "Rotate the secret or the publishable key",
  description: "Answers a fresh key; the replaced one keeps working until `previousExpiresAt`, then is 401 like any wrong key. " +
    "Rotating again during a grace period ends the older key's at once. Customer tokens signed with the replaced secret key " +
    "stay valid until `previousExpiresAt`. Honours `Idempotency-Key` (a retry answers the same new key).",
  middleware: [requireSecretKey, idempotency((c) => shopObject(c.env, c.var.shopId))] as const,
  request: {
    headers: idempotencyHeaders,
    body: { content: { "application/json": { schema: rotateSchema } }, required: true },
  },
  responses: {
    200: { description: "The new key", content: { "application/json": { schema: rotatedSchema } } },
    ...errorResponses("idempotency_conflict"),
  },
});

export function keyRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(rotateRoute, async (c) => {
    const body = c.req.valid("json");
    const rotated = await rotateShopKey(c.env, c.var.shopId, body.key, body.graceHours ?? DEFAULT_GRACE_HOURS, now());
    // This isolate forgets at once what it trusted of the replaced key; others within their caches' TTL.
    forgetVerifiedKeys();
    forgetPublicContexts();
    const previousExpiresAt = new Date(rotated.previousExpiresAt).toISOString();
    return c.json(rotated.kind === "secret" ? { secretKey: rotated.key, previousExpiresAt } : { publishableKey: rotated.key, previousExpiresAt }, 200);
  });
}
