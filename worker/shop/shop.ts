import { DurableObject } from "cloudflare:workers";
import type { z } from "zod";
import type { programSchema } from "../../engine/host/validate.ts";
import { SHOP_ID_PATTERN, constantTimeEqual, type KeyKind } from "../auth.ts";
import { now as clockNow } from "../clock.ts";
import { migrate } from "../sql.ts";
import { normaliseContact, type ContactKind, type Contacts } from "./contacts.ts";
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
  now: number;
}

export interface ShopSettings {
  shopId: string;
  name: string;
  origins: string[];
  createdAt: number;
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
    return { created: true };
  }

  /** Whether `keyHash` is this shop's key of that kind, compared in constant time. */
  verifyKey(kind: KeyKind, keyHash: string): boolean {
    const shop = selectShop(this.sql);
    const stored = shop === undefined ? NO_HASH : kind === "secret" ? shop.secret_key_hash : shop.publishable_key_hash;
    return constantTimeEqual(stored, keyHash) && shop !== undefined;
  }

  getSettings(): ShopSettings | null {
    const shop = selectShop(this.sql);
    if (shop === undefined) return null;
    return { shopId: shop.shop_id, name: shop.name, origins: JSON.parse(shop.origins) as string[], createdAt: shop.created_at };
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
    const existing = selectOrderIndex(this.sql, orderId);
    if (existing !== undefined) return { customerId: existing.customer_id, created: false };
    insertOrderIndex(this.sql, orderId, customerId, now);
    return { customerId, created: true };
  }

  findOrder(orderId: string): { customerId: string } | null {
    const row = selectOrderIndex(this.sql, orderId);
    return row === undefined ? null : { customerId: row.customer_id };
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
  return env.SHOP.getByName(shopId);
}
