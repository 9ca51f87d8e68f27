import { DurableObject } from "cloudflare:workers";
import type { z } from "zod";
import type { programSchema } from "../../engine/host/validate.ts";
import { constantTimeEqual } from "../lib/crypto.ts";
import { SHOP_ID_PATTERN, type KeyKind } from "../lib/keys.ts";
import { now as clockNow } from "../lib/clock.ts";
import { migrate } from "../lib/sql.ts";
import { objectByName } from "../lib/objects.ts";
import { normaliseContact, type ContactKind, type Contacts } from "./contacts.ts";
import {
  attachReferral,
  checkVerification,
  referralCodeOf,
  referralCodeOwner,
  referralDue,
  referralStats,
  startVerification,
  verificationStatus,
  type AttachReferral,
  type CheckVerification,
  type StartVerification,
} from "./engagement.ts";
import {
  insertOutbox,
  replaceOrigins,
  selectEngagement,
  selectContactsOf,
  selectNextOutboxAt,
  selectOriginKnown,
  updateConsent,
  updateReferralRewarded,
  updateSealedSecret,
  updateSettings,
  updateVerificationWelcome,
} from "./engagement-sql.ts";
import { deliverDue } from "./webhooks.ts";
import { sealSecretOf, unsealSecretKey } from "../lib/tokens.ts";
import {
  SHOP_MIGRATIONS,
  deleteContactOf,
  deleteIdempotencyBefore,
  deleteIdempotencyStarted,
  insertContact,
  insertCustomer,
  insertIdempotencyStart,
  insertOrderIndex,
  insertProgram,
  insertShop,
  insertWelcomeGiven,
  selectContactHolder,
  selectCustomerKnown,
  selectIdempotency,
  selectLatestProgramVersion,
  selectOrderIndex,
  selectProgram,
  selectShop,
  selectWelcomeGiven,
  selectWelcomeGivenTo,
  updateIdempotencyDone,
} from "./shop-sql.ts";

/** What `createShop` stores. Keys arrive hashed (SHA-256 hex); the object never sees a key. */
export interface NewShop {
  shopId: string;
  name: string;
  origins: string[];
  secretKeyHash: string;
  publishableKeyHash: string;
  /** The secret key sealed under KEY_SEAL_SECRET (tokens.ts), to verify customer tokens and sign webhooks. */
  secretKeySealed?: string;
  now: number;
}

export interface ShopSettings {
  shopId: string;
  name: string;
  origins: string[];
  webhookUrl: string | null;
  createdAt: number;
}

/** What the widget endpoints need of a shop, answered when the publishable key is right. */
export interface PublicContext {
  name: string;
  origins: string[];
  /** The sealed secret key (null for a shop whose key has not been sealed yet: tokens cannot be checked). */
  secretKeySealed: string | null;
}

/** What the widget shows of a customer beyond the account: their referral code and verified contacts. */
export interface CustomerCard {
  exists: boolean;
  referralCode: string | null;
  referrals: { invited: number; rewarded: number };
  verified: Partial<Record<ContactKind, boolean>>;
  consent: boolean;
  /** The customer's current contacts (normalised; shown masked). */
  contacts: Contacts;
}

/** A program as `validateProgram` returns it (defaults applied): what `putProgram` stores. */
export type ValidProgram = z.output<typeof programSchema>;

export interface ProgramVersion {
  version: number;
  program: ValidProgram;
}

/** How `startIdempotentRequest` found the key: new (go ahead), answered before, reused differently, or running. */
export type IdempotencyStart =
  | { outcome: "started" }
  | { outcome: "replay"; status: number; response: ArrayBuffer }
  | { outcome: "mismatch" }
  | { outcome: "in_progress" };

/** A customer's contacts as they are to be from now on: null releases the one held so far. */
export interface ContactClaim extends Contacts {
  customerId: string;
  /**
   * The program grants a welcome bonus now: when this call creates the customer and none of its contacts has
   * ever brought one, mark them as this customer's in the same transaction, so a registration interrupted
   * before its points were added resumes on retry (`welcomeMine`) and no other customer can take the bonus.
   */
  welcome?: boolean;
  /** The shopper accepted the program's terms (widget registration): recorded with the time, once. */
  consent?: boolean;
}

/**
 * How `claimContacts` went: recorded, with whether each contact has ever brought a welcome bonus (false for
 * an absent one); or refused, nothing changed, because another customer holds the contact named by `field`
 * (`taken`) or it is not a phone/email at all (`invalid`: the routes refuse those first, so that is a bug).
 */
export type ClaimResult =
  | {
    ok: true;
    welcomeGiven: Record<ContactKind, boolean>;
    /** The welcome bonus of these contacts is this customer's (marked now or by an earlier, interrupted call). */
    welcomeMine: boolean;
    /** This call created the customer in the shop's directory. */
    newCustomer: boolean;
  }
  | { ok: false; field: ContactKind; reason: "taken" | "invalid" };

const CONTACT_KINDS: readonly ContactKind[] = ["phone", "email"];

/** The claim's contacts normalised (idempotent on normalised input), or the kind of the first malformed one. */
function normalised(contacts: Partial<Contacts>): [ContactKind, string | null][] | ContactKind {
  const out: [ContactKind, string | null][] = [];
  for (const kind of CONTACT_KINDS) {
    const value = contacts[kind];
    const contact = value === null || value === undefined ? null : normaliseContact[kind](value);
    if (contact === null && value !== null && value !== undefined) return kind;
    out.push([kind, contact]);
  }
  return out;
}

/** Idempotency records are kept this long (api.md promises at least 24 hours). */
export const IDEMPOTENCY_RETENTION_MS = 48 * 60 * 60 * 1000;
/** A started request with no answer after this long is taken to have died; a retry may run it again. */
export const IDEMPOTENCY_STALE_MS = 60 * 1000;

/** Never a valid hash: compared against when a shop has no row, so a miss costs what a mismatch costs. */
const NO_HASH = "0".repeat(64);

/**
 * The Shop Durable Object, one per shop (`idFromName(shopId)`): name, origins, hashed keys, program versions,
 * the order index (orderId → customerId), the contact directory and the idempotency records of shop-scoped
 * requests.
 * The object named `PLATFORM_OBJECT` has no shop and only keeps the idempotency records of `POST /v1/shops`.
 */
export class Shop extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => migrate(ctx.storage, SHOP_MIGRATIONS));
  }

  /** Creates the shop once. A repeat with the same shop id changes nothing; `created` says which happened. */
  createShop(shop: NewShop): { created: boolean } {
    if (!SHOP_ID_PATTERN.test(shop.shopId)) throw new RangeError(`shop ids are 1 to 64 letters, digits or '-', got ${JSON.stringify(shop.shopId)}`);
    if (selectShop(this.sql) !== undefined) return { created: false };
    insertShop(this.sql, {
      shop_id: shop.shopId,
      name: shop.name,
      origins: JSON.stringify(shop.origins),
      secret_key_hash: shop.secretKeyHash,
      publishable_key_hash: shop.publishableKeyHash,
      created_at: shop.now,
    });
    if (shop.secretKeySealed !== undefined) updateSealedSecret(this.sql, shop.secretKeySealed);
    return { created: true };
  }

  /**
   * Whether `keyHash` is this shop's key of that kind, compared in constant time. A right secret key may bring
   * its sealed copy (`sealed`), kept when the shop has none yet (shops created before keys were sealed).
   */
  verifyKey(kind: KeyKind, keyHash: string, sealed?: string): boolean {
    const shop = selectShop(this.sql);
    const stored = shop === undefined ? NO_HASH : kind === "secret" ? shop.secret_key_hash : shop.publishable_key_hash;
    const valid = constantTimeEqual(stored, keyHash) && shop !== undefined;
    if (valid && kind === "secret" && sealed !== undefined) updateSealedSecret(this.sql, sealed);
    return valid;
  }

  /** Whether the shop's secret key is sealed here (customer tokens and webhooks need it). */
  hasSealedSecret(): boolean {
    return (selectEngagement(this.sql)?.secret_key_sealed ?? null) !== null;
  }

  /** The widget's view of the shop, when `publishableKeyHash` is its publishable key (constant-time); else null. */
  publicContext(publishableKeyHash: string): PublicContext | null {
    if (!this.verifyKey("publishable", publishableKeyHash)) return null;
    const shop = selectShop(this.sql)!;
    return { name: shop.name, origins: JSON.parse(shop.origins) as string[], secretKeySealed: selectEngagement(this.sql)?.secret_key_sealed ?? null };
  }

  getSettings(): ShopSettings | null {
    const shop = selectShop(this.sql);
    if (shop === undefined) return null;
    return {
      shopId: shop.shop_id,
      name: shop.name,
      origins: JSON.parse(shop.origins) as string[],
      webhookUrl: selectEngagement(this.sql)?.webhook_url ?? null,
      createdAt: shop.created_at,
    };
  }

  /** PATCH /v1/shop: changes what is given (validated by the route). */
  updateSettings(settings: { name?: string; origins?: string[]; webhookUrl?: string | null }): ShopSettings | null {
    if (selectShop(this.sql) === undefined) return null;
    this.ctx.storage.transactionSync(() =>
      updateSettings(this.sql, { ...settings, origins: settings.origins === undefined ? undefined : JSON.stringify(settings.origins) }));
    return this.getSettings();
  }

  // ---- the origin registry (kept by the platform object) ----

  /** Platform object: the storefront origins of `shopId` from now on (CORS preflights are checked against all). */
  registerOrigins(shopId: string, origins: string[]): void {
    this.ctx.storage.transactionSync(() => replaceOrigins(this.sql, shopId, origins));
  }

  /** Platform object: whether any shop allows this origin. */
  isOriginKnown(origin: string): boolean {
    return selectOriginKnown(this.sql, origin);
  }

  /** Stores `program` (already validated) as the next version. Versions are never changed once written. */
  putProgram(program: ValidProgram, now: number): { version: number } {
    return { version: insertProgram(this.sql, JSON.stringify(program), now) };
  }

  /** The given version of the program, or the latest; null when there is none. */
  getProgram(version?: number): ProgramVersion | null {
    const row = selectProgram(this.sql, version);
    return row === undefined ? null : { version: row.version, program: JSON.parse(row.program) as ValidProgram };
  }

  /** The latest program version only (cheap: lets callers hit a per-isolate engine cache first). */
  getProgramVersion(): number | null {
    return selectLatestProgramVersion(this.sql) ?? null;
  }

  /** Remembers which customer an order belongs to. The first mapping wins; the answer is the stored one. */
  indexOrder(orderId: string, customerId: string, now = clockNow()): { customerId: string; created: boolean } {
    if (insertOrderIndex(this.sql, orderId, customerId, now)) return { customerId, created: true };
    return { customerId: selectOrderIndex(this.sql, orderId)!.customer_id, created: false };
  }

  /** The order's customer, and whether a referral bonus is still owed for them (granted on a confirmed order). */
  findOrder(orderId: string): { customerId: string; referralDue: boolean } | null {
    const row = selectOrderIndex(this.sql, orderId);
    return row === undefined ? null : { customerId: row.customer_id, referralDue: referralDue(this.sql, row.customer_id) !== null };
  }

  /**
   * Records a customer (PUT /v1/customers/{id}) and the contacts it holds from now on, atomically: when another
   * customer holds the phone or the email, nothing changes and the answer names the field. Otherwise the
   * customer's previous phone/email (if different, or if now null) is released for others to claim. Contacts
   * are normalised here too (phone E.164, email lower-case), so every caller stores them one way.
   * Runs without an await, so two customers cannot both claim one contact.
   */
  claimContacts(claim: ContactClaim, now = clockNow()): ClaimResult {
    const contacts = normalised(claim);
    if (typeof contacts === "string") return { ok: false, field: contacts, reason: "invalid" };
    for (const [kind, value] of contacts) {
      if (value === null) continue;
      const holder = selectContactHolder(this.sql, kind, value);
      if (holder !== undefined && holder !== claim.customerId) return { ok: false, field: kind, reason: "taken" };
    }
    const welcomeGiven = { phone: false, email: false };
    for (const [kind, value] of contacts) welcomeGiven[kind] = value !== null && selectWelcomeGiven(this.sql, kind, value);
    const present = contacts.filter((entry): entry is [ContactKind, string] => entry[1] !== null);
    const newCustomer = this.ctx.storage.transactionSync(() => {
      const created = insertCustomer(this.sql, claim.customerId, now);
      for (const [kind, value] of contacts) {
        deleteContactOf(this.sql, claim.customerId, kind, value);
        if (value !== null) insertContact(this.sql, kind, value, claim.customerId, now);
      }
      if (claim.welcome && created && present.length > 0 && !welcomeGiven.phone && !welcomeGiven.email) {
        for (const [kind, value] of present) insertWelcomeGiven(this.sql, kind, value, claim.customerId, now);
      }
      if (claim.consent) updateConsent(this.sql, claim.customerId, now);
      if (created) referralCodeOf(this.sql, claim.customerId, now);
      return created;
    });
    const welcomeMine = present.some(([kind, value]) => selectWelcomeGivenTo(this.sql, kind, value) === claim.customerId);
    return { ok: true, welcomeGiven, welcomeMine, newCustomer };
  }

  /**
   * Notes that these contacts brought `customerId` the welcome bonus, for ever (a contact that later moves to
   * another customer brings no second one). Test-and-set: when any of them has brought one already (a race
   * with another registration) or is malformed, nothing is marked and `marked` is false — the caller must not
   * grant.
   */
  markWelcomeGiven(given: Partial<Contacts> & { customerId: string }, now = clockNow()): { marked: boolean } {
    const all = normalised(given);
    if (typeof all === "string") return { marked: false };
    const contacts = all.filter((entry): entry is [ContactKind, string] => entry[1] !== null);
    if (contacts.some(([kind, value]) => selectWelcomeGiven(this.sql, kind, value))) return { marked: false };
    this.ctx.storage.transactionSync(() => {
      for (const [kind, value] of contacts) insertWelcomeGiven(this.sql, kind, value, given.customerId, now);
    });
    return { marked: true };
  }

  /** The customer holding this phone or email now (either form; normalised here), or null. */
  findCustomer(contact: { phone: string } | { email: string }): string | null {
    const [kind, input] = "phone" in contact ? (["phone", contact.phone] as const) : (["email", contact.email] as const);
    const value = normaliseContact[kind](input);
    return value === null ? null : selectContactHolder(this.sql, kind, value) ?? null;
  }

  /** Whether the customer exists in this shop: created through the API or named by an order. */
  hasCustomer(customerId: string): boolean {
    return selectCustomerKnown(this.sql, customerId);
  }

  // ---- engagement: referral, verification, webhooks ----

  /** The widget's facts about a customer; `exists` false (and nothing created) for one the shop does not know. */
  customerCard(customerId: string, now = clockNow()): CustomerCard {
    if (!selectCustomerKnown(this.sql, customerId)) {
      return { exists: false, referralCode: null, referrals: { invited: 0, rewarded: 0 }, verified: {}, consent: false, contacts: { phone: null, email: null } };
    }
    const consent = this.sql.exec<{ c: number | null }>("SELECT consent_at AS c FROM customers WHERE customer_id = ?", customerId).toArray()[0]?.c;
    return {
      exists: true,
      referralCode: referralCodeOf(this.sql, customerId, now),
      referrals: referralStats(this.sql, customerId),
      verified: verificationStatus(this.sql, customerId),
      consent: consent !== null && consent !== undefined,
      contacts: this.contactsOf(customerId),
    };
  }

  /** The customer's current contacts (normalised). */
  contactsOf(customerId: string): Contacts {
    const out: Contacts = { phone: null, email: null };
    for (const c of selectContactsOf(this.sql, customerId)) out[c.kind] = c.value;
    return out;
  }

  /** The customer owning a referral code (any case, spaces and dashes ignored), or null. */
  findReferralCode(code: string): string | null {
    return referralCodeOwner(this.sql, code);
  }

  attachReferral(refereeId: string, code: string, now = clockNow()): AttachReferral {
    return this.ctx.storage.transactionSync(() => attachReferral(this.sql, refereeId, code, now));
  }

  /** The referrer still owed a bonus for this referee (both bonuses are granted together), or null. */
  referralDue(refereeId: string): string | null {
    return referralDue(this.sql, refereeId);
  }

  /** Both referral bonuses of this referee have been granted. */
  markReferralRewarded(refereeId: string, now = clockNow()): void {
    updateReferralRewarded(this.sql, refereeId, now);
  }

  /**
   * Stores a verification code's hash for the customer's contact on `channel` and queues its webhook (whose body
   * the caller builds from the contact: `event`, `payload`). The alarm delivers it.
   */
  async startVerification(v: { customerId: string; channel: ContactKind; codeHash: string; now: number; event: string; payload: Record<string, unknown> }): Promise<StartVerification> {
    const result = this.ctx.storage.transactionSync(() =>
      startVerification(this.sql, {
        ...v,
        webhook: (contact, expiresAt) => ({
          event: v.event,
          payload: JSON.stringify({ ...v.payload, to: contact, expiresAt: new Date(expiresAt).toISOString() }),
        }),
      }));
    // Deliver at once (alarms run on wall-clock time; `now` may come from a test's clock).
    if (result.ok) await this.ctx.storage.setAlarm(Date.now());
    return result;
  }

  checkVerification(v: { customerId: string; channel: ContactKind; codeHash: string; now: number; welcome: boolean }): CheckVerification {
    return this.ctx.storage.transactionSync(() =>
      checkVerification(this.sql, { ...v, matches: (stored) => constantTimeEqual(stored, v.codeHash) }));
  }

  /** Records the welcome points a verification's answer reported (once), for retries of the same code. */
  noteVerificationWelcome(customerId: string, channel: ContactKind, points: number): void {
    updateVerificationWelcome(this.sql, customerId, channel, points);
  }

  /** Queues a webhook event (delivered by the alarm). */
  async enqueueWebhook(event: string, payload: Record<string, unknown>, now: number, ttlMs = 24 * 60 * 60 * 1000): Promise<void> {
    insertOutbox(this.sql, event, JSON.stringify(payload), now, now + ttlMs);
    await this.ctx.storage.setAlarm(Date.now());
  }

  /** Delivers the due webhooks, then sets the alarm for the next retry. */
  override async alarm(): Promise<void> {
    const at = clockNow();
    const engagement = selectEngagement(this.sql);
    const shop = selectShop(this.sql);
    let secretKey: string | null = null;
    if (shop !== undefined && engagement?.secret_key_sealed) {
      try {
        secretKey = await unsealSecretKey(sealSecretOf(this.env), shop.shop_id, engagement.secret_key_sealed);
      } catch (e) {
        console.error("Shop: cannot unseal the secret key to sign webhooks", e instanceof Error ? e.message : e);
      }
    }
    const logEvents = (this.env as { DEV_LOG_WEBHOOKS?: string }).DEV_LOG_WEBHOOKS === "1";
    await deliverDue(this.sql, { url: engagement?.webhook_url ?? null, secretKey, logEvents }, at);
    const next = selectNextOutboxAt(this.sql);
    if (next !== null) await this.ctx.storage.setAlarm(Math.max(next, clockNow()));
  }

  /**
   * Claims an Idempotency-Key (its hash) for a request with this fingerprint. Runs without an await, so two
   * concurrent requests with one key cannot both get `started`.
   */
  startIdempotentRequest(keyHash: string, fingerprint: string, now: number): IdempotencyStart {
    const existing = selectIdempotency(this.sql, keyHash);
    const expired = existing !== undefined && existing.created_at < now - IDEMPOTENCY_RETENTION_MS;
    if (existing !== undefined && !expired) {
      if (!constantTimeEqual(existing.fingerprint, fingerprint)) return { outcome: "mismatch" };
      if (existing.state === "done" && existing.status !== null && existing.response !== null) {
        return { outcome: "replay", status: existing.status, response: existing.response };
      }
      if (existing.created_at >= now - IDEMPOTENCY_STALE_MS) return { outcome: "in_progress" };
    }
    this.ctx.storage.transactionSync(() => {
      deleteIdempotencyBefore(this.sql, now - IDEMPOTENCY_RETENTION_MS);
      insertIdempotencyStart(this.sql, keyHash, fingerprint, now);
    });
    return { outcome: "started" };
  }

  /** Stores the answer of a started request (sealed by the caller) for replays. */
  completeIdempotentRequest(keyHash: string, status: number, response: ArrayBuffer): void {
    updateIdempotencyDone(this.sql, keyHash, status, response);
  }

  /** Forgets a started request that failed, so that a retry runs it again. */
  abandonIdempotentRequest(keyHash: string): void {
    deleteIdempotencyStarted(this.sql, keyHash);
  }
}

/** The name of the Shop object that holds the idempotency records of `POST /v1/shops` (no shop id can contain ':'). */
export const PLATFORM_OBJECT = "platform:shops";

/** The Shop object of a shop (the id must come from a verified key or from `POST /v1/shops`). */
export function shopObject(env: Env, shopId: string): DurableObjectStub<Shop> {
  return objectByName(env.SHOP, shopId);
}
