import { DurableObject } from "cloudflare:workers";
import { constantTimeEqual } from "../lib/crypto.ts";
import { SHOP_ID_PATTERN, type KeyKind } from "../lib/keys.ts";
import { now as clockNow } from "../lib/clock.ts";
import { migrate } from "../lib/sql.ts";
import { emit, oldestUnrelayed, OutboxRelay } from "../lib/outbox.ts";
import { objectByName } from "../lib/objects.ts";
import { contactIdentity, normaliseContact, type ContactKind, type Contacts } from "./contacts.ts";
import {
  attachReferral,
  checkReferral,
  checkVerification,
  claimReferral,
  referralCodeOwner,
  referralDue,
  referralPaidBy,
  revokeReferral,
  startVerification,
  type AttachReferral,
  type ReferralRefusal,
  type CheckVerification,
  type StartVerification,
} from "./engagement.ts";
import {
  insertOutbox,
  replaceOrigins,
  selectEngagement,
  selectNextOutboxAt,
  selectOriginKnown,
  updateReferralRewarded,
  updateSealedSecret,
  updateSettings,
  updateVerificationWelcome,
} from "./engagement-sql.ts";
import { deliverDue } from "./webhooks.ts";
import { claimContacts, contactsOf, customerCard, markWelcomeGiven, rekeyContacts } from "./directory.ts";
import { startIdempotentRequest } from "./idempotency-records.ts";
import {
  createEndpoint, endpointTargets, getEndpoint, listEndpoints, recordDelivery, removeEndpoint, replaceEndpointSecret, resealEndpointSecrets,
  updateEndpoint,
  type DeliveryOutcome, type EndpointPatch, type EndpointTarget, type EndpointView, type NewEndpoint,
} from "./webhook-endpoints.ts";
import type { Result } from "../lib/refusal.ts";
import type {
  ClaimResult, ContactClaim, CustomerCard, IdempotencyStart, NewShop, ProgramVersion, PublicContext, ShopSettings, ValidProgram,
} from "./types.ts";
import { openSealedKey, sealSecretsOf } from "../lib/tokens.ts";
import { checkKey, previousSecret, resealKeys, rotateKey, type KeyCheck, type Rotation } from "./shop-keys.ts";
import {
  SHOP_MIGRATIONS,
  deleteIdempotencyStarted,
  insertOrderIndex,
  upsertOrderPlaced,
  deleteUnplacedOrder,
  insertProgram,
  insertShop,
  selectContactHolder,
  selectCustomerKnown,
  selectLatestProgramVersion,
  selectOrderIndex,
  selectProgram,
  selectShop,
  updateIdempotencyDone,
} from "./shop-sql.ts";

/**
 * The Shop Durable Object, one per shop (`idFromName(shopId)`): name, origins, hashed keys, program versions,
 * the order index (orderId → customerId), the contact directory and the idempotency records of shop-scoped
 * requests.
 * The object named `PLATFORM_OBJECT` has no shop and only keeps the idempotency records of `POST /v1/shops`.
 */
export class Shop extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** Relays the shop's own events (verification) to the EVENTS queue after each commit (lib/outbox.ts). */
  private readonly outbox: OutboxRelay;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.outbox = new OutboxRelay(this.sql, () => ({ queue: this.env.EVENTS, shopId: this.ctx.id.name ?? "", customerId: null }), "Shop");
    void ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, SHOP_MIGRATIONS);
      rekeyContacts(ctx.storage);
      if (oldestUnrelayed(this.sql) !== null) void this.relayEvents();
    });
  }

  /**
   * Relays the outbox now; if anything is left (the queue refused), the alarm comes back in 30 s to try again.
   * The alarm (webhook retries) relays too.
   */
  private async relayEvents(): Promise<void> {
    await this.outbox.run();
    if (oldestUnrelayed(this.sql) !== null) await this.ctx.storage.setAlarm(Date.now() + 30_000);
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
   * Whether `keyHash` is this shop's key of that kind at `now` — the current one, or the previous one within its
   * grace period (`expiresAt`) — compared in constant time. A right current secret key may bring its sealed copy
   * (`sealed`), kept when the shop has none yet (shops created before keys were sealed).
   */
  async verifyKey(kind: KeyKind, keyHash: string, now: number, sealed?: string): Promise<KeyCheck> {
    const check = checkKey(this.sql, kind, keyHash, now);
    if (check.current && kind === "secret") {
      if (sealed !== undefined) updateSealedSecret(this.sql, sealed);
      await this.resealWhileRotating();
    }
    return check;
  }

  /**
   * Makes a new key current (shop-keys.ts `rotateKey`); the one it replaces stays valid until `previousExpiresAt`.
   * Null when the shop does not exist.
   */
  rotateKey(rotation: Rotation): { previousExpiresAt: number } | null {
    return rotateKey(this.ctx.storage, rotation);
  }

  /**
   * Re-seals the sealed secret keys that only `KEY_SEAL_SECRET_PREVIOUS` opens under `KEY_SEAL_SECRET`
   * (docs/key-rotation.md); how many were re-sealed.
   */
  async resealKeys(): Promise<{ resealed: number }> {
    const secrets = sealSecretsOf(this.env);
    const keys = await resealKeys(this.sql, secrets);
    const shopId = selectShop(this.sql)?.shop_id;
    // The webhook endpoints' signing secrets are sealed the same way and re-sealed with the keys.
    return { resealed: keys.resealed + (shopId === undefined ? 0 : await resealEndpointSecrets(this.sql, shopId, secrets)) };
  }

  /** While the seal secret is being rotated, every read of the sealed keys re-seals those still under the previous one. */
  private async resealWhileRotating(): Promise<void> {
    const previous = (this.env as { KEY_SEAL_SECRET_PREVIOUS?: string }).KEY_SEAL_SECRET_PREVIOUS;
    if (typeof previous !== "string" || previous.length < 16) return;
    try {
      await this.resealKeys();
    } catch (e) {
      // Re-sealing is an optimisation of a later read; it must never fail the request that triggered it.
      console.error("Shop: re-sealing the secret key failed", e instanceof Error ? e.message : e);
    }
  }

  /** Whether the shop's secret key is sealed here (customer tokens and webhooks need it). */
  hasSealedSecret(): boolean {
    return (selectEngagement(this.sql)?.secret_key_sealed ?? null) !== null;
  }

  /**
   * The widget's view of the shop, when `publishableKeyHash` is its publishable key at `now` — the current one or
   * the previous one within its grace period (constant-time); else null.
   */
  async publicContext(publishableKeyHash: string, now: number): Promise<PublicContext | null> {
    const check = checkKey(this.sql, "publishable", publishableKeyHash, now);
    if (!check.valid) return null;
    await this.resealWhileRotating();
    const shop = selectShop(this.sql)!;
    return {
      name: shop.name,
      origins: JSON.parse(shop.origins) as string[],
      secretKeySealed: selectEngagement(this.sql)?.secret_key_sealed ?? null,
      previousSecret: previousSecret(this.sql, now),
      keyExpiresAt: check.expiresAt,
    };
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
  indexOrder(orderId: string, customerId: string, now: number): { customerId: string; created: boolean } {
    if (insertOrderIndex(this.sql, orderId, customerId, now)) return { customerId, created: true };
    return { customerId: selectOrderIndex(this.sql, orderId)!.customer_id, created: false };
  }

  /**
   * The account placed the order: its index row stays. Called by requests that did not create the row (a retry,
   * or a concurrent twin), so that the creator's clean-up after a refusal cannot remove a placed order's id.
   * Answers the customer the order id belongs to.
   */
  orderPlaced(orderId: string, customerId: string, now: number): { customerId: string } {
    return { customerId: upsertOrderPlaced(this.sql, orderId, customerId, now) };
  }

  /** The account refused the order this request indexed: the id is free again, and names no customer. */
  forgetOrder(orderId: string, customerId: string): void {
    deleteUnplacedOrder(this.sql, orderId, customerId);
  }

  /**
   * The order's customer, whether a referral bonus is still owed for them (granted on a confirmed order), and
   * whether this order paid their referral (taken back when it is cancelled or returned in full).
   */
  findOrder(orderId: string): { customerId: string; referralDue: boolean; referralPaid: boolean } | null {
    const row = selectOrderIndex(this.sql, orderId);
    if (row === undefined) return null;
    const customerId = row.customer_id;
    return {
      customerId,
      referralDue: referralDue(this.sql, customerId) !== null,
      referralPaid: referralPaidBy(this.sql, customerId, orderId) !== null,
    };
  }

  /**
   * Records a customer and the contacts it holds from now on, atomically (directory.ts `claimContacts`). Runs
   * without an await, so two customers cannot both claim one contact.
   */
  claimContacts(claim: ContactClaim, now: number): ClaimResult {
    return claimContacts(this.ctx.storage, claim, now);
  }

  /** Notes that these contacts brought `customerId` the welcome bonus, for ever (directory.ts `markWelcomeGiven`). */
  markWelcomeGiven(given: Partial<Contacts> & { customerId: string }, now: number): { marked: boolean } {
    return markWelcomeGiven(this.ctx.storage, given, now);
  }

  /** The customer holding this phone or email now (either form; normalised here), or null. */
  findCustomer(contact: { phone: string } | { email: string }): string | null {
    const [kind, input] = "phone" in contact ? (["phone", contact.phone] as const) : (["email", contact.email] as const);
    const value = normaliseContact[kind](input);
    return value === null ? null : selectContactHolder(this.sql, kind, contactIdentity(kind, value)) ?? null;
  }

  /** Whether the customer exists in this shop: created through the API or named by an order. */
  hasCustomer(customerId: string): boolean {
    return selectCustomerKnown(this.sql, customerId);
  }

  // ---- engagement: referral, verification, webhooks ----

  /** The widget's facts about a customer; `exists` false (and nothing created) for one the shop does not know. */
  customerCard(customerId: string, now: number): CustomerCard {
    return customerCard(this.sql, customerId, now);
  }

  /** The customer's current contacts (normalised). */
  contactsOf(customerId: string): Contacts {
    return contactsOf(this.sql, customerId);
  }

  /** The customer owning a referral code (any case, spaces and dashes ignored), or null. */
  findReferralCode(code: string): string | null {
    return referralCodeOwner(this.sql, code);
  }

  /** Whether `refereeId` may come with `code` (engagement.ts `checkReferral`); changes nothing. */
  checkReferral(refereeId: string, code: string): { ok: true; referrerId: string } | { ok: false; reason: ReferralRefusal } {
    return checkReferral(this.sql, refereeId, code);
  }

  attachReferral(refereeId: string, code: string, now: number): AttachReferral {
    return this.ctx.storage.transactionSync(() => attachReferral(this.sql, refereeId, code, now));
  }

  /** The referrer still owed a bonus for this referee (both bonuses are granted together), or null. */
  referralDue(refereeId: string): string | null {
    return referralDue(this.sql, refereeId);
  }

  /** Names the order whose confirmation pays this referee's referral; answers the order that pays, or null. */
  claimReferral(refereeId: string, orderId: string): string | null {
    return claimReferral(this.sql, refereeId, orderId);
  }

  /** The order that paid the referral no longer stands: the referrer whose bonus goes back, or null. */
  revokeReferral(refereeId: string, orderId: string, now: number): string | null {
    return revokeReferral(this.sql, refereeId, orderId, now);
  }

  /** Both referral bonuses of this referee have been granted. */
  markReferralRewarded(refereeId: string, now: number): void {
    updateReferralRewarded(this.sql, refereeId, now);
  }

  /**
   * Stores a verification code's hash for the customer's contact on `channel` and queues its webhook (whose body
   * the caller builds from the contact: `event`, `payload`). The alarm delivers it.
   */
  async startVerification(v: {
    customerId: string; channel: ContactKind; codeHash: string; now: number; event: string; payload: Record<string, unknown>;
    code: string; locale: string | null;
  }): Promise<StartVerification> {
    const result = this.ctx.storage.transactionSync(() => {
      const started = startVerification(this.sql, {
        ...v,
        webhook: (contact, expiresAt) => ({
          event: v.event,
          payload: JSON.stringify({ ...v.payload, to: contact, expiresAt: new Date(expiresAt).toISOString() }),
        }),
      });
      if (started.ok) {
        emit(this.sql, "verification.code", {
          channel: v.channel, code: v.code, to: started.contact, locale: v.locale, expiresAt: new Date(started.expiresAt).toISOString(),
        }, v.now, v.customerId);
      }
      return started;
    });
    // Deliver at once (alarms run on wall-clock time; `now` may come from a test's clock).
    if (result.ok) {
      await this.ctx.storage.setAlarm(Date.now());
      void this.relayEvents();
    }
    return result;
  }

  checkVerification(v: { customerId: string; channel: ContactKind; codeHash: string; now: number; welcome: boolean }): CheckVerification {
    const result = this.ctx.storage.transactionSync(() => {
      const checked = checkVerification(this.sql, { ...v, matches: (stored) => constantTimeEqual(stored, v.codeHash) });
      if (checked.ok && !checked.replay) emit(this.sql, "customer.verified", { channel: v.channel }, v.now, v.customerId);
      return checked;
    });
    if (result.ok && !result.replay) void this.relayEvents();
    return result;
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
        const opened = await openSealedKey(sealSecretsOf(this.env), shop.shop_id, engagement.secret_key_sealed);
        secretKey = opened.secretKey;
        if (opened.stale) await this.resealWhileRotating();
      } catch (e) {
        console.error("Shop: cannot unseal the secret key to sign webhooks", e instanceof Error ? e.message : e);
      }
    }
    const logEvents = (this.env as { DEV_LOG_WEBHOOKS?: string }).DEV_LOG_WEBHOOKS === "1";
    await deliverDue(this.sql, { url: engagement?.webhook_url ?? null, secretKey, logEvents }, at);
    const next = selectNextOutboxAt(this.sql);
    if (next !== null) await this.ctx.storage.setAlarm(Math.max(next, clockNow()));
    await this.relayEvents();
  }

  // ---- webhook endpoints (webhook-endpoints.ts; delivered by stream/webhooks.ts) ----

  createWebhookEndpoint(endpoint: NewEndpoint): Result<EndpointView> {
    return createEndpoint(this.ctx.storage, endpoint);
  }

  listWebhookEndpoints(): EndpointView[] {
    return listEndpoints(this.sql);
  }

  getWebhookEndpoint(id: string): Result<EndpointView> {
    return getEndpoint(this.sql, id);
  }

  updateWebhookEndpoint(id: string, patch: EndpointPatch, now: number): Result<EndpointView> {
    return updateEndpoint(this.ctx.storage, id, patch, now);
  }

  deleteWebhookEndpoint(id: string): Result<{ deleted: true }> {
    return removeEndpoint(this.sql, id);
  }

  /** The endpoint's new signing secret (sealed by the caller) replaces the old one at once. */
  rotateWebhookSecret(id: string, secretSealed: string): Result<EndpointView> {
    return replaceEndpointSecret(this.sql, id, secretSealed);
  }

  /** The enabled endpoints, with their sealed secrets: what the deliverer caches. */
  webhookTargets(): EndpointTarget[] {
    return endpointTargets(this.sql);
  }

  /** A delivery's outcome: failures, a success after failures, or giving up (the endpoint is disabled). */
  recordWebhookDelivery(id: string, outcome: DeliveryOutcome): void {
    recordDelivery(this.ctx.storage, id, outcome);
  }

  /**
   * Claims an Idempotency-Key (its hash) for a request with this fingerprint (idempotency-records.ts). Runs
   * without an await, so two concurrent requests with one key cannot both get `started`.
   */
  startIdempotentRequest(keyHash: string, fingerprint: string, now: number): IdempotencyStart {
    return startIdempotentRequest(this.ctx.storage, keyHash, fingerprint, now);
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

/** The Shop object of a shop (the id must come from a verified key or from `POST /v1/shops`). */
export function shopObject(env: Env, shopId: string): DurableObjectStub<Shop> {
  return objectByName(env.SHOP, shopId);
}
