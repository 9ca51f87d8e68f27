/**
 * Customer contacts as the shop's directory keeps them (docs/api.md "Customers"): phones in E.164 with an assigned
 * country code, emails trimmed and lower-cased — the address kept for delivery — and each under its identity
 * (identity.ts), the key for uniqueness and the welcome bonus. What is acceptable at all is the API contract's
 * (contract/contacts.ts), which the widget's form applies too; the Worker refuses a little more (unassigned country
 * codes), never less, so the form never refuses what the Worker would take.
 */
import type { Channel } from "../../contract/public.ts";
import { normaliseEmail } from "../../contract/contacts.ts";
import { normalisePhone } from "./identity.ts";

/** An e-mail trimmed and lower-cased (the address kept for delivery) is the contract's own rule. */
export { MAX_EMAIL_LENGTH, normaliseEmail } from "../../contract/contacts.ts";
export { contactIdentity, emailIdentity, normalisePhone } from "./identity.ts";

export type ContactKind = Channel;

/** The normaliser of each kind of contact (the Worker's: phones with an assigned country code). */
export const normaliseContact: Record<Channel, (input: string) => string | null> = {
  phone: normalisePhone,
  email: normaliseEmail,
};

/** A customer's contacts, normalised; null = none. */
export interface Contacts {
  phone: string | null;
  email: string | null;
}
