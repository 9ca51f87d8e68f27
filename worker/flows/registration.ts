/**
 * Joining the program: one workflow for both ways in — the shop's backend (`PUT /v1/customers/{id}`, secret key)
 * and the shopper in the widget (`POST /v1/public/register`). Both normalise the contacts, check a referral code,
 * claim the contacts in the Shop (unique in the shop; the welcome bonus once per phone and per email, ever), write
 * the profile, grant the welcome bonus (at once, or once the program's `welcome.verify` contact is verified: see
 * verification.ts) and attach the referral. Every refusal comes before the first write.
 *
 * The two differ in who they speak to (`voice`: refusals for a shop's developer or for a shopper) and in what
 * surrounds the core: the widget rate-limits, creates the customer's id and token, and sends the verification code.
 */
import { accountOf } from "../account/account.ts";
import type { ProfileInput } from "../account/types.ts";
import { newKey } from "../lib/keys.ts";
import { refusal, unwrap } from "../lib/refusal.ts";
import { ISSUED_TOKEN_TTL_SECONDS, signCustomerToken } from "../lib/tokens.ts";
import { codeSendRules, registerRules } from "../ratelimit/rules.ts";
import { enforceRateLimit } from "../ratelimit/enforce.ts";
import { normaliseContact, type ContactKind } from "../shop/contacts.ts";
import type { ReferralRefusal } from "../shop/engagement.ts";
import { shopObject } from "../shop/shop.ts";
import { type ValidProgram } from "../shop/types.ts";
import { currentProgramOrNull } from "./program.ts";
import { referralMoment, settleReferral } from "./referrals.ts";
import { sendVerificationCode, welcomeChannel, type SentCode } from "./verification.ts";
import type { Caller } from "./caller.ts";
import { grantWelcome } from "./welcome.ts";

/** Who reads the refusals: the shop's developer (secret-key API) or the shopper (widget). */
export type Voice = "shop" | "shopper";

const TEXTS: Record<Voice, {
  contact: Record<ContactKind, string>;
  duplicate: (kind: ContactKind) => string;
  unknownReferral: string;
  ownReferral: string;
  referralLoop: string;
  referredBefore: string;
}> = {
  shop: {
    contact: {
      phone: "phone: not a phone number: give it with its country code (+44 20 7946 0958) or as a Russian number (8 999 123-45-67)",
      email: "email: not an email address",
    },
    duplicate: (kind) => `Another customer already has this ${kind}`,
    unknownReferral: "referralCode: no customer has this referral code",
    ownReferral: "referralCode: this is the customer's own referral code",
    referralLoop: "referralCode: the owner of this code was referred by this customer (directly or through others); referrals cannot go round in a loop",
    referredBefore: "referralCode: this customer was already referred by another customer",
  },
  shopper: {
    contact: {
      phone: "phone: this does not look like a phone number: write it with the country code, e.g. +7 999 123-45-67",
      email: "email: this does not look like an e-mail address",
    },
    duplicate: (kind) => kind === "phone"
      ? "This phone number is already registered. Sign in with it, or use another number."
      : "This e-mail is already registered. Sign in with it, or use another address.",
    unknownReferral: "referralCode: no member has this referral code",
    ownReferral: "referralCode: this is your own referral code",
    referralLoop: "referralCode: this member joined with your code (or through a friend of yours), so you cannot join with theirs",
    referredBefore: "referralCode: you were already referred by another member",
  },
};

/** The contact normalised (phone E.164, email lower-case); null when absent; `invalid_request` naming it when malformed. */
export function normalisedContact(kind: ContactKind, value: string | null | undefined, voice: Voice): string | null {
  if (value === null || value === undefined) return null;
  if (voice === "shopper" && value.trim() === "") return null;
  const normal = normaliseContact[kind](value);
  if (normal === null) throw refusal("invalid_request", TEXTS[voice].contact[kind], kind);
  return normal;
}


export interface Joining {
  customerId: string;
  name: string | null | undefined;
  /** Normalised (`normalisedContact`). */
  phone: string | null;
  email: string | null;
  birthday: string | null | undefined;
  /** The code of the member who referred this customer, if any. */
  referralCode: string | null | undefined;
  /** The referral code as the profile keeps it (the widget keeps none). */
  profileReferralCode: string | null | undefined;
  /** The shopper accepted the program's terms (the widget). */
  consent?: true;
}

/**
 * The referrer of `code`: `invalid_request` naming `referralCode` for an unknown code or the customer's own, 409
 * `conflict` naming it for the code of a customer this one referred, directly or through others (a loop).
 */
async function referrerOf(env: Env, shopId: string, customerId: string, code: string, voice: Voice): Promise<string> {
  const checked = await shopObject(env, shopId).checkReferral(customerId, code);
  if (checked.ok) return checked.referrerId;
  throw referralRefusal(checked.reason, voice);
}

function referralRefusal(reason: ReferralRefusal, voice: Voice) {
  switch (reason) {
    case "unknown_code": return refusal("invalid_request", TEXTS[voice].unknownReferral, "referralCode");
    case "self": return refusal("invalid_request", TEXTS[voice].ownReferral, "referralCode");
    case "loop": return refusal("conflict", TEXTS[voice].referralLoop, "referralCode");
    case "already_referred": return refusal("conflict", TEXTS[voice].referredBefore, "referralCode");
  }
}

/**
 * The core both ways in share: claims the contacts, writes the profile, grants what is owed. The referral code
 * must have been checked (`referrerOf`) before. Answers whether the account was created and the welcome points
 * this call granted.
 */
async function join(
  env: Env, shopId: string, joining: Joining, program: ValidProgram | null, voice: Voice, at: number,
): Promise<{ created: boolean; welcomePoints: number }> {
  const { customerId, phone, email } = joining;
  const shop = shopObject(env, shopId);
  const welcome = program?.bonuses.welcome;
  // A shopper's claim on the contact the program verifies yields to whoever verifies it (docs/api.md "Unverified claims").
  const verifies = voice === "shopper" && program ? welcomeChannel(program) ?? undefined : undefined;
  // With `verify` set the bonus waits for the contact's verification in the widget: nothing is granted or marked here.
  const welcomeNow = welcome != null && welcome.points > 0 && welcome.verify == null;
  // The Shop marks the contacts' welcome as this customer's in the same step that creates the customer, so a
  // registration interrupted anywhere after it resumes on retry, and no other customer can take the bonus.
  const claim = await shop.claimContacts({
    customerId, phone, email, welcome: welcomeNow, ...(joining.consent ? { consent: true } : {}), ...(verifies ? { verifies } : {}),
  }, at);
  if (!claim.ok) {
    if (claim.reason === "taken") throw refusal("duplicate_contact", TEXTS[voice].duplicate(claim.field), claim.field);
    throw refusal("invalid_request", TEXTS[voice].contact[claim.field], claim.field); // normalised before, so not reached
  }
  const profile: ProfileInput = {
    customerId, name: joining.name, phone, email, birthday: joining.birthday, referralCode: joining.profileReferralCode,
  };
  const { created } = unwrap(await accountOf(env, shopId, customerId).upsertProfile(profile, at));

  let welcomePoints = 0;
  // Owed: the contacts' welcome is this customer's, or — a customer with no contacts — once per customer id.
  const owed = welcomeNow && (claim.welcomeMine || (created && phone == null && email == null));
  // The bonus is granted once: a later update (or a retry after it landed) reports 0.
  if (owed && program && (await grantWelcome(env, shopId, customerId, program, at))) welcomePoints = welcome.points;

  if (joining.referralCode && program) {
    const attached = await shop.attachReferral(customerId, joining.referralCode, at);
    // Checked before the first write; a referral attached meanwhile can still make this one refused here.
    if (!attached.ok) throw referralRefusal(attached.reason, voice);
    if (attached.ok && referralMoment(program) === "registration") await settleReferral(env, shopId, customerId, program, at);
  }
  return { created, welcomePoints };
}

/** The profile the shop's backend sends (`PUT /v1/customers/{id}`): the whole profile, contacts as typed. */
export interface CustomerProfile {
  name?: string | null;
  phone?: string | null;
  email?: string | null;
  birthday?: string | null;
  referralCode?: string | null;
}

/**
 * `PUT /v1/customers/{id}`: creates or replaces the customer's profile. Bad input changes nothing: every check
 * comes before the first write.
 */
export async function upsertCustomer(
  env: Env, shopId: string, customerId: string, body: CustomerProfile, at: number,
): Promise<{ created: boolean; welcomePoints: number; program: ValidProgram | null }> {
  const phone = normalisedContact("phone", body.phone, "shop");
  const email = normalisedContact("email", body.email, "shop");
  const current = await currentProgramOrNull(env, shopId);
  if (body.referralCode) await referrerOf(env, shopId, customerId, body.referralCode, "shop");
  const program = current?.program ?? null;
  const joined = await join(env, shopId, {
    customerId, name: body.name, phone, email, birthday: body.birthday,
    referralCode: body.referralCode, profileReferralCode: body.referralCode,
  }, program, "shop", at);
  return { ...joined, program };
}

/** What a shopper sends to join in the widget (`POST /v1/public/register`). */
export interface WidgetRegistration {
  name: string;
  phone?: string | null;
  email?: string | null;
  birthday?: string | null;
  referralCode?: string | null;
}

export interface WidgetJoined {
  customerId: string;
  program: ValidProgram | null;
  welcomePoints: number;
  /** A token for a customer the API created; null when the shop signed the customer's token. */
  token: { token: string; expiresAt: string } | null;
  /** Where the verification code went, when the program verifies a contact first. */
  verification: { channel: ContactKind; sent: SentCode } | null;
}


/**
 * `POST /v1/public/register`: with a shop-signed token (`signed`), registers that customer; without one, creates
 * a customer and a token for it. Rate-limited per IP and per contact; the program's `welcome.verify` contact is
 * required and gets its code.
 */
export async function joinFromWidget(
  env: Env, shopId: string, secretKey: string, signed: string | undefined, body: WidgetRegistration, caller: Caller, at: number,
): Promise<WidgetJoined> {
  await enforceRateLimit(env, shopId, registerRules({ ip: caller.ip, phone: body.phone, email: body.email }), at);
  const phone = normalisedContact("phone", body.phone, "shopper");
  const email = normalisedContact("email", body.email, "shopper");
  if (phone === null && email === null) throw refusal("invalid_request", "Give a phone number or an e-mail", "phone");
  const program = (await currentProgramOrNull(env, shopId))?.program ?? null;
  const channel = program ? welcomeChannel(program) : null;
  const to = channel === "phone" ? phone : channel === "email" ? email : null;
  if (channel !== null && to === null) throw refusal("invalid_request", `${channel}: required — the program confirms it with a code`, channel);
  const customerId = signed ?? `kw_${newKey("publishable", "x").slice(5)}`;
  if (signed !== undefined && (await shopObject(env, shopId).customerCard(signed, at)).consent) {
    throw refusal("conflict", "You are already a member");
  }
  if (body.referralCode) await referrerOf(env, shopId, customerId, body.referralCode, "shopper");
  if (channel !== null) await enforceRateLimit(env, shopId, codeSendRules({ ip: caller.ip, [channel]: to }), at);

  const { welcomePoints } = await join(env, shopId, {
    customerId, name: body.name, phone, email, birthday: body.birthday ?? null,
    referralCode: body.referralCode, profileReferralCode: null, consent: true,
  }, program, "shopper", at);

  let verification: WidgetJoined["verification"] = null;
  if (channel !== null) {
    const sent = await sendVerificationCode(env, shopId, customerId, channel, at, caller.locale);
    if (sent.ok) verification = { channel, sent };
  }
  let token: WidgetJoined["token"] = null;
  if (signed === undefined) {
    const exp = Math.floor(at / 1000) + ISSUED_TOKEN_TTL_SECONDS;
    token = { token: await signCustomerToken(secretKey, customerId, exp), expiresAt: new Date(exp * 1000).toISOString() };
  }
  return { customerId, program, welcomePoints, token, verification };
}
