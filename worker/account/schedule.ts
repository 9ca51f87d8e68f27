/**
 * Scheduled work of the account (docs/events.md "Scheduled events"): what becomes due by the calendar rather than
 * by a call — expiry reminders for points and coupons, the automatic birthday bonus and its notice, and the tier
 * as spend enters and leaves a rolling window (tier.ts). Everything here is a function of (storage, program, now): the
 * program is the shop's current one as the account last read it from the Shop (`schedule` table, account.ts
 * `refreshProgram`), `now` the instant being processed. The account runs `runScheduled` with `advance` (before a
 * call that has anything due, and in the alarm) and points its alarm at `nextScheduled` too.
 *
 * Local time: every scheduled message goes out at SCHEDULED_MINUTE (10:00) local time in the program's timezone on
 * its day, never at midnight; a reminder is sent on its own local day only (one whose day passed without the
 * account running is skipped, not sent late), once (`reminders` table).
 */
import { LIMITS } from "../../engine/host/limits.ts";
import { birthdayDays, isBirthdayInRange, localTime, offsetAt } from "../../engine/host/calendar.ts";
import type { Program } from "../../engine/host/types.ts";
import { emit } from "../lib/outbox.ts";
import { iso } from "../lib/clock.ts";
import { sumLots } from "./account-sql.ts";
import { selectBirthdayBonus } from "./coupon-sql.ts";
import { grantEventBonus } from "./events.ts";
import { balances, DAY } from "./ledger.ts";
import { selectProfile } from "./order-sql.ts";
import {
  insertReminder,
  reminderSent,
  selectActiveCoupons,
  selectExpiringLots,
  selectSchedule,
} from "./schedule-sql.ts";
import { nextTierChange, retier } from "./tier.ts";

/** Scheduled messages go out at 10:00 local time (minutes after local midnight). */
export const SCHEDULED_MINUTE = 10 * 60;
/** `birthday.upcoming` is sent this many days before the birthday. */
export const BIRTHDAY_NOTICE_DAYS = 7;
/** How many expiry instants one look-ahead reads per reminder day count. */
const LOOKAHEAD_LOTS = 50;
/** The most lots one run reads for the reminders due (a customer's lots expiring within the longest reminder). */
const MAX_DUE_LOTS = 10_000;

/** What the scheduled work needs of the program (stored with the account, JSON). */
export interface ScheduleProgram {
  timezone: string;
  status: "active" | "paused";
  points: { expiryDays: number | null; remindDays: number[] };
  birthday: { points: number; daysBefore: number; daysAfter: number; auto: boolean } | null;
  tiers: { windowDays: number | null; levels: { id: string; from: number }[] } | null;
}

export function scheduleProgramOf(program: Program): ScheduleProgram {
  const birthday = program.bonuses?.birthday ?? null;
  return {
    timezone: program.timezone,
    status: program.status ?? "active",
    points: { expiryDays: program.points.expiryDays ?? null, remindDays: [...(program.points.remindDays ?? [])].sort((a, b) => b - a) },
    birthday: birthday ? { points: birthday.points, daysBefore: birthday.daysBefore, daysAfter: birthday.daysAfter, auto: birthday.auto !== false } : null,
    tiers: program.tiers ? { windowDays: program.tiers.windowDays ?? null, levels: program.tiers.levels.map((l) => ({ id: l.id, from: l.from })) } : null,
  };
}

/** The instant of `minute` minutes after local midnight of local day `day` (days since 1970-01-01) in `timeZone`. */
export function localInstant(timeZone: string, day: number, minute: number): number {
  const wall = day * DAY + minute * 60_000;
  const first = wall - offsetAt(timeZone, wall);
  return wall - offsetAt(timeZone, first);
}

/** The local day of the last instant something valid until `expiresAt` (exclusive) can be used. */
function lastDay(timeZone: string, expiresAt: number): number {
  return localTime(timeZone, expiresAt - 1).day;
}

/** The instant `daysBefore` days before `day` at SCHEDULED_MINUTE, and the end of that local day. */
function reminderSlot(timeZone: string, day: number, daysBefore: number): { at: number; until: number } {
  return { at: localInstant(timeZone, day - daysBefore, SCHEDULED_MINUTE), until: localInstant(timeZone, day - daysBefore + 1, 0) };
}

const localDate = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);

// ---- expiry reminders -----------------------------------------------------------------------------------------

interface Expiring {
  kind: "points" | "coupon";
  target: string;
  /** The local day of its last usable instant. */
  day: number;
  expiresAt: number;
  createdAt: number;
}

/** Lots grouped by the local day they expire on: one reminder per day and days-before, with the group's total. */
function pointGroups(sql: SqlStorage, p: ScheduleProgram, after: number, until: number, limit: number): (Expiring & { points: number })[] {
  const groups = new Map<number, Expiring & { points: number }>();
  for (const lot of selectExpiringLots(sql, after, until, limit)) {
    const day = lastDay(p.timezone, lot.expiresAt);
    const g = groups.get(day);
    if (g) {
      g.points += lot.points;
      g.createdAt = Math.min(g.createdAt, lot.createdAt);
    } else {
      groups.set(day, { kind: "points", target: localDate(day), day, expiresAt: lot.expiresAt, createdAt: lot.createdAt, points: lot.points });
    }
  }
  return [...groups.values()];
}

/**
 * A reminder `n` days before is sent for something only if it lives longer than n whole days and existed before its
 * instant (points earned 3 days before they expire get no 7-day reminder; a 30-day coupon no 30-day one).
 */
function remindable(item: Expiring, n: number, at: number): boolean {
  return Math.floor((item.expiresAt - item.createdAt) / DAY) > n && at > item.createdAt;
}

function dueReminder(sql: SqlStorage, p: ScheduleProgram, item: Expiring, now: number): number | null {
  for (const n of p.points.remindDays) {
    const slot = reminderSlot(p.timezone, item.day, n);
    if (slot.at <= now && now < slot.until && remindable(item, n, slot.at) && !reminderSent(sql, item.kind, item.target, n)) return n;
  }
  return null;
}

function sendReminders(sql: SqlStorage, p: ScheduleProgram, now: number): void {
  if (p.points.remindDays.length === 0) return;
  const horizon = (Math.max(...p.points.remindDays) + 2) * DAY;
  // Only points expiring within the longest reminder (and a day each side for the local calendar) can be due.
  for (const group of pointGroups(sql, p, now, now + horizon, MAX_DUE_LOTS)) {
    const n = dueReminder(sql, p, group, now);
    if (n === null || !insertReminder(sql, "points", group.target, n, now)) continue;
    emit(sql, "points.expiring", { points: group.points, expiresAt: iso(group.expiresAt), daysBefore: n, balance: balances(sql, now).available }, now);
  }
  for (const c of selectActiveCoupons(sql)) {
    if (c.expiresAt <= now) continue;
    if (c.expiresAt > now + horizon) break;
    const item: Expiring = { kind: "coupon", target: c.code, day: lastDay(p.timezone, c.expiresAt), expiresAt: c.expiresAt, createdAt: c.issuedAt };
    const n = dueReminder(sql, p, item, now);
    if (n === null || !insertReminder(sql, "coupon", c.code, n, now)) continue;
    emit(sql, "coupon.expiring", { code: c.code, rewardId: c.rewardId, name: c.rewardName, expiresAt: iso(c.expiresAt), daysBefore: n }, now);
  }
}

/** The next reminder instant after `now` (or `now` itself when one is due and unsent), or null. */
function nextReminder(sql: SqlStorage, p: ScheduleProgram, now: number): number | null {
  let next: number | null = null;
  const consider = (item: Expiring) => {
    for (const n of p.points.remindDays) {
      const slot = reminderSlot(p.timezone, item.day, n);
      if (now >= slot.until || !remindable(item, n, slot.at) || (next !== null && Math.max(slot.at, now) >= next)) continue;
      if (slot.at <= now && reminderSent(sql, item.kind, item.target, n)) continue;
      next = Math.max(slot.at, now);
    }
  };
  for (const n of p.points.remindDays) {
    // Points expiring within n − 2 days of now have their n-day reminder behind them.
    for (const g of pointGroups(sql, p, Math.max(now, now + (n - 2) * DAY), Number.MAX_SAFE_INTEGER, LOOKAHEAD_LOTS)) consider(g);
  }
  for (const c of selectActiveCoupons(sql)) {
    if (c.expiresAt > now) consider({ kind: "coupon", target: c.code, day: lastDay(p.timezone, c.expiresAt), expiresAt: c.expiresAt, createdAt: c.issuedAt });
  }
  return next;
}

// ---- birthdays ------------------------------------------------------------------------------------------------

interface BirthdayYear {
  year: number;
  /** The birthday's local day in that year. */
  day: number;
}

/** The customer's birthday in the years around `now` (the one before to two after, local time). */
function birthdayYears(birthday: string, timeZone: string, now: number): BirthdayYear[] {
  const year = localTime(timeZone, now).year;
  const [before, of, after] = birthdayDays(birthday, year);
  return [
    { year: year - 1, day: before }, { year, day: of }, { year: year + 1, day: after }, { year: year + 2, day: birthdayDays(birthday, year + 2)[1] },
  ];
}

function birthdayOf(sql: SqlStorage, now: number): string | null {
  const birthday = selectProfile(sql)?.birthday;
  return birthday && isBirthdayInRange(birthday, now) ? birthday : null;
}

/** The window of year `b`'s bonus: from its first day at SCHEDULED_MINUTE to the end of its last day. */
function bonusWindow(p: ScheduleProgram, b: BirthdayYear): { at: number; until: number } {
  const rule = p.birthday!;
  return {
    at: localInstant(p.timezone, b.day - rule.daysBefore, SCHEDULED_MINUTE),
    until: localInstant(p.timezone, b.day + rule.daysAfter + 1, 0),
  };
}

function grantsBirthdays(p: ScheduleProgram): boolean {
  return p.status === "active" && p.birthday !== null && p.birthday.auto && p.birthday.points > 0;
}

/** Whether year `b`'s bonus is owed at `now`: its window is open, none was granted that year, and it fits the balance. */
function bonusDue(sql: SqlStorage, p: ScheduleProgram, b: BirthdayYear, now: number): boolean {
  const window = bonusWindow(p, b);
  return window.at <= now && now < window.until && !selectBirthdayBonus(sql, b.year)
    && sumLots(sql, now).all + p.birthday!.points <= LIMITS.points;
}

function birthdays(sql: SqlStorage, p: ScheduleProgram, now: number): void {
  const birthday = birthdayOf(sql, now);
  if (!birthday) return;
  for (const b of birthdayYears(birthday, p.timezone, now)) {
    if (grantsBirthdays(p) && bonusDue(sql, p, b, now)) {
      grantEventBonus(sql, { points: p.birthday!.points, reason: "birthday", birthdayYear: b.year, eventId: "automatic", expiryDays: p.points.expiryDays }, now);
    }
    const notice = reminderSlot(p.timezone, b.day, BIRTHDAY_NOTICE_DAYS);
    if (notice.at <= now && now < notice.until && insertReminder(sql, "birthday", String(b.year), BIRTHDAY_NOTICE_DAYS, now)) {
      emit(sql, "birthday.upcoming", { birthday: localDate(b.day), daysBefore: BIRTHDAY_NOTICE_DAYS }, now);
    }
  }
}

function nextBirthday(sql: SqlStorage, p: ScheduleProgram, now: number): number | null {
  const birthday = birthdayOf(sql, now);
  if (!birthday) return null;
  let next: number | null = null;
  const take = (at: number) => (next = next === null ? at : Math.min(next, at));
  for (const b of birthdayYears(birthday, p.timezone, now)) {
    if (grantsBirthdays(p)) {
      const window = bonusWindow(p, b);
      if (bonusDue(sql, p, b, now)) take(now);
      else if (window.at > now && !selectBirthdayBonus(sql, b.year)) take(window.at);
    }
    const notice = reminderSlot(p.timezone, b.day, BIRTHDAY_NOTICE_DAYS);
    if (notice.at > now) take(notice.at);
    else if (now < notice.until && !reminderSent(sql, "birthday", String(b.year), BIRTHDAY_NOTICE_DAYS)) take(now);
  }
  return next;
}

// ---- the whole ------------------------------------------------------------------------------------------------

/** Everything scheduled that is due at `now`; inside the transaction that advances the account to `now`. */
export function runScheduled(sql: SqlStorage, now: number): void {
  const p = selectSchedule(sql).program;
  if (!p) return;
  retier(sql, now);
  sendReminders(sql, p, now);
  birthdays(sql, p, now);
}

/**
 * The earliest instant ≥ `now` at which `runScheduled` has something to do (`now` itself when something is due
 * already), or null.
 */
export function nextScheduled(sql: SqlStorage, now: number): number | null {
  const p = selectSchedule(sql).program;
  if (!p) return null;
  const times = [nextTierChange(sql, now), nextReminder(sql, p, now), nextBirthday(sql, p, now)].filter((t): t is number => t !== null);
  return times.length ? Math.min(...times) : null;
}
