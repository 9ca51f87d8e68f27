/**
 * Local calendar facts for an instant in a program's timezone, computed in the host (the engine has no
 * clock and no timezone database). DST-correct: the offset comes from the platform's IANA data through
 * Intl, cached per 15-minute bucket (every zone's transitions fall on quarter hours of UTC).
 */
import { DATE_LIMITS, LATEST_ZONE_OFFSET_MS } from "./limits.ts";

export interface LocalTime {
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** Minutes after local midnight, 0 … 1439. */
  minuteOfDay: number;
  /** The local date as days since 1970-01-01. */
  day: number;
  year: number;
}

const DAY_MS = 86_400_000;
const BUCKET_MS = 900_000;
const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, Map<number, number>>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone, hourCycle: "h23", era: "short", year: "numeric", month: "numeric", day: "numeric",
      hour: "numeric", minute: "numeric", second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The zone's UTC offset in milliseconds at `ms`. */
export function offsetAt(timeZone: string, ms: number): number {
  const bucket = Math.floor(ms / BUCKET_MS);
  let zone = offsets.get(timeZone);
  if (!zone) {
    zone = new Map();
    offsets.set(timeZone, zone);
  }
  const cached = zone.get(bucket);
  if (cached !== undefined) return cached;
  const at = bucket * BUCKET_MS;
  const parts: Record<string, number> = {};
  let beforeCommonEra = false;
  for (const p of formatter(timeZone).formatToParts(at)) {
    if (p.type === "era") beforeCommonEra = p.value === "BC";
    else if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  // Year 0 is "1 BC" (the era is asked for so that it is never mistaken for year 1).
  if (beforeCommonEra) parts.year = 1 - parts.year!;
  // Not Date.UTC: it reads years 0–99 as 1900–1999.
  const local = daysFromCivil(parts.year!, parts.month!, parts.day!) * DAY_MS
    + ((parts.hour! * 60 + parts.minute!) * 60 + parts.second!) * 1000;
  const offset = local - at;
  if (zone.size > 4096) zone.clear();
  zone.set(bucket, offset);
  return offset;
}

export function localTime(timeZone: string, ms: number): LocalTime {
  const local = ms + offsetAt(timeZone, ms);
  const day = Math.floor(local / DAY_MS);
  const minuteOfDay = Math.floor((local - day * DAY_MS) / 60_000);
  // 1970-01-01 was a Thursday (ISO 4).
  const weekday = ((((day + 3) % 7) + 7) % 7) + 1;
  return { weekday, minuteOfDay, day, year: new Date(day * DAY_MS).getUTCFullYear() };
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Whether year-month-day is a real date of the proleptic Gregorian calendar (any year, 0 included). */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  const days = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return days !== undefined && day >= 1 && day <= days;
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). Exact for every year,
 * unlike Date.UTC and new Date(y, m, d), which read years 0–99 as 1900–1999.
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  return era * 146097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719468;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `s` is a `YYYY-MM-DD` real calendar date. */
export function isDateText(s: unknown): s is string {
  if (typeof s !== "string") return false;
  const m = DATE.exec(s);
  return m !== null && isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** The latest calendar date anywhere on Earth at `now` (UTC+14), `YYYY-MM-DD`. */
export function latestToday(now: number): string {
  return new Date(now + LATEST_ZONE_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * Whether `birthday` is a date a person can have been born on at `now`: a real date from
 * DATE_LIMITS.birthdayFrom to today (the latest date on Earth). A stored birthday outside it (written before
 * the bound) is treated as unknown: no birthday campaign, no birthday bonus, never an error.
 */
export function isBirthdayInRange(birthday: unknown, now: number): birthday is string {
  return isDateText(birthday) && birthday >= DATE_LIMITS.birthdayFrom && birthday <= latestToday(now);
}

export const BIRTHDAY_RANGE_MESSAGE = `must be a date from ${DATE_LIMITS.birthdayFrom} to today, like "1990-05-17"`;

/** Epoch milliseconds of the receipt range's bounds (DATE_LIMITS). */
export const AT_FROM_MS = Date.parse(DATE_LIMITS.atFrom);
export const AT_BEFORE_MS = Date.parse(DATE_LIMITS.atBefore);
export const AT_RANGE_MESSAGE = `must be from ${DATE_LIMITS.atFrom} (inclusive) to ${DATE_LIMITS.atBefore} (exclusive)`;

/**
 * The birthday's local dates (days since epoch) in the year before, the year of and the year after `year`.
 * 29 February is celebrated on 28 February in other years.
 */
export function birthdayDays(birthday: string, year: number): [number, number, number] {
  const month = Number(birthday.slice(5, 7));
  const date = Number(birthday.slice(8, 10));
  const dayIn = (y: number) => {
    const d = month === 2 && date === 29 && !isLeap(y) ? 28 : date;
    return daysFromCivil(y, month, d);
  };
  return [dayIn(year - 1), dayIn(year), dayIn(year + 1)];
}
