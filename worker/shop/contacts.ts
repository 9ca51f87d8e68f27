/**
 * Customer contacts as the shop's directory keeps them (docs/api.md "Customers"): phones in E.164, emails trimmed
 * and lower-cased, so that one phone or address written two ways is still one contact. The rules themselves are
 * the API contract's (contract/contacts.ts), which the widget's form applies too: one implementation, so the
 * form never refuses what the Worker would take.
 */
import type { Channel } from "../../contract/public.ts";

export { MAX_EMAIL_LENGTH, normaliseContact, normaliseEmail, normalisePhone } from "../../contract/contacts.ts";

export type ContactKind = Channel;

/** A customer's contacts, normalised; null = none. */
export interface Contacts {
  phone: string | null;
  email: string | null;
}
