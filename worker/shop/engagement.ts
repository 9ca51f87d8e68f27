/**
 * Shopper engagement inside the Shop object (issue 4): referral codes and referrals, contact verification with
 * the welcome bonus it unlocks, and the webhook outbox. Each function is the body of one synchronous step of
 * the object (no await), so it is atomic with respect to every other request to the shop.
 */
import { randomFrom } from "../lib/crypto.ts";
import type { ContactKind } from "./contacts.ts";
import {
  countReferrals,
  insertOutbox,
  insertReferral,
  insertReferralCode,
  selectContactsOf,
  selectReferral,
  selectReferralCodeOf,
  selectReferralCodeOwner,
  selectVerification,
  updateReferralOrder,
  updateReferralRevoked,
  updateVerificationAttempt,
  updateVerified,
  upsertVerification,
} from "./engagement-sql.ts";
import { insertWelcomeGiven, selectWelcomeGivenTo, settleVerifiedContact } from "./shop-sql.ts";

/** Referral codes: 8 characters of an alphabet without look-alikes (no 0/O, 1/I/L). 32^8 ≈ 10^12 codes. */
const REFERRAL_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
export const REFERRAL_CODE_LENGTH = 8;

/** A referral code as shoppers type it: upper-cased, spaces and dashes dropped. */
export function normaliseReferralCode(code: string): string {
  return code.trim().toUpperCase().replace(/[\s-]/g, "");
}

/** The customer's referral code, created on first need. */
export function referralCodeOf(sql: SqlStorage, customerId: string, now: number): string {
  const existing = selectReferralCodeOf(sql, customerId);
  if (existing !== undefined) return existing;
  for (;;) {
    const code = randomFrom(REFERRAL_ALPHABET, REFERRAL_CODE_LENGTH);
    if (insertReferralCode(sql, code, customerId, now)) return code;
  }
}

export function referralCodeOwner(sql: SqlStorage, code: string): string | null {
  return selectReferralCodeOwner(sql, normaliseReferralCode(code)) ?? null;
}

export type ReferralRefusal = "unknown_code" | "self" | "loop" | "already_referred";

export type AttachReferral =
  | { ok: true; referrerId: string; created: boolean; rewarded: boolean }
  | { ok: false; reason: ReferralRefusal };

/**
 * Whether `refereeId` referred `referrerId`, directly or through others: attaching the referral would close a
 * loop. Referrals form chains without loops (each customer has at most one referrer, and no attachment closes a
 * loop), so walking up from the referrer ends at a customer nobody referred; `seen` guards it all the same.
 */
export function closesReferralLoop(sql: SqlStorage, refereeId: string, referrerId: string): boolean {
  const seen = new Set<string>();
  for (let at: string | undefined = referrerId; at !== undefined && !seen.has(at); at = selectReferral(sql, at)?.referrer_id) {
    if (at === refereeId) return true;
    seen.add(at);
  }
  return false;
}

/**
 * Whether `refereeId` may come with `code`, changing nothing: the code's owner, or why not — an unknown code,
 * the customer's own, or one whose owner this customer referred (directly or through others).
 */
export function checkReferral(sql: SqlStorage, refereeId: string, code: string): { ok: true; referrerId: string } | { ok: false; reason: ReferralRefusal } {
  const referrerId = selectReferralCodeOwner(sql, normaliseReferralCode(code));
  if (referrerId === undefined) return { ok: false, reason: "unknown_code" };
  if (referrerId === refereeId) return { ok: false, reason: "self" };
  const existing = selectReferral(sql, refereeId);
  if (existing !== undefined && existing.referrer_id === referrerId) return { ok: true, referrerId };
  if (closesReferralLoop(sql, refereeId, referrerId)) return { ok: false, reason: "loop" };
  return { ok: true, referrerId };
}

/**
 * Records that `refereeId` came with `code`. Once per referee: the same code again is a no-op (a retry), another
 * code is refused. A customer cannot use their own code, nor one whose owner they referred (a loop: A refers B,
 * B refers A — or longer).
 */
export function attachReferral(sql: SqlStorage, refereeId: string, code: string, now: number): AttachReferral {
  const normal = normaliseReferralCode(code);
  const checked = checkReferral(sql, refereeId, normal);
  if (!checked.ok) return checked;
  const { referrerId } = checked;
  const existing = selectReferral(sql, refereeId);
  if (existing !== undefined) {
    if (existing.referrer_id !== referrerId) return { ok: false, reason: "already_referred" };
    return { ok: true, referrerId, created: false, rewarded: existing.rewarded_at !== null };
  }
  insertReferral(sql, refereeId, referrerId, normal, now);
  return { ok: true, referrerId, created: true, rewarded: false };
}

/** The referrer whose bonus (and the referee's) is still owed for this referee, or null (none, paid, or taken back). */
export function referralDue(sql: SqlStorage, refereeId: string): string | null {
  const referral = selectReferral(sql, refereeId);
  return referral !== undefined && referral.rewarded_at === null && referral.revoked_at === null ? referral.referrer_id : null;
}

/**
 * Names the order whose confirmation pays the referral (before its bonuses are granted). The first order named
 * stays: a retry, or another order confirmed while the first one's settlement was interrupted, settles for it.
 * Answers the order that pays, or null when nothing is owed.
 */
export function claimReferral(sql: SqlStorage, refereeId: string, orderId: string): string | null {
  if (referralDue(sql, refereeId) === null) return null;
  updateReferralOrder(sql, refereeId, orderId);
  return selectReferral(sql, refereeId)!.order_id;
}

/** The referrer, when this order paid (or is paying) the customer's referral; null otherwise. */
export function referralPaidBy(sql: SqlStorage, refereeId: string, orderId: string): string | null {
  const referral = selectReferral(sql, refereeId);
  return referral !== undefined && referral.order_id === orderId ? referral.referrer_id : null;
}

/**
 * The order that paid the referral was cancelled or fully returned: the referral is taken back and stays so
 * (nothing is owed any more). Answers the referrer whose bonus goes back, or null when this order paid none.
 * Repeating it answers the same, so an interrupted take-back can run again.
 */
export function revokeReferral(sql: SqlStorage, refereeId: string, orderId: string, now: number): string | null {
  const referrerId = referralPaidBy(sql, refereeId, orderId);
  if (referrerId !== null) updateReferralRevoked(sql, refereeId, now);
  return referrerId;
}

export function referralStats(sql: SqlStorage, referrerId: string): { invited: number; rewarded: number } {
  return countReferrals(sql, referrerId);
}

// ---- verification -------------------------------------------------------------------------------------------

/** How long a code lives, how many wrong tries it takes, how soon another may be sent. */
export const CODE_TTL_MS = 10 * 60 * 1000;
export const MAX_CODE_ATTEMPTS = 5;

export type StartVerification =
  | { ok: true; contact: string; expiresAt: number }
  | { ok: false; reason: "no_contact" | "already_verified" };

/**
 * Stores a new code (its hash) for the customer's current contact on `channel`, replacing any earlier one, and
 * queues the webhook that delivers it — in one step, so a code is never stored without being sent or sent
 * without being stored.
 */
export function startVerification(
  sql: SqlStorage,
  v: { customerId: string; channel: ContactKind; codeHash: string; now: number; webhook: (contact: string, expiresAt: number) => { event: string; payload: string } },
): StartVerification {
  const contact = selectContactsOf(sql, v.customerId).find((c) => c.kind === v.channel)?.address;
  if (contact === undefined) return { ok: false, reason: "no_contact" };
  const existing = selectVerification(sql, v.customerId, v.channel);
  if (existing !== undefined && existing.verified_at !== null && existing.contact === contact) return { ok: false, reason: "already_verified" };
  const expiresAt = v.now + CODE_TTL_MS;
  upsertVerification(sql, { customerId: v.customerId, channel: v.channel, contact, codeHash: v.codeHash, expiresAt, sentAt: v.now });
  const { event, payload } = v.webhook(contact, expiresAt);
  insertOutbox(sql, event, payload, v.now, expiresAt);
  return { ok: true, contact, expiresAt };
}

export type CheckVerification =
  | {
    ok: true;
    contact: string;
    welcomeMine: boolean;
    replay: boolean;
    /** On a replay: the welcome points the first answer reported, when it was recorded. */
    answeredWelcome: number | null;
  }
  | { ok: false; reason: "none" | "expired" | "locked" | "changed" | "taken" }
  | { ok: false; reason: "wrong"; attemptsLeft: number };

/**
 * Checks a code. Right: the contact is verified and — when `welcome` — the welcome bonus of the customer's
 * contacts is marked as theirs unless one of them has brought one before (to anyone). The same right code again
 * answers the same (a retry after a lost answer). Wrong: one attempt fewer; after MAX_CODE_ATTEMPTS the code is
 * dead and a new one must be sent.
 */
export function checkVerification(
  sql: SqlStorage,
  v: { customerId: string; channel: ContactKind; codeHash: string; now: number; welcome: boolean; matches: (stored: string) => boolean },
): CheckVerification {
  const row = selectVerification(sql, v.customerId, v.channel);
  if (row === undefined) return { ok: false, reason: "none" };
  const current = selectContactsOf(sql, v.customerId).find((c) => c.kind === v.channel)?.address;
  if (current !== row.contact) return { ok: false, reason: "changed" };
  if (row.verified_at !== null) {
    if (!v.matches(row.code_hash)) return { ok: false, reason: "none" };
    return { ok: true, contact: row.contact, welcomeMine: welcomeIsMine(sql, v.customerId), replay: true, answeredWelcome: row.welcome_points };
  }
  if (row.attempts >= MAX_CODE_ATTEMPTS) return { ok: false, reason: "locked" };
  if (row.expires_at <= v.now) return { ok: false, reason: "expired" };
  if (!v.matches(row.code_hash)) {
    updateVerificationAttempt(sql, v.customerId, v.channel);
    const attemptsLeft = MAX_CODE_ATTEMPTS - row.attempts - 1;
    return attemptsLeft > 0 ? { ok: false, reason: "wrong", attemptsLeft } : { ok: false, reason: "locked" };
  }
  // The contact is this customer's now: a squatter's unverified claim on it gives way (`taken`: one that does not).
  if (!settleVerifiedContact(sql, v.customerId, v.channel)) return { ok: false, reason: "taken" };
  updateVerified(sql, v.customerId, v.channel, v.now);
  if (v.welcome) markWelcome(sql, v.customerId, v.now);
  return { ok: true, contact: row.contact, welcomeMine: welcomeIsMine(sql, v.customerId), replay: false, answeredWelcome: null };
}

/** The contacts the customer holds (not those it waits for). */
function heldContactsOf(sql: SqlStorage, customerId: string) {
  return selectContactsOf(sql, customerId).filter((c) => c.held === 1);
}

/** Marks the welcome bonus of all the customer's contacts as theirs, unless any has brought one already. */
function markWelcome(sql: SqlStorage, customerId: string, now: number): void {
  const contacts = heldContactsOf(sql, customerId);
  if (contacts.length === 0 || contacts.some((c) => selectWelcomeGivenTo(sql, c.kind, c.value) !== null)) return;
  for (const c of contacts) insertWelcomeGiven(sql, c.kind, c.value, customerId, now);
}

function welcomeIsMine(sql: SqlStorage, customerId: string): boolean {
  return heldContactsOf(sql, customerId).some((c) => selectWelcomeGivenTo(sql, c.kind, c.value) === customerId);
}

/** What the widget shows about verification: per channel, whether the current contact is verified. */
export function verificationStatus(sql: SqlStorage, customerId: string): Partial<Record<ContactKind, boolean>> {
  const out: Partial<Record<ContactKind, boolean>> = {};
  for (const c of selectContactsOf(sql, customerId)) {
    const row = selectVerification(sql, customerId, c.kind);
    out[c.kind] = row !== undefined && row.verified_at !== null && row.contact === c.address && c.held === 1;
  }
  return out;
}
