/**
 * The simulated program's rewards and bonuses, and the model's own arithmetic for them — written from
 * docs/program.md, engine/README.md ("Reward coupons") and worker/account/README.md ("Events"), none of the engine's
 * or the account's code: what a coupon takes off a receipt, and whether a day lies in the birthday window.
 */
import type { Bonuses, Reward } from "../../engine/host/types.ts";

export const DAY = 86_400_000;

/**
 * Two rewards, in program order: the item coupon applies first, the order coupon to what is left. The order
 * coupon's short validity makes coupons expire (their cost coming back) often within a stream.
 */
export const REWARDS: readonly Reward[] = [
  { id: "item20", name: "−20% on an item", cost: 300, coupon: { discountBps: 2000, target: "item", validDays: 30 } },
  { id: "order5", name: "−5% on the order", cost: 150, coupon: { discountBps: 500, target: "order", validDays: 2 } },
];

/** Review and rating earn points; the survey earns none (422); the birthday is the demo's window. */
export const BONUSES: Bonuses = { review: 50, rating: 10, survey: 0, birthday: { points: 500, daysBefore: 3, daysAfter: 7 } };
export const BIRTHDAY_RULE = { points: 500, daysBefore: 3, daysAfter: 7 } as const;

/** Profiles' birthdays: one near the start (T0 is 15 January), one whose window crosses New Year, 29 February. */
export const BIRTHDAYS: readonly (string | null)[] = ["1990-01-20", "1985-12-30", "1992-02-29", "1988-03-01", "2000-07-04", null];

/** The program's timezone, Europe/Moscow, is UTC+3 all year (no daylight saving since 2014). */
const MOSCOW_OFFSET = 3 * 3_600_000;

/** The local date (Moscow) of an instant, as days since 1970-01-01. */
export function localDay(ms: number): number {
  return Math.floor((ms + MOSCOW_OFFSET) / DAY);
}

/** The instant local (Moscow) midnight starts day `day`. */
export function startOfLocalDay(day: number): number {
  return day * DAY - MOSCOW_OFFSET;
}

const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** The day (since 1970-01-01) a `YYYY-MM-DD` birthday falls on in `year`; 29 February is 28 February in other years. */
export function birthdayIn(birthday: string, year: number): number {
  const month = Number(birthday.slice(5, 7));
  let day = Number(birthday.slice(8, 10));
  if (month === 2 && day === 29 && !leap(year)) day = 28;
  return Date.UTC(year, month - 1, day) / DAY;
}

/**
 * The year of the birthday whose window [birthday − daysBefore, birthday + daysAfter] holds `now`'s local date,
 * or null. Last, this and next year's birthdays are candidates (a window may cross New Year).
 */
export function birthdayYear(birthday: string, now: number): number | null {
  const today = localDay(now);
  const year = new Date(today * DAY).getUTCFullYear();
  for (const y of [year - 1, year, year + 1]) {
    const d = birthdayIn(birthday, y);
    if (today >= d - BIRTHDAY_RULE.daysBefore && today <= d + BIRTHDAY_RULE.daysAfter) return y;
  }
  return null;
}

/** The next birthday window not yet over at `now`: its first instant and the first instant after it. */
export function nextBirthdayWindow(birthday: string, now: number): { start: number; end: number } {
  const year = new Date(localDay(now) * DAY).getUTCFullYear();
  for (const y of [year - 1, year, year + 1, year + 2]) {
    const d = birthdayIn(birthday, y);
    const end = startOfLocalDay(d + BIRTHDAY_RULE.daysAfter + 1);
    if (end > now) return { start: startOfLocalDay(d - BIRTHDAY_RULE.daysBefore), end };
  }
  throw new Error("unreachable: a birthday comes every year");
}

/**
 * What the coupons of `rewardIds` take off each line, in the program's reward order, on what earlier coupons
 * left: "item" takes discountBps of the most expensive unit (ties: the earlier line), "order" discountBps of
 * every line; both rounded down per line. No other campaign of the simulated program gives a discount.
 */
export function couponDiscounts(lines: readonly { price: number; qty: number }[], rewardIds: readonly string[]): Map<string, number[]> {
  const remaining = lines.map((l) => l.price * l.qty);
  const out = new Map<string, number[]>();
  for (const reward of REWARDS) {
    if (!rewardIds.includes(reward.id)) continue;
    const bps = reward.coupon.discountBps;
    const perLine = lines.map(() => 0);
    if (reward.coupon.target === "item") {
      let top = 0;
      lines.forEach((l, i) => {
        if (l.price > lines[top]!.price) top = i;
      });
      perLine[top] = Math.min(remaining[top]!, Math.floor((remaining[top]! * bps) / (lines[top]!.qty * 10_000)));
    } else {
      remaining.forEach((r, i) => (perLine[i] = Math.floor((r * bps) / 10_000)));
    }
    perLine.forEach((d, i) => (remaining[i]! -= d));
    out.set(reward.id, perLine);
  }
  return out;
}
