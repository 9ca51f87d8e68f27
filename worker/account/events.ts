/**
 * Events that earn the program's bonuses (docs/api.md `POST /v1/customers/{id}/events`): a review, a rating, a
 * survey, the customer's birthday, or a custom grant. One transaction: the points (a lot expiring after the
 * program's `points.expiryDays`), a `bonus` history entry, the birthday's once-a-year mark, the first answer.
 *
 * Keyed by the event id forever (`event:<id>`, its own namespace): the same id and body answer the first
 * answer even if the program has changed since; another body is 409 `idempotency_conflict`.
 */
import { DATE_LIMITS, LIMITS } from "../../engine/host/limits.ts";
import { birthdayDays, isBirthdayInRange, localTime } from "../../engine/host/calendar.ts";
import { insertEntry } from "./account-sql.ts";
import { insertBirthdayBonus, selectBirthdayBonus } from "./coupon-sql.ts";
import { recall, remember } from "./idempotency.ts";
import { balances, expiryAfter, issueLot } from "./ledger.ts";
import { selectProfile } from "./order-sql.ts";
import { emit } from "../lib/outbox.ts";
import { refuse } from "../lib/refusal.ts";
import type { EventInput, EventProgram, EventView } from "./types.ts";
import { iso } from "./views.ts";

const MAX_POINTS = LIMITS.points;
const DAY_MS = 86_400_000;
const day = (days: number) => new Date(days * DAY_MS).toISOString().slice(0, 10);

/**
 * The birthday whose window holds `now`'s local date in `timeZone`: today between birthday − daysBefore and
 * birthday + daysAfter. The window may cross New Year, so last year's, this year's and next year's birthdays
 * are candidates; the one nearest today counts (windows are at most 31 + 31 days, so they never overlap).
 * 29 February falls on 28 February in other years (calendar.ts). Null outside every window.
 */
export function birthdayOccurrence(
  birthday: string, timeZone: string, now: number, window: { daysBefore: number; daysAfter: number },
): { year: number; day: number } | null {
  const today = localTime(timeZone, now);
  const days = birthdayDays(birthday, today.year);
  let best: { year: number; day: number } | null = null;
  for (let i = 0; i < days.length; i++) {
    const d = days[i]!;
    if (today.day < d - window.daysBefore || today.day > d + window.daysAfter) continue;
    if (!best || Math.abs(today.day - d) < Math.abs(today.day - best.day)) best = { year: today.year - 1 + i, day: d };
  }
  return best;
}

/** The points a program bonus grants and the birthday year it is for; refusals name the field at fault. */
function programBonus(sql: SqlStorage, input: EventInput, program: EventProgram | null, now: number): { points: number; year: number | null } {
  const { type } = input;
  if (!program) refuse("invalid_state", `No program is published: there is no ${type} bonus`, { path: "type" });
  if (program.status === "paused") refuse("invalid_state", "The program is paused: it grants no bonuses", { path: "type" });
  const bonuses = program.bonuses ?? {};
  if (type !== "birthday") {
    const points = type === "review" ? bonuses.review : type === "rating" ? bonuses.rating : bonuses.survey;
    if (!points) refuse("invalid_state", `The program grants no ${type} bonus`, { path: "type" });
    return { points, year: null };
  }
  const rule = bonuses.birthday;
  if (!rule || !rule.points) refuse("invalid_state", "The program grants no birthday bonus", { path: "type" });
  const birthday = selectProfile(sql)?.birthday;
  if (!birthday) refuse("invalid_state", "The customer's profile has no birthday", { path: "birthday" });
  // Stored before the edge bounded birthdays (DATE_LIMITS): treated as unknown, like no birthday.
  if (!isBirthdayInRange(birthday, now)) {
    refuse("invalid_state", `The customer's birthday ${birthday} is outside ${DATE_LIMITS.birthdayFrom} to today: set it again with PUT /v1/customers/{id}`, { path: "birthday" });
  }
  const occurrence = birthdayOccurrence(birthday, program.timezone, now, rule);
  if (!occurrence) {
    const today = localTime(program.timezone, now).day;
    refuse("invalid_state", `Today (${day(today)}, ${program.timezone}) is outside the birthday bonus window: ${rule.daysBefore} days before to ${rule.daysAfter} days after ${birthday.slice(5)}`, { path: "birthday" });
  }
  const granted = selectBirthdayBonus(sql, occurrence.year);
  if (granted) {
    refuse("conflict", `The birthday bonus of ${occurrence.year} was already granted (event ${granted.eventId})`, { path: "type" });
  }
  return { points: rule.points, year: occurrence.year };
}

/** Grants an event's bonus. 201 `{id, type, points, reason, at, balance}`; replays answer the first answer. */
export function recordEvent(sql: SqlStorage, input: EventInput, now: number): EventView {
  const { id, type } = input;
  const remembered = recall<EventView>(sql, `event:${id}`, { type, points: input.points ?? null, reason: input.reason ?? null });
  if (remembered.replay) return remembered.replay;
  let points: number;
  let year: number | null = null;
  let reason: string = type;
  if (type === "custom") {
    points = input.points ?? NaN;
    if (!Number.isSafeInteger(points) || points < 1 || points > MAX_POINTS) {
      refuse("invalid_request", "points: a custom event needs a positive integer up to 10^15", { path: "points" });
    }
    if (input.reason !== undefined) reason = input.reason;
  } else if (type === "review" || type === "rating" || type === "survey" || type === "birthday") {
    if (input.points !== undefined) refuse("invalid_request", `points: the program sets the ${type} bonus; send points only with "custom"`, { path: "points" });
    if (input.reason !== undefined) refuse("invalid_request", `reason: the ${type} bonus's reason is its type; send a reason only with "custom"`, { path: "reason" });
    ({ points, year } = programBonus(sql, input, input.program, now));
  } else {
    refuse("invalid_request", "type must be review, rating, survey, birthday or custom", { path: "type" });
  }
  const balance = grantEventBonus(sql, { points, reason, birthdayYear: year, eventId: id, expiryDays: input.program?.points.expiryDays }, now);
  return remember(sql, remembered, { id, type, points, reason, at: iso(now), balance }, now, 201);
}

/**
 * The effect of an event's bonus, shared by `recordEvent` and the automatic birthday bonus (schedule.ts): a `bonus`
 * lot and entry, the birthday year's mark (its primary key makes a second grant in one year fail the transaction),
 * and `points.earned` (source `event`). Returns the balance after it.
 */
export function grantEventBonus(
  sql: SqlStorage,
  bonus: { points: number; reason: string; birthdayYear: number | null; eventId: string; expiryDays: number | null | undefined },
  now: number,
): number {
  const { points, reason } = bonus;
  const expiresAt = expiryAfter(now, bonus.expiryDays);
  const lotId = issueLot(sql, { source: "bonus", orderId: null, points, pendingUntil: now, expiresAt }, now);
  insertEntry(sql, { at: now, type: "bonus", points, lotId, expiresAt, reason });
  if (bonus.birthdayYear !== null) insertBirthdayBonus(sql, bonus.birthdayYear, bonus.eventId, now);
  const balance = balances(sql, now).available;
  emit(sql, "points.earned", {
    points, source: "event", orderId: null, reason, availableAt: iso(now), expiresAt: expiresAt === null ? null : iso(expiresAt), balance,
  }, now);
  return balance;
}
