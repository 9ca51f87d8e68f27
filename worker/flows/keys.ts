/**
 * Rotating a shop's keys (`POST /v1/shop/keys/rotate`, docs/key-rotation.md): a fresh key of the kind becomes
 * current, the one it replaces stays valid for a grace period. The new secret key is sealed here (lib/tokens.ts)
 * so customer tokens signed with it can be checked; the Shop object keeps hashes and the sealed copy only.
 */
import type { KeyKind } from "../lib/keys.ts";
import { hashKey, newKey } from "../lib/keys.ts";
import { refusal } from "../lib/refusal.ts";
import { sealSecretKey, sealSecretOf } from "../lib/tokens.ts";
import { shopObject } from "../shop/shop.ts";

/** The longest grace period a rotation may give the key it replaces: a week. */
export const MAX_GRACE_HOURS = 168;
/** The grace period when none is asked for. */
export const DEFAULT_GRACE_HOURS = 24;

export interface RotatedKey {
  kind: KeyKind;
  /** The new key, shown only in this answer. */
  key: string;
  /** When the key it replaced stops being valid. */
  previousExpiresAt: number;
}

/** Makes a fresh key of `kind` the shop's current one; the replaced key stays valid for `graceHours`. */
export async function rotateShopKey(env: Env, shopId: string, kind: KeyKind, graceHours: number, now: number): Promise<RotatedKey> {
  const key = newKey(kind, shopId);
  const [keyHash, sealed] = await Promise.all([
    hashKey(key),
    kind === "secret" ? sealSecretKey(sealSecretOf(env), shopId, key) : Promise.resolve(undefined),
  ]);
  const rotated = await shopObject(env, shopId).rotateKey({ kind, keyHash, sealed, previousExpiresAt: now + graceHours * 3_600_000, now });
  if (rotated === null) throw refusal("not_found", "No such shop");
  return { kind, key, previousExpiresAt: rotated.previousExpiresAt };
}
