/** The shapes the Shop object's methods take and answer. */
import type { z } from "zod";
import type { programSchema } from "../../engine/host/validate.ts";
import type { ContactKind, Contacts } from "./contacts.ts";

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
  /** The secret key before the last rotation, sealed, while its grace period lasts: tokens it signed stay valid until `expiresAt`. */
  previousSecret: { sealed: string; expiresAt: number } | null;
  /** When the publishable key presented stops being valid: null for the current key, the end of its grace period for the previous one. */
  keyExpiresAt: number | null;
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
  /**
   * A widget registration's contact that the program verifies before the welcome bonus: held, it yields to a
   * customer who verifies it until this one does; held by another customer's yielding claim, this customer waits
   * for it (docs/api.md "Unverified claims").
   */
  verifies?: ContactKind;
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

