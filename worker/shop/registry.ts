/**
 * The platform's registry: what the deployment knows across shops. It lives in one Shop-class object of its own,
 * named `PLATFORM_OBJECT` (no shop id can contain ':'), which holds no shop: every shop's storefront origins and
 * the idempotency records of `POST /v1/shops`. Off every order's path: only shop creation and settings changes
 * reach it. (CORS preflights no longer ask it: they are answered for any well-formed origin and grant nothing,
 * worker/http/public/access.ts; the origins are still kept, so a question across shops can be answered.)
 */
import { objectByName } from "../lib/objects.ts";
import type { Shop } from "./shop.ts";

export const PLATFORM_OBJECT = "platform:shops";

/** The platform's registry object. */
export function platformObject(env: Env): DurableObjectStub<Shop> {
  return objectByName(env.SHOP, PLATFORM_OBJECT);
}
