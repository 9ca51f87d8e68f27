/**
 * Rate-limit presets of the public widget API and the keys they count on. Keys are `<action>:<subject>:<value>`
 * (`register:ip:203.0.113.7`, `code-send:phone:+79991234567`); one shop's keys live in that shop's RateLimiter.
 *
 * | action | per IP | per contact (phone, e-mail) |
 * |---|---|---|
 * | registration | 10 per 10 min and 50 per day | 5 per hour |
 * | verification-code send | 20 per hour | 1 per 60 s and 5 per hour |
 * | verification-code check | 30 per 10 min | 10 per hour (reset by a right code) |
 */
import { contactIdentity, normaliseContact, type ContactKind } from "../shop/contacts.ts";
import type { RateRule } from "./limiter.ts";

/** A rule without its key: what a preset says. */
export type RateLimit = Omit<RateRule, "key">;

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Registrations from one IP: a burst a household or an office may make, and a daily ceiling. */
export const REGISTRATION_PER_IP: readonly RateLimit[] = [
  { limit: 10, windowSeconds: 10 * MINUTE },
  { limit: 50, windowSeconds: DAY },
];
/** Registrations naming one phone or e-mail: retries of a typo are fine, probing whether a contact is known is not. */
export const REGISTRATION_PER_CONTACT: readonly RateLimit[] = [{ limit: 5, windowSeconds: HOUR }];
/** Codes sent to one contact: one a minute, five an hour, so nobody can flood someone else's phone or inbox. */
export const CODE_SENDS_PER_CONTACT: readonly RateLimit[] = [
  { limit: 1, windowSeconds: MINUTE },
  { limit: 5, windowSeconds: HOUR },
];
/** Codes sent on behalf of one IP, whatever the contacts: SMS pumping walks through many numbers from few IPs. */
export const CODE_SENDS_PER_IP: readonly RateLimit[] = [{ limit: 20, windowSeconds: HOUR }];
/** Code checks from one IP. */
export const CODE_CHECKS_PER_IP: readonly RateLimit[] = [{ limit: 30, windowSeconds: 10 * MINUTE }];
/**
 * Code checks for one contact, from any IP: the per-IP limit alone lets many IPs guess one contact's code.
 * Reset it (`codeCheckKeys`) once the right code was entered.
 */
export const CODE_CHECKS_PER_CONTACT: readonly RateLimit[] = [{ limit: 10, windowSeconds: HOUR }];

/** Who a widget request comes from and which contacts it names (raw; normalised here). */
export interface Requester {
  /** `clientIp(request)`. */
  ip: string;
  phone?: string | null | undefined;
  email?: string | null | undefined;
}

/** Longest value part of a key: an e-mail may be 254 characters, and the key must stay within 300. */
const MAX_VALUE_LENGTH = 256;

/**
 * The client's IP, from the one header the deployment trusts (`CLIENT_IP_HEADER`): behind Cloudflare that is
 * `CF-Connecting-IP`, which Cloudflare sets itself (a client's own copy never reaches the Worker), and wrangler.toml
 * names it for deployments. Where the Worker is not behind Cloudflare (`npm start`, a machine of one's own) no header
 * is trusted — a client could write any address into it and escape its per-IP limits — and every request counts as
 * "unknown" (one IP: per-contact limits still apply). The tests trust the header they send.
 */
export function clientIp(request: Request, trustedHeader: string | undefined): string {
  if (!trustedHeader) return "unknown";
  return request.headers.get(trustedHeader)?.trim() || "unknown";
}

/** One IPv6 group, or an IPv4 tail (counted as two groups). */
const IPV6_GROUP = /^[0-9a-f]{1,4}$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** The eight groups of an IPv6 address without leading zeros, or null if it is not one. */
function ipv6Groups(address: string): string[] | null {
  const halves = address.split("::");
  if (halves.length > 2) return null;
  const split = (half: string | undefined) => (half ? half.split(":") : []);
  const head = split(halves[0]);
  const tail = split(halves[1]);
  // Only the address's last group may be a dotted IPv4 tail; it stands for two groups.
  const last = halves.length === 2 ? tail : head;
  if (IPV4.test(last.at(-1) ?? "")) last.splice(-1, 1, "0", "0");
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...Array<string>(missing).fill("0"), ...tail];
  return groups.every((group) => IPV6_GROUP.test(group)) ? groups.map((group) => parseInt(group, 16).toString(16)) : null;
}

/**
 * The IP as a key: IPv4 as it is, IPv6 as its /64 network — one subscriber gets a whole /64 and could otherwise
 * take a fresh address per request. IPv4-mapped IPv6 counts as the IPv4 address.
 */
export function ipSubject(ip: string): string {
  const address = ip.trim().toLowerCase();
  if (!address.includes(":")) return address.slice(0, MAX_VALUE_LENGTH) || "unknown";
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  if (mapped?.[1] !== undefined) return mapped[1];
  const groups = ipv6Groups(address);
  return groups === null ? address.slice(0, MAX_VALUE_LENGTH) : `${groups.slice(0, 4).join(":")}::/64`;
}

/**
 * A contact as a key: its identity, as the shop's directory keys it (`8 (999) 123-45-67` and `+79991234567` are
 * one phone, `a.nna+x@gmail.com` and `anna@gmail.com` one address). What cannot be normalised is counted as written (trimmed, lower-cased, cut to 256 characters):
 * the request will be refused as invalid anyway, and must still count.
 */
export function contactSubject(kind: ContactKind, value: string): string {
  const normal = normaliseContact[kind](value);
  return normal !== null ? contactIdentity(kind, normal) : value.trim().toLowerCase().slice(0, MAX_VALUE_LENGTH);
}

function rules(key: string, limits: readonly RateLimit[]): RateRule[] {
  return limits.map(({ limit, windowSeconds }) => ({ key, limit, windowSeconds }));
}

/** The keys of the contacts a request names: `<action>:phone:…`, `<action>:email:…`. */
function contactKeys(action: string, { phone, email }: Omit<Requester, "ip">): string[] {
  const keys: string[] = [];
  if (phone) keys.push(`${action}:phone:${contactSubject("phone", phone)}`);
  if (email) keys.push(`${action}:email:${contactSubject("email", email)}`);
  return keys;
}

function requesterRules(action: string, requester: Requester, perIp: readonly RateLimit[], perContact: readonly RateLimit[]): RateRule[] {
  return [
    ...rules(`${action}:ip:${ipSubject(requester.ip)}`, perIp),
    ...contactKeys(action, requester).flatMap((key) => rules(key, perContact)),
  ];
}

/** Registration: per IP, and per phone and e-mail the request names. */
export function registerRules(requester: Requester): RateRule[] {
  return requesterRules("register", requester, REGISTRATION_PER_IP, REGISTRATION_PER_CONTACT);
}

/** Sending a verification code: per IP, and per contact the code goes to. */
export function codeSendRules(requester: Requester): RateRule[] {
  return requesterRules("code-send", requester, CODE_SENDS_PER_IP, CODE_SENDS_PER_CONTACT);
}

/** Checking a verification code: per IP, and per contact the code was sent to. */
export function codeCheckRules(requester: Requester): RateRule[] {
  return requesterRules("code-check", requester, CODE_CHECKS_PER_IP, CODE_CHECKS_PER_CONTACT);
}

/** The per-contact keys of code checks, to reset once the code was right (the per-IP count stays). */
export function codeCheckKeys(contacts: Omit<Requester, "ip">): string[] {
  return contactKeys("code-check", contacts);
}
