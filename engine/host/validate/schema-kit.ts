/**
 * Building blocks of the schemas. Each carries one message for everything that can be wrong with it, so a shop
 * owner reads "must be an integer between 0 and 10000" whether the value was 1.5, "10", -1 or 20000.
 */
import { z } from "zod";
import { daysFromCivil, isCalendarDate } from "../calendar.ts";
import { REQUIRED, UNKNOWN_FIELD } from "./problems.ts";

/** An error map: "unknown field" for unknown keys, "is required" for a missing value, `message` otherwise. */
export function say(message: string) {
  return (issue: { code?: string; input?: unknown }) =>
    issue.code === "unrecognized_keys" ? UNKNOWN_FIELD : issue.input === undefined ? REQUIRED : message;
}

/** 10000 stays 10000; big powers of ten read as 10^13 (the notation of the README's limits). */
function fmt(n: number): string {
  const digits = String(Math.abs(n));
  const power = n !== 0 && Math.abs(n) >= 1e7 && /^10+$/.test(digits);
  return power ? `${n < 0 ? "-" : ""}10^${digits.length - 1}` : String(n);
}

/**
 * Not `z.int()`: its "not an integer" issue aborts the whole parse, which would hide every cross-field problem
 * (duplicate ids, unknown tiers…) of the document. `type: "integer"` keeps the JSON Schema exact.
 */
export function int(min: number, max: number, message = `must be an integer between ${fmt(min)} and ${fmt(max)}`) {
  const error = say(message);
  return z
    .number({ error })
    .min(min, { error })
    .max(max, { error })
    .refine(Number.isInteger, { error })
    .meta({ type: "integer" });
}

export const bps = (min: number) => int(min, 10_000).describe("basis points: 100 = 1%");
export const money = (min: number, max: number) => int(min, max).describe("integer minor units of the program currency");

/** A lone half of a UTF-16 surrogate pair: no character at all. */
const UNPAIRED_SURROGATE = /\p{Cs}/u;
export const UNPAIRED_SURROGATE_MESSAGE = "must be valid Unicode text (it holds half of a surrogate pair)";

/**
 * JSON's `\ud800` escapes can carry strings that are not Unicode. Storage turns such a string into U+FFFD, so an
 * id would come back other than it was sent, and two different ids would become one: text is refused instead.
 */
export function isWellFormed(s: string): boolean {
  return !UNPAIRED_SURROGATE.test(s);
}

/**
 * A refinement holding a string schema to at most `max` UTF-16 code units — zod's own `max` counts code points, so
 * 101 emoji passed a `max(200)` (each is two or more units): `z.string().max(200).refine(...maxUnits(200))`. The API's
 * limits are code units everywhere, as `text()` and the engine's encoder count them.
 */
export function maxUnits(max: number): [(s: string) => boolean, { error: string }] {
  return [(s) => s.length <= max, { error: `must be at most ${max} characters (UTF-16 code units)` }];
}

/**
 * 1 to `max` UTF-16 code units. zod's `max` counts code points, the engine's encoder counts code units: 101 to 200
 * emoji passed validation and failed the encoder (a 500). The refinement holds zod to the encoder's count.
 */
export function text(max = 200) {
  const error = say(`must be a string of 1 to ${max} characters`);
  return z
    .string({ error })
    .min(1, { error })
    .max(max, { error })
    .refine((s) => s.length <= max, { error })
    .refine(isWellFormed, { error: UNPAIRED_SURROGATE_MESSAGE });
}

export function list<T extends z.ZodType>(item: T, max: number, min = 0) {
  const error = say(
    min === 0
      ? `must be a list of at most ${fmt(max)} items`
      : min === 1
        ? `must be a non-empty list of at most ${fmt(max)} items`
        : `must be a list of ${min} to ${fmt(max)} items`,
  );
  return z.array(item, { error }).min(min, { error }).max(max, { error });
}

export const texts = (max: number) => list(text(), max);

export const flag = () => z.boolean({ error: say("must be true or false") });

export function oneOf<const T extends readonly [string, ...string[]]>(values: T, orNull = false) {
  const quoted = values.map((value) => `"${value}"`);
  const words = quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} or ${quoted.at(-1)}`;
  return z.enum(values, { error: say(`must be ${orNull ? `null, ${words}` : words}`) });
}

/** Objects are strict: a field the schema does not know is reported as "unknown field". */
export function obj<S extends z.ZodRawShape>(shape: S, message = "must be an object") {
  return z.strictObject(shape, { error: say(message) });
}

/** A string in a fixed format; `valid` adds what a regular expression cannot check (calendar dates). */
export function formatted(pattern: RegExp, message: string, valid: (match: RegExpExecArray) => boolean = () => true) {
  const error = say(message);
  return z
    .string({ error })
    .regex(pattern, { error })
    .refine((s) => {
      const match = pattern.exec(s);
      return match === null || valid(match); // a mismatch is already reported by the regex
    }, { error });
}

/**
 * Ids that show up in URLs, in `tier:<id>` discount ids and as keys of JSON objects (`campaignUses`):
 * letters, digits, `_ . -` only, and never a name that `{}` already has (`__proto__`, `constructor`…),
 * because a lookup such as `campaignUses[id]` would find the prototype's member instead of nothing.
 */
const ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export const id = () =>
  formatted(ID_PATTERN, "must be 1 to 64 letters, digits, '_', '.' or '-'").refine((s) => !(s in Object.prototype), {
    error: "is a reserved name, choose another",
  });

/**
 * RFC 3339 date-time with seconds and an offset (`Z` or `±HH:MM`); up to 9 fractional digits. Upper-case `T`
 * and `Z` only, a deliberate narrowing of RFC 3339 so that every consumer parses the same strings.
 */
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/** The instant as [milliseconds since the epoch, fraction of the second padded to 9 digits], or null. */
export function instantOf(s: string): [number, string] | null {
  const match = INSTANT.exec(s);
  if (match === null) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const sign = match[8] === "-" ? -1 : 1;
  const offsetHours = Number(match[9] ?? 0);
  const offsetMinutes = Number(match[10] ?? 0);
  if (!isCalendarDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  if (offsetHours > 23 || offsetMinutes > 59) return null;
  const local = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
  const utc = local - sign * (offsetHours * 3600 + offsetMinutes * 60);
  return [utc * 1000, (match[7] ?? ".").slice(1).padEnd(9, "0")];
}

export function compareInstants(a: [number, string], b: [number, string]): number {
  return a[0] !== b[0] ? a[0] - b[0] : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

export const instant = () =>
  formatted(INSTANT, 'must be a date and time with an offset, like "2026-11-23T10:15:00+03:00"', (m) =>
    instantOf(m[0]) !== null,
  ).meta({ format: "date-time", description: "RFC 3339 date-time with an offset" });

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
export const date = () =>
  formatted(DATE, 'must be null or a date like "1990-05-17"', (m) => isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3])))
    .meta({ format: "date", description: "YYYY-MM-DD" });

export const clockTime = () =>
  formatted(/^(?:[01]\d|2[0-3]):[0-5]\d$/, 'must be a time from "00:00" to "23:59"').describe("HH:MM, program timezone");

/** A valid IANA zone as the runtime knows it. Offsets such as "+03:00" are not zones and are refused. */
function isTimeZone(name: string): boolean {
  if (!/^[A-Za-z]/.test(name)) return false;
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export function timeZone() {
  const error = say('must be an IANA time zone, like "Europe/Moscow"');
  return z.string({ error }).min(1, { error }).max(100, { error }).refine(isTimeZone, { error });
}
