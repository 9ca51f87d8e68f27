/**
 * The shop's customer directory (worker/README.md "Customers and contacts"): which customers exist, the phone and
 * e-mail each holds (unique in the shop, normalised: phone E.164, e-mail lower-case), and which contacts have ever
 * brought a welcome bonus. Functions of the Shop object's storage; the Shop's methods call them.
 */
import { normaliseContact, type ContactKind, type Contacts } from "./contacts.ts";
import { referralCodeOf, referralStats, verificationStatus } from "./engagement.ts";
import { selectContactsOf, updateConsent } from "./engagement-sql.ts";
import {
  deleteContactOf, insertContact, insertCustomer, insertWelcomeGiven, selectContactHolder, selectCustomerKnown, selectWelcomeGiven,
  selectWelcomeGivenTo,
} from "./shop-sql.ts";
import type { ClaimResult, ContactClaim, CustomerCard } from "./types.ts";

const CONTACT_KINDS: readonly ContactKind[] = ["phone", "email"];

/** The claim's contacts normalised (idempotent on normalised input), or the kind of the first malformed one. */
export function normalised(contacts: Partial<Contacts>): [ContactKind, string | null][] | ContactKind {
  const out: [ContactKind, string | null][] = [];
  for (const kind of CONTACT_KINDS) {
    const value = contacts[kind];
    const contact = value === null || value === undefined ? null : normaliseContact[kind](value);
    if (contact === null && value !== null && value !== undefined) return kind;
    out.push([kind, contact]);
  }
  return out;
}

/**
 * Records a customer (PUT /v1/customers/{id}) and the contacts it holds from now on, atomically: when another
 * customer holds the phone or the email, nothing changes and the answer names the field. Otherwise the
 * customer's previous phone/email (if different, or if now null) is released for others to claim. Contacts
 * are normalised here too (phone E.164, email lower-case), so every caller stores them one way.
 * Runs without an await, so two customers cannot both claim one contact.
 */
export function claimContacts(storage: DurableObjectStorage, claim: ContactClaim, now: number): ClaimResult {
const sql = storage.sql;
  const contacts = normalised(claim);
  if (typeof contacts === "string") return { ok: false, field: contacts, reason: "invalid" };
  for (const [kind, value] of contacts) {
    if (value === null) continue;
    const holder = selectContactHolder(sql, kind, value);
    if (holder !== undefined && holder !== claim.customerId) return { ok: false, field: kind, reason: "taken" };
  }
  const welcomeGiven = { phone: false, email: false };
  for (const [kind, value] of contacts) welcomeGiven[kind] = value !== null && selectWelcomeGiven(sql, kind, value);
  const present = contacts.filter((entry): entry is [ContactKind, string] => entry[1] !== null);
  const newCustomer = storage.transactionSync(() => {
    const created = insertCustomer(sql, claim.customerId, now);
    for (const [kind, value] of contacts) {
      deleteContactOf(sql, claim.customerId, kind, value);
      if (value !== null) insertContact(sql, kind, value, claim.customerId, now);
    }
    if (claim.welcome && created && present.length > 0 && !welcomeGiven.phone && !welcomeGiven.email) {
      for (const [kind, value] of present) insertWelcomeGiven(sql, kind, value, claim.customerId, now);
    }
    if (claim.consent) updateConsent(sql, claim.customerId, now);
    if (created) referralCodeOf(sql, claim.customerId, now);
    return created;
  });
  const welcomeMine = present.some(([kind, value]) => selectWelcomeGivenTo(sql, kind, value) === claim.customerId);
  return { ok: true, welcomeGiven, welcomeMine, newCustomer };
}

/**
 * Notes that these contacts brought `customerId` the welcome bonus, for ever (a contact that later moves to
 * another customer brings no second one). Test-and-set: when any of them has brought one already (a race
 * with another registration) or is malformed, nothing is marked and `marked` is false — the caller must not
 * grant.
 */
export function markWelcomeGiven(storage: DurableObjectStorage, given: Partial<Contacts> & { customerId: string }, now: number): { marked: boolean } {
const sql = storage.sql;
  const all = normalised(given);
  if (typeof all === "string") return { marked: false };
  const contacts = all.filter((entry): entry is [ContactKind, string] => entry[1] !== null);
  if (contacts.some(([kind, value]) => selectWelcomeGiven(sql, kind, value))) return { marked: false };
  storage.transactionSync(() => {
    for (const [kind, value] of contacts) insertWelcomeGiven(sql, kind, value, given.customerId, now);
  });
  return { marked: true };
}

/** The widget's facts about a customer; `exists` false (and nothing created) for one the shop does not know. */
export function customerCard(sql: SqlStorage, customerId: string, now: number): CustomerCard {
  if (!selectCustomerKnown(sql, customerId)) {
    return { exists: false, referralCode: null, referrals: { invited: 0, rewarded: 0 }, verified: {}, consent: false, contacts: { phone: null, email: null } };
  }
  const consent = sql.exec<{ c: number | null }>("SELECT consent_at AS c FROM customers WHERE customer_id = ?", customerId).toArray()[0]?.c;
  return {
    exists: true,
    referralCode: referralCodeOf(sql, customerId, now),
    referrals: referralStats(sql, customerId),
    verified: verificationStatus(sql, customerId),
    consent: consent !== null && consent !== undefined,
    contacts: contactsOf(sql, customerId),
  };
}

/** The customer's current contacts (normalised). */
export function contactsOf(sql: SqlStorage, customerId: string): Contacts {
  const out: Contacts = { phone: null, email: null };
  for (const c of selectContactsOf(sql, customerId)) out[c.kind] = c.value;
  return out;
}
