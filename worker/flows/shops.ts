/**
 * Shops: creating one (`POST /v1/shops`, the platform token) and changing its settings. A shop's keys are made
 * here and shown once: the Shop object keeps their SHA-256 and the secret key sealed (lib/tokens.ts). Every
 * shop's storefront origins are also registered with the platform (shop/registry.ts) for CORS preflights.
 */
import { hashKey, newKey, newShopId } from "../lib/keys.ts";
import { isPrivateHost } from "../lib/hosts.ts";
import { refusal } from "../lib/refusal.ts";
import { sealSecretKey, sealSecretOf } from "../lib/tokens.ts";
import { platformObject } from "../shop/registry.ts";
import { shopObject } from "../shop/shop.ts";
import type { ShopSettings } from "../shop/types.ts";

export interface CreatedShop {
  shopId: string;
  secretKey: string;
  publishableKey: string;
}

/** A new shop with fresh keys, its origins registered. */
export async function createShop(env: Env, shop: { name: string; origins: string[] }, now: number): Promise<CreatedShop> {
  // A 16-character random id never collides in practice; a few attempts make "never" certain.
  for (let attempt = 0; attempt < 3; attempt++) {
    const shopId = newShopId();
    const secretKey = newKey("secret", shopId);
    const publishableKey = newKey("publishable", shopId);
    const [secretKeyHash, publishableKeyHash, secretKeySealed] = await Promise.all([
      hashKey(secretKey), hashKey(publishableKey), sealSecretKey(sealSecretOf(env), shopId, secretKey),
    ]);
    const { created } = await shopObject(env, shopId).createShop({ shopId, ...shop, secretKeyHash, publishableKeyHash, secretKeySealed, now });
    if (created) {
      await platformObject(env).registerOrigins(shopId, shop.origins);
      return { shopId, secretKey, publishableKey };
    }
  }
  throw refusal("internal", "Could not allocate a shop id");
}

/** The shop's settings; `not_found` for a shop that does not exist. */
export async function shopSettings(env: Env, shopId: string): Promise<ShopSettings> {
  const settings = await shopObject(env, shopId).getSettings();
  if (settings === null) throw refusal("not_found", "No such shop");
  return settings;
}

/**
 * Changes what is given; new origins are registered with the platform. A webhook URL on this machine or a private
 * network is refused unless the deployment allows it (`ALLOW_PRIVATE_WEBHOOKS=1`: `npm start` only).
 */
export async function updateShopSettings(
  env: Env, shopId: string, patch: { name?: string; origins?: string[]; webhookUrl?: string | null },
): Promise<ShopSettings> {
  if (patch.webhookUrl) refusePrivateWebhook(env, patch.webhookUrl, "webhookUrl");
  const settings = await shopObject(env, shopId).updateSettings(patch);
  if (settings === null) throw refusal("not_found", "No such shop");
  if (patch.origins !== undefined) await platformObject(env).registerOrigins(shopId, settings.origins);
  return settings;
}

/**
 * Refuses (400 naming `path`) a webhook URL on this machine or a private network, unless the deployment allows it
 * (`ALLOW_PRIVATE_WEBHOOKS=1`: `npm start` only). The shop's `webhookUrl` and webhook endpoints both go through it.
 */
export function refusePrivateWebhook(env: Env, url: string, path: string): void {
  const allowPrivate = (env as { ALLOW_PRIVATE_WEBHOOKS?: string }).ALLOW_PRIVATE_WEBHOOKS === "1";
  if (!allowPrivate && isPrivateHost(new URL(url).hostname)) {
    throw refusal("invalid_request", `${path}: must be a public host (not this machine or a private network)`, path);
  }
}
