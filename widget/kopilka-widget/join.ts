/**
 * The registration form's rules on the shopper's side: what is required, what a phone or an e-mail looks like
 * (the API's own normalisers, so the form never refuses what the server would take), and how an API error
 * maps onto a field.
 */
import { normaliseEmail, normalisePhone } from "../../contract/contacts.ts";
import type { ApiError } from "../shared/api.ts";
import type { Messages } from "../shared/i18n.ts";
import type { Program, RegisterRequest } from "../shared/types.ts";

export type JoinField = "name" | "phone" | "email" | "birthday" | "referralCode" | "consent";
export const JOIN_FIELDS: readonly JoinField[] = ["name", "phone", "email", "birthday", "referralCode", "consent"];

export interface JoinValues {
  name: string;
  phone: string;
  email: string;
  birthday: string;
  referralCode: string;
  consent: boolean;
}

export type JoinErrors = Partial<Record<JoinField, string>>;

export function emptyJoin(referralCode = ""): JoinValues {
  return { name: "", phone: "", email: "", birthday: "", referralCode, consent: false };
}

/** The contact the program verifies before it grants the welcome points (that one is required), if any. */
export function verifiedContact(program: Program): "phone" | "email" | null {
  return program.bonuses?.welcome?.verify ?? null;
}

/** Every problem of the form at once, each in the shopper's language. */
export function validateJoin(values: JoinValues, program: Program, m: Messages, today = new Date()): JoinErrors {
  const errors: JoinErrors = {};
  if (!values.name.trim()) errors.name = m.nameRequired;
  const phone = values.phone.trim();
  const email = values.email.trim();
  const required = verifiedContact(program);
  if (phone && !normalisePhone(phone)) errors.phone = m.phoneInvalid;
  if (email && !normaliseEmail(email)) errors.email = m.emailInvalid;
  if (required === "phone" && !phone) errors.phone = m.phoneRequired;
  else if (required === "email" && !email) errors.email = m.emailRequired;
  else if (!phone && !email) errors.phone = m.contactMissing;
  if (values.birthday) {
    const date = Date.parse(`${values.birthday}T00:00:00Z`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(values.birthday) || Number.isNaN(date) || date > today.getTime()) {
      errors.birthday = m.birthdayInvalid;
    }
  }
  if (!values.consent) errors.consent = m.consentRequired;
  return errors;
}

export function joinRequest(values: JoinValues): RegisterRequest {
  const request: RegisterRequest = { name: values.name.trim(), consent: true };
  if (values.phone.trim()) request.phone = values.phone.trim();
  if (values.email.trim()) request.email = values.email.trim();
  if (values.birthday) request.birthday = values.birthday;
  if (values.referralCode.trim()) request.referralCode = values.referralCode.trim();
  return request;
}

/** The field an API error belongs to (by its `path`), with the message to show there; else a form-level message. */
export function joinError(error: ApiError, m: Messages): { field?: JoinField; message: string } {
  const field = JOIN_FIELDS.find((f) => error.path === f || error.path?.startsWith(`${f}.`));
  switch (error.code) {
    case "duplicate_contact":
      return error.path === "email" ? { field: "email", message: m.duplicateEmail } : { field: "phone", message: m.duplicatePhone };
    case "conflict":
      return { message: m.alreadyMember };
    case "rate_limited":
      return { message: m.rateLimited(error.retryAfter) };
    case "network":
      return { message: m.network };
    case "origin_not_allowed":
      return { message: `${m.forbidden} ${m.notRegistered(location.origin)}` };
    case "invalid_request":
      if (field === "phone") return { field, message: m.phoneInvalid };
      if (field === "email") return { field, message: m.emailInvalid };
      if (field === "birthday") return { field, message: m.birthdayInvalid };
      if (field === "referralCode") return { field, message: m.codeInvalid };
      return field ? { field, message: error.message } : { message: error.message || m.somethingWrong };
    default:
      return field ? { field, message: error.message } : { message: error.message || m.somethingWrong };
  }
}
