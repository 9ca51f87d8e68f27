/**
 * The local demo shop (`npm start`): when .dev.vars names one (DEMO_SHOP_ID, DEMO_SECRET_KEY,
 * DEMO_PUBLISHABLE_KEY — local-only keys), the first request of an isolate makes sure it exists and has the
 * demo program. A deployment without these variables has no demo shop and skips this entirely.
 */
import type { MiddlewareHandler } from "hono";
import { programSchema } from "../../engine/host/validate.ts";
import { hashKey } from "../lib/keys.ts";
import { now } from "../lib/clock.ts";
import type { AppEnv } from "../http/http.ts";
import { shopObject } from "../shop/shop.ts";
import { platformObject } from "../shop/registry.ts";
import { sealSecretKey, sealSecretOf } from "../lib/tokens.ts";
import { addEndpoint } from "../flows/webhooks.ts";
import demoProgram from "./program.json";

/** The demo shop's webhook endpoint: one fixed id, so a restart finds it again. */
export const DEMO_ENDPOINT_ID = "we_demo";

/**
 * Subscribes the demo receiver (`DEMO_WEBHOOK_URL`, which `npm start` points at this Worker's /demo/webhooks) to
 * every event, with the known secret of .dev.vars (`DEMO_WEBHOOK_SECRET`) so the receiver can verify. The only path
 * by which an endpoint gets a secret chosen by someone: the API always makes a fresh one. Nothing without both.
 */
export async function seedDemoEndpoint(env: Env): Promise<void> {
  const url = (env as { DEMO_WEBHOOK_URL?: string }).DEMO_WEBHOOK_URL;
  if (!url || !env.DEMO_WEBHOOK_SECRET) return;
  const endpoint = await addEndpoint(env, env.DEMO_SHOP_ID, DEMO_ENDPOINT_ID, env.DEMO_WEBHOOK_SECRET, {
    url, events: ["*"], description: "the demo receiver (npm start): verifies and logs every delivery",
  }, now());
  // A demo state persisted on another port, or an endpoint disabled by a run whose receiver was down.
  if (endpoint.url !== url || endpoint.status !== "enabled") {
    await shopObject(env, env.DEMO_SHOP_ID).updateWebhookEndpoint(DEMO_ENDPOINT_ID, { url, enabled: true }, now());
  }
}

let seeded: Promise<void> | undefined;

/**
 * The demo shop's storefront origins: those `npm start` configured for its port (`DEMO_ORIGINS`, comma-separated:
 * `http://127.0.0.1:<PORT>,http://localhost:<PORT>`), else the default port's. Never taken from a request: a Host
 * header is the client's to write.
 */
export function demoOrigins(env: Env): string[] {
  const configured = ((env as { DEMO_ORIGINS?: string }).DEMO_ORIGINS ?? "").split(",").map((o) => o.trim()).filter(Boolean);
  return configured.length > 0 ? configured : ["http://127.0.0.1:8787", "http://localhost:8787"];
}

async function seed(env: Env): Promise<void> {
  const shop = shopObject(env, env.DEMO_SHOP_ID);
  const origins = demoOrigins(env);
  const secretKeyHash = await hashKey(env.DEMO_SECRET_KEY);
  const sealed = await sealSecretKey(sealSecretOf(env), env.DEMO_SHOP_ID, env.DEMO_SECRET_KEY);
  await shop.createShop({
    shopId: env.DEMO_SHOP_ID,
    name: "Kopilka demo shop",
    origins,
    secretKeyHash,
    publishableKeyHash: await hashKey(env.DEMO_PUBLISHABLE_KEY),
    secretKeySealed: sealed,
    now: now(),
  });
  // A demo state persisted by an older version or on another port: seal its key and allow this port's origins now.
  await shop.verifyKey("secret", secretKeyHash, now(), sealed);
  const known = (await shop.getSettings())?.origins ?? [];
  const missing = origins.filter((o) => !known.includes(o));
  const all = missing.length === 0 ? known : [...known, ...missing];
  if (all !== known) await shop.updateSettings({ origins: all });
  await platformObject(env).registerOrigins(env.DEMO_SHOP_ID, all);
  if ((await shop.getProgramVersion()) === null) {
    // Validated with the same schema as PUT /v1/program (a test keeps the demo program valid).
    await shop.putProgram(programSchema.parse(demoProgram), now());
  }
  await seedDemoEndpoint(env);
}

/** Middleware: seeds the demo shop once per isolate when the local variables ask for it. */
export const demoShop: MiddlewareHandler<AppEnv> = async (c, next) => {
  const env = c.env;
  if (env.DEMO_SHOP_ID && env.DEMO_SECRET_KEY && env.DEMO_PUBLISHABLE_KEY) {
    seeded ??= seed(env).catch((error: unknown) => {
      seeded = undefined; // try again on the next request
      throw error;
    });
    await seeded;
  }
  await next();
};
