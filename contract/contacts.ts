/**
 * What the API takes as a phone number or an e-mail (docs/api.md, Customers): phones become E.164, e-mails are trimmed
 * and lower-cased, so that one phone or address written two ways is still one contact. Dependency-free: the
 * registration form checks with these rules, which the Worker applies too, so it never refuses what the server would
 * take. The Worker refuses a little more (country codes E.164 does not assign) and keys contacts by their identity
 * (worker/shop/identity.ts, docs/api.md "One person, one contact"): neither is in the widget's bundle.
 */

import type { Channel } from "./public.ts";

/** Only digits, spaces, `()`, `-`, `.` and one leading `+` are punctuation a person writes in a phone number. */
const PHONE_CHARACTERS = /^\+?[\d\s().-]+$/;
/** A Russian (and Kazakh, same +7 plan) national number: 10 digits, area or mobile code starting 3–9. */
const NATIONAL_7 = /^[3-9]\d{9}$/;
/** E.164 after the `+`: a country code that does not start with 0, at most 15 digits in all. */
const INTERNATIONAL = /^[1-9]\d{7,14}$/;

/**
 * A phone number in E.164 (`+79991234567`), or null when it is not one we can read. Russian numbers may be
 * written the local ways — `8 (999) 123-45-67`, `79991234567`, `9991234567` (10 digits) — other countries only
 * with their `+` code, since without it the country is a guess.
 */
export function normalisePhone(input: string): string | null {
  const written = input.trim();
  if (!PHONE_CHARACTERS.test(written)) return null;
  const digits = written.replace(/\D/g, "");
  if (written.startsWith("+")) {
    if (digits.startsWith("7")) return NATIONAL_7.test(digits.slice(1)) ? `+${digits}` : null;
    return INTERNATIONAL.test(digits) ? `+${digits}` : null;
  }
  if (digits.length === 10) return NATIONAL_7.test(digits) ? `+7${digits}` : null;
  // 8 is the Russian trunk prefix, 7 the country code written without its '+'.
  if (digits.length === 11 && (digits[0] === "8" || digits[0] === "7")) {
    const national = digits.slice(1);
    return NATIONAL_7.test(national) ? `+7${national}` : null;
  }
  return null;
}

/**
 * One `@`, no spaces, a dotted domain without empty labels: a syntax check, not a deliverability check. Control
 * and invisible format characters (NUL, zero-width space, RTL marks) are refused: `anna@example.ru\u0000` would
 * otherwise be another address than `anna@example.ru` and earn the welcome bonus a second time.
 */
const EMAIL = /^[^\s@\p{Cc}\p{Cf}]+@[^\s@.\p{Cc}\p{Cf}]+(\.[^\s@.\p{Cc}\p{Cf}]+)+$/u;
/** RFC 5321's limit on a forward path. */
export const MAX_EMAIL_LENGTH = 254;

/** An email address trimmed and lower-cased, or null when it is not one. */
export function normaliseEmail(input: string): string | null {
  const email = input.trim().toLowerCase();
  return email.length <= MAX_EMAIL_LENGTH && EMAIL.test(email) ? email : null;
}

/** The normaliser of each kind of contact. */
export const normaliseContact: Record<Channel, (input: string) => string | null> = {
  phone: normalisePhone,
  email: normaliseEmail,
};
