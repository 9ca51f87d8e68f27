/**
 * The platform's registry: what the deployment knows across shops. It lives in one Shop-class object of its own,
 * named `PLATFORM_OBJECT` (no shop id can contain ':'), which holds no shop: every shop's storefront origins (a
 * CORS preflight names no key, so it is answered for an origin some shop allows) and the idempotency records of
 * `POST /v1/shops`. Off every order's path: only shop creation, settings changes and preflights of origins an
 * isolate has not seen within a minute reach it.
 */
import { objectByName } from "../lib/objects.ts";
import type { Shop } from "./shop.ts";

export const PLATFORM_OBJECT = "platform:shops";

/** The platform's registry object. */
export function platformObject(env: Env): DurableObjectStub<Shop> {
  return objectByName(env.SHOP, PLATFORM_OBJECT);
}
