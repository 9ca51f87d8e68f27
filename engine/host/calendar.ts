/**
 * Local calendar facts for an instant in a program's timezone, computed in the host (the engine has no
 * clock and no timezone database). DST-correct: the offset comes from the platform's IANA data through
 * Intl, cached per 15-minute bucket (every zone's transitions fall on quarter hours of UTC).
 */

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
      timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
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
  for (const p of formatter(timeZone).formatToParts(at)) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  const local = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
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

/**
 * The birthday's local dates (days since epoch) in the year before, the year of and the year after `year`.
 * 29 February is celebrated on 28 February in other years.
 */
export function birthdayDays(birthday: string, year: number): [number, number, number] {
  const month = Number(birthday.slice(5, 7));
  const date = Number(birthday.slice(8, 10));
  const dayIn = (y: number) => {
    const d = month === 2 && date === 29 && !isLeap(y) ? 28 : date;
    return Math.floor(Date.UTC(y, month - 1, d) / DAY_MS);
  };
  return [dayIn(year - 1), dayIn(year), dayIn(year + 1)];
}
