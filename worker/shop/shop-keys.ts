/**
 * A shop's keys inside its Shop object (docs/key-rotation.md): checking a key against the current and the previous
 * one, rotating, and re-sealing the sealed secret keys under a new KEY_SEAL_SECRET. Keys arrive hashed; the object
 * only ever sees the secret key sealed.
 */
import { constantTimeEqual } from "../lib/crypto.ts";
import type { KeyKind } from "../lib/keys.ts";
import { openSealedKey, sealSecretKey, type SealSecrets } from "../lib/tokens.ts";
import { selectEngagement } from "./engagement-sql.ts";
import {
  deletePreviousKeyBefore,
  replaceSealedSecret,
  resealCurrentSecret,
  resealPreviousSecret,
  selectPreviousKey,
  updateCurrentKeyHash,
  upsertPreviousKey,
} from "./keys-sql.ts";
import { selectShop } from "./shop-sql.ts";

/** Never a valid hash: compared against when there is no key, so a miss costs what a mismatch costs. */
const NO_HASH = "0".repeat(64);

/** How a key checked out: valid as the current key (`expiresAt` null) or as the previous one until `expiresAt`. */
export interface KeyCheck {
  valid: boolean;
  current: boolean;
  expiresAt: number | null;
}

/** Whether `keyHash` is the shop's current key of that kind, or its previous one still in its grace period at `now`. */
export function checkKey(sql: SqlStorage, kind: KeyKind, keyHash: string, now: number): KeyCheck {
  const shop = selectShop(sql);
  const previous = shop === undefined ? undefined : selectPreviousKey(sql, kind);
  // Both comparisons always run, so which key matched (or that none did) does not show in the time taken.
  const matchesCurrent = constantTimeEqual(shop === undefined ? NO_HASH : kind === "secret" ? shop.secret_key_hash : shop.publishable_key_hash, keyHash);
  const matchesPrevious = constantTimeEqual(previous?.key_hash ?? NO_HASH, keyHash);
  if (shop !== undefined && matchesCurrent) return { valid: true, current: true, expiresAt: null };
  if (previous !== undefined && matchesPrevious && now < previous.expires_at) return { valid: true, current: false, expiresAt: previous.expires_at };
  return { valid: false, current: false, expiresAt: null };
}

/** The previous secret key (sealed) while its grace period lasts at `now`, or null. */
export function previousSecret(sql: SqlStorage, now: number): { sealed: string; expiresAt: number } | null {
  const row = selectPreviousKey(sql, "secret");
  return row === undefined || row.sealed === null || row.expires_at <= now ? null : { sealed: row.sealed, expiresAt: row.expires_at };
}

export interface Rotation {
  kind: KeyKind;
  /** The new key's SHA-256 hex. */
  keyHash: string;
  /** The new secret key sealed under KEY_SEAL_SECRET (secret keys only). */
  sealed?: string;
  /** When the key it replaces stops being valid (`now` itself: at once). */
  previousExpiresAt: number;
  now: number;
}

/**
 * Makes the new key current; the key it replaces stays valid until `previousExpiresAt` and replaces any previous
 * key of that kind (rotating again during a grace period ends the older key's at once). One transaction; null
 * when the shop does not exist.
 */
export function rotateKey(storage: DurableObjectStorage, rotation: Rotation): { previousExpiresAt: number } | null {
  const { kind, keyHash, sealed, previousExpiresAt, now } = rotation;
  if (kind === "secret" && sealed === undefined) throw new RangeError("a new secret key comes with its sealed copy");
  const sql = storage.sql;
  return storage.transactionSync(() => {
    const shop = selectShop(sql);
    if (shop === undefined) return null;
    const replaced = kind === "secret" ? shop.secret_key_hash : shop.publishable_key_hash;
    const replacedSealed = kind === "secret" ? (selectEngagement(sql)?.secret_key_sealed ?? null) : null;
    upsertPreviousKey(sql, kind, { keyHash: replaced, sealed: replacedSealed, expiresAt: previousExpiresAt, rotatedAt: now });
    deletePreviousKeyBefore(sql, kind, now); // a grace period of 0: nothing to keep
    updateCurrentKeyHash(sql, kind, keyHash);
    if (sealed !== undefined) replaceSealedSecret(sql, sealed);
    return { previousExpiresAt };
  });
}

/**
 * Re-seals under the current seal secret what only the previous one opens: the current secret key's sealed copy
 * and the previous secret key's. A copy that neither secret opens is left as it is and logged (rotating the secret
 * key seals a new one). Each write replaces only the copy it read, so a rotation meanwhile is never undone.
 */
export async function resealKeys(sql: SqlStorage, secrets: SealSecrets): Promise<{ resealed: number }> {
  const shop = selectShop(sql);
  if (shop === undefined) return { resealed: 0 };
  const shopId = shop.shop_id;
  const renew = async (sealed: string | null | undefined): Promise<string | null> => {
    if (sealed === null || sealed === undefined) return null;
    try {
      const opened = await openSealedKey(secrets, shopId, sealed);
      return opened.stale ? await sealSecretKey(secrets.current, shopId, opened.secretKey) : null;
    } catch {
      console.error(`Shop ${shopId}: a sealed secret key opens with neither KEY_SEAL_SECRET nor KEY_SEAL_SECRET_PREVIOUS`);
      return null;
    }
  };
  const current = selectEngagement(sql)?.secret_key_sealed;
  const previous = selectPreviousKey(sql, "secret")?.sealed;
  const [currentAfter, previousAfter] = await Promise.all([renew(current), renew(previous)]);
  let resealed = 0;
  if (currentAfter !== null && resealCurrentSecret(sql, current!, currentAfter)) resealed++;
  if (previousAfter !== null && resealPreviousSecret(sql, previous!, previousAfter)) resealed++;
  if (resealed > 0) console.log(`Shop ${shopId}: ${resealed} sealed secret key(s) re-sealed under the current KEY_SEAL_SECRET`);
  return { resealed };
}
