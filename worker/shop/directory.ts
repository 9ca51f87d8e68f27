/**
 * The shop's customer directory (worker/README.md "Customers and contacts"): which customers exist, the phone and
 * e-mail each holds (unique in the shop by identity: identity.ts; the address kept as written, normalised), and
 * which identities have ever brought a welcome bonus. Functions of the Shop object's storage; the Shop's methods call them.
 */
import { contactIdentity, normaliseContact, type ContactKind, type Contacts } from "./contacts.ts";
import { referralCodeOf, referralStats, verificationStatus } from "./engagement.ts";
import { selectContactsOf, updateConsent } from "./engagement-sql.ts";
import {
  insertCustomer, insertWelcomeGiven, selectCustomerKnown, selectHold, selectWelcomeGiven, selectWelcomeGivenTo, writeContact,
} from "./shop-sql.ts";
import type { ClaimResult, ContactClaim, CustomerCard } from "./types.ts";

const CONTACT_KINDS: readonly ContactKind[] = ["phone", "email"];

/** A contact as the directory keeps it: its identity (the key) and its address (normalised, for delivery). */
export interface KeptContact {
  identity: string;
  address: string;
}

/** The claim's contacts normalised with their identities (idempotent on normalised input), or the kind of the first malformed one. */
export function normalised(contacts: Partial<Contacts>): [ContactKind, KeptContact | null][] | ContactKind {
  const out: [ContactKind, KeptContact | null][] = [];
  for (const kind of CONTACT_KINDS) {
    const value = contacts[kind];
    const address = value === null || value === undefined ? null : normaliseContact[kind](value);
    if (address === null && value !== null && value !== undefined) return kind;
    out.push([kind, address === null ? null : { identity: contactIdentity(kind, address), address }]);
  }
  return out;
}

/**
 * Records a customer (PUT /v1/customers/{id}) and the contacts it holds from now on, atomically: when another
 * customer holds the phone or the email (its identity: identity.ts), nothing changes and the answer names the
 * field — unless the claim is a widget registration's contact that the program verifies (`verifies`) and the
 * holder's claim yields (an unverified widget claim): then this customer waits for the contact, and takes it by
 * verifying it (engagement.ts `checkVerification`). Otherwise the customer's previous phone/email (if different,
 * or if now null) is released for others to claim. Runs without an await, so two customers cannot both hold one
 * contact.
 */
export function claimContacts(storage: DurableObjectStorage, claim: ContactClaim, now: number): ClaimResult {
  const sql = storage.sql;
  const contacts = normalised(claim);
  if (typeof contacts === "string") return { ok: false, field: contacts, reason: "invalid" };
  const mine = new Map(selectContactsOf(sql, claim.customerId).map((row) => [row.kind, row]));
  const writes: [ContactKind, Parameters<typeof writeContact>[3]][] = [];
  for (const [kind, contact] of contacts) {
    if (contact === null) {
      writes.push([kind, null]);
      continue;
    }
    const before = mine.get(kind);
    if (before !== undefined && before.address === contact.address && before.value !== contact.identity) {
      // A contact from before identities whose identity another customer held (rekeyContacts): it keeps its old key.
      writes.push([kind, { value: before.value, address: before.address, claimedAt: before.claimed_at, held: before.held === 1, yields: before.yields === 1 }]);
      continue;
    }
    const hold = selectHold(sql, kind, contact.identity);
    const waits = hold !== undefined && hold.customer_id !== claim.customerId;
    if (waits && !(hold.yields === 1 && claim.verifies === kind)) return { ok: false, field: kind, reason: "taken" };
    const same = before !== undefined && before.value === contact.identity;
    // A widget claim on the verified contact yields until verified; one the shop's backend makes, or one already verified, does not.
    const yields = claim.verifies === kind && !(same && before.held === 1 && before.yields === 0);
    writes.push([kind, { value: contact.identity, address: contact.address, claimedAt: same ? before.claimed_at : now, held: !waits, yields: !waits && yields }]);
  }
  const welcomeGiven = { phone: false, email: false };
  for (const [kind, contact] of contacts) welcomeGiven[kind] = contact !== null && selectWelcomeGiven(sql, kind, contact.identity);
  const present = contacts.filter((entry): entry is [ContactKind, KeptContact] => entry[1] !== null);
  const newCustomer = storage.transactionSync(() => {
    const created = insertCustomer(sql, claim.customerId, now);
    for (const [kind, contact] of writes) writeContact(sql, claim.customerId, kind, contact);
    if (claim.welcome && created && present.length > 0 && !welcomeGiven.phone && !welcomeGiven.email) {
      for (const [kind, contact] of present) insertWelcomeGiven(sql, kind, contact.identity, claim.customerId, now);
    }
    if (claim.consent) updateConsent(sql, claim.customerId, now);
    if (created) referralCodeOf(sql, claim.customerId, now);
    return created;
  });
  const welcomeMine = present.some(([kind, contact]) => selectWelcomeGivenTo(sql, kind, contact.identity) === claim.customerId);
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
  const contacts = all.filter((entry): entry is [ContactKind, KeptContact] => entry[1] !== null);
  if (contacts.some(([kind, contact]) => selectWelcomeGiven(sql, kind, contact.identity))) return { marked: false };
  storage.transactionSync(() => {
    for (const [kind, contact] of contacts) insertWelcomeGiven(sql, kind, contact.identity, given.customerId, now);
  });
  return { marked: true };
}

/**
 * Once after schema version 6: the contacts and welcome marks written before get their identities. A contact whose
 * identity another customer already holds keeps its old key (both stay; the one keyed by it first holds it); every welcome mark is copied under its identity, so no variant of a welcomed contact brings a
 * second one. One transaction; nothing to do on a shop created after version 6.
 */
export function rekeyContacts(storage: DurableObjectStorage): void {
  const sql = storage.sql;
  if (sql.exec("SELECT 1 FROM contacts_rekey").toArray().length === 0) return;
  storage.transactionSync(() => {
    const rows = sql.exec<{ customer_id: string; kind: ContactKind; value: string; address: string }>(
      "SELECT customer_id, kind, value, address FROM contacts ORDER BY claimed_at, customer_id",
    ).toArray();
    for (const row of rows) {
      const identity = contactIdentity(row.kind, row.address);
      if (identity === row.value || selectHold(sql, row.kind, identity) !== undefined) continue;
      sql.exec("UPDATE contacts SET value = ? WHERE customer_id = ? AND kind = ?", identity, row.customer_id, row.kind);
    }
    const marks = sql.exec<{ kind: ContactKind; value: string; customer_id: string; given_at: number }>(
      "SELECT kind, value, customer_id, given_at FROM welcome_given",
    ).toArray();
    for (const mark of marks) insertWelcomeGiven(sql, mark.kind, contactIdentity(mark.kind, mark.value), mark.customer_id, mark.given_at);
    sql.exec("DELETE FROM contacts_rekey");
  });
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

/** The customer's current contacts (their addresses, normalised), held or waiting for verification. */
export function contactsOf(sql: SqlStorage, customerId: string): Contacts {
  const out: Contacts = { phone: null, email: null };
  for (const c of selectContactsOf(sql, customerId)) out[c.kind] = c.address;
  return out;
}
