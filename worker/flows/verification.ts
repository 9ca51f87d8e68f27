/**
 * Verifying a customer's contact with a 6-digit code (docs/program.md `bonuses.welcome.verify`): the code is stored
 * hashed in the Shop and sent through the shop's webhook; the right code verifies the contact and grants the
 * welcome bonus that waited for it. Rate-limited per IP and per contact.
 */
import { sha256Hex, randomFrom } from "../lib/crypto.ts";
import { refusal } from "../lib/refusal.ts";
import { codeCheckKeys, codeCheckRules, codeSendRules } from "../ratelimit/rules.ts";
import { enforceRateLimit, resetRateLimit } from "../ratelimit/enforce.ts";
import type { ContactKind } from "../shop/contacts.ts";
import type { StartVerification } from "../shop/engagement.ts";
import { shopObject } from "../shop/shop.ts";
import { type ValidProgram } from "../shop/types.ts";
import { currentProgramOrNull } from "./program.ts";
import type { Caller } from "./caller.ts";
import { grantWelcome } from "./welcome.ts";

/** A code sent: to which contact, and until when it is good (epoch ms). */
export type SentCode = Extract<StartVerification, { ok: true }>;

/** The contact the program verifies before the welcome bonus, or null when it verifies none. */
export function welcomeChannel(program: ValidProgram): ContactKind | null {
  const welcome = program.bonuses?.welcome;
  return welcome && welcome.verify ? welcome.verify : null;
}

/** Hash of a verification code as the Shop stores it (bound to the shop, customer and channel). */
export function codeHash(shopId: string, customerId: string, channel: ContactKind, code: string): Promise<string> {
  return sha256Hex(`kopilka verification\u0000${shopId}\u0000${customerId}\u0000${channel}\u0000${code}`);
}

/** A new 6-digit code, uniformly random. */
export function newCode(): string {
  return randomFrom("0123456789", 6);
}

/**
 * Sends a new code to the customer's contact on `channel`: stored (hashed) and queued for the shop's webhook in
 * one step. Answers where it went and until when it is good, or why it could not be sent.
 */
export async function sendVerificationCode(
  env: Env, shopId: string, customerId: string, channel: ContactKind, at: number, locale?: string,
): Promise<StartVerification> {
  const code = newCode();
  return shopObject(env, shopId).startVerification({
    customerId,
    channel,
    codeHash: await codeHash(shopId, customerId, channel, code),
    now: at,
    event: "verification.code",
    payload: { type: "verification.code", shopId, customerId, channel, code, ...(locale ? { locale } : {}) },
    code,
    locale: locale ?? null,
  });
}

/** A contact shown back to its owner without spelling it out: `+7 *** ***-45-67`, `a***@example.com`. */
export function maskContact(kind: ContactKind, value: string): string {
  if (kind === "email") {
    const at = value.lastIndexOf("@");
    return at <= 0 ? "***" : `${value[0]}***${value.slice(at)}`;
  }
  if (value.startsWith("+7") && value.length === 12) return `+7 *** ***-${value.slice(8, 10)}-${value.slice(10)}`;
  return `${value.slice(0, 3)}***${value.slice(-4)}`;
}

/** `POST /v1/public/verify/send`: a new code for the member's contact on `channel`; the previous one stops working. */
export async function resendCode(env: Env, shopId: string, customerId: string, channel: ContactKind, caller: Caller, at: number): Promise<SentCode> {
  const shop = shopObject(env, shopId);
  const [contacts, card] = await Promise.all([shop.contactsOf(customerId), shop.customerCard(customerId, at)]);
  const to = contacts[channel];
  if (!card.exists) throw refusal("not_found", "Not a member yet: register first");
  if (to === null) throw refusal("invalid_state", `You have no ${channel === "phone" ? "phone number" : "e-mail"} to confirm`, "channel");
  if (card.verified[channel]) throw refusal("invalid_state", `Your ${channel} is already confirmed`, "channel");
  await enforceRateLimit(env, shopId, codeSendRules({ ip: caller.ip, [channel]: to }), at);
  const sent = await sendVerificationCode(env, shopId, customerId, channel, at, caller.locale);
  if (!sent.ok) {
    throw refusal("invalid_state", sent.reason === "already_verified" ? `Your ${channel} is already confirmed` : `You have no ${channel} to confirm`, "channel");
  }
  return sent;
}

/**
 * `POST /v1/public/verify`: checks the code; the right one verifies the contact and grants the welcome bonus that
 * waited for it. Answers the welcome points this verification granted — a retry of the right code answers what
 * the first answer said — and the program it ran under.
 */
export async function verifyContact(
  env: Env, shopId: string, customerId: string, channel: ContactKind, code: string, caller: Caller, at: number,
): Promise<{ welcomePoints: number; program: ValidProgram | null }> {
  const shop = shopObject(env, shopId);
  const to = (await shop.contactsOf(customerId))[channel];
  await enforceRateLimit(env, shopId, codeCheckRules({ ip: caller.ip, [channel]: to }), at);
  const program = (await currentProgramOrNull(env, shopId))?.program ?? null;
  const welcomeHere = program !== null && welcomeChannel(program) === channel;
  const checked = await shop.checkVerification({ customerId, channel, codeHash: await codeHash(shopId, customerId, channel, code), now: at, welcome: welcomeHere });
  if (!checked.ok) {
    switch (checked.reason) {
      case "wrong": {
        const left = checked.attemptsLeft;
        throw refusal("invalid_state", `The code is not right; ${left} ${left === 1 ? "try" : "tries"} left`, "code", { attemptsLeft: left });
      }
      case "expired":
        throw refusal("invalid_state", "The code has expired: ask for a new one", "code");
      case "locked":
        throw refusal("invalid_state", "Too many wrong codes: ask for a new one", "code");
      case "taken":
        throw refusal("duplicate_contact", `This ${channel === "phone" ? "phone number" : "e-mail"} is already registered and confirmed by another member`, channel);
      case "changed":
      case "none":
        throw refusal("invalid_state", "No code was sent to this contact: ask for one", "code");
    }
  }
  if (to !== null) await resetRateLimit(env, shopId, codeCheckKeys({ [channel]: to }));
  let welcomePoints = 0;
  if (welcomeHere && checked.welcomeMine && program) {
    // The grant has a fixed id, so running it again after an interruption grants nothing twice. A second contact
    // verified later (the shop changed the phone) brings no second bonus and says so.
    if (await grantWelcome(env, shopId, customerId, program, at)) welcomePoints = program.bonuses?.welcome?.points ?? 0;
  }
  if (checked.replay && checked.answeredWelcome !== null) {
    welcomePoints = checked.answeredWelcome; // a retry of the right code answers what the first answer said
  } else {
    await shop.noteVerificationWelcome(customerId, channel, welcomePoints);
  }
  return { welcomePoints, program };
}
