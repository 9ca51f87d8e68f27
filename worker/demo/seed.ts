/**
 * The local demo shop (`npm start`): when .dev.vars names one (DEMO_SHOP_ID, DEMO_SECRET_KEY,
 * DEMO_PUBLISHABLE_KEY — local-only keys), the first request of an isolate makes sure it exists and has the
 * demo program. A deployment without these variables has no demo shop and skips this entirely.
 */
import type { MiddlewareHandler } from "hono";
import { programSchema } from "../../engine/host/validate.ts";
import { hashKey } from "../auth.ts";
import { now } from "../clock.ts";
import type { AppEnv } from "../http.ts";
import { PLATFORM_OBJECT, shopObject } from "../shop/shop.ts";
import { sealSecretKey, sealSecretOf } from "../tokens.ts";
import demoProgram from "./program.json";

let seeded: Promise<void> | undefined;

async function seed(env: Env): Promise<void> {
  const shop = shopObject(env, env.DEMO_SHOP_ID);
  const origins = ["http://127.0.0.1:8787", "http://localhost:8787"];
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
  // A demo state persisted by an older version: seal its key and register its origins now.
  await shop.verifyKey("secret", secretKeyHash, sealed);
  await shopObject(env, PLATFORM_OBJECT).registerOrigins(env.DEMO_SHOP_ID, (await shop.getSettings())?.origins ?? origins);
  if ((await shop.getProgramVersion()) === null) {
    // Validated with the same schema as PUT /v1/program (a test keeps the demo program valid).
    await shop.putProgram(programSchema.parse(demoProgram), now());
  }
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
