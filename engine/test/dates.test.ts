/**
 * The calendar at its edges: JavaScript's Date.UTC and new Date(y, m, d) read years 0–99 as 1900–1999, so the
 * host computes civil dates itself (calendar.ts), and a receipt's `at` is bounded to DATE_LIMITS.
 */
import { describe, expect, test } from "vitest";
import { birthdayDays, daysFromCivil, isBirthdayInRange, isCalendarDate, localTime, offsetAt } from "../host/calendar.ts";
import { DATE_LIMITS } from "../host/limits.ts";
import { campaign, line, program, quote, receipt, problemsOf } from "./builders.ts";

const DAY = 86_400_000;


describe("civil dates in every year", () => {
  test.each([
    ["0000-01-01"], ["0000-02-29"], ["0000-03-01"], ["0004-02-29"], ["0050-06-15"], ["0099-12-31"], ["0100-01-01"],
    ["1900-02-28"], ["1970-01-01"], ["2000-02-29"], ["2100-02-28"], ["9999-12-31"],
  ])("daysFromCivil(%s) is the epoch day Date.parse gives", (d) => {
    const [y, m, dd] = d.split("-").map(Number) as [number, number, number];
    expect(daysFromCivil(y, m, dd)).toBe(Date.parse(`${d}T00:00:00Z`) / DAY);
  });
  test("leap years: 0000 and 2000 are, 1900 and 2100 are not", () => {
    expect(isCalendarDate(0, 2, 29)).toBe(true);
    expect(isCalendarDate(2000, 2, 29)).toBe(true);
    expect(isCalendarDate(1900, 2, 29)).toBe(false);
    expect(isCalendarDate(2100, 2, 29)).toBe(false);
    expect(isCalendarDate(90, 2, 29)).toBe(false);
    expect(isCalendarDate(92, 2, 29)).toBe(true);
  });
  test("a time zone's offset in years 0–99 is its local mean time, not 19xx's", () => {
    for (const at of ["0050-06-01T00:00:00Z", "0001-01-01T12:00:00Z", "0000-06-01T00:00:00Z", "0099-12-31T12:00:00Z", "2026-03-29T12:00:00Z"]) {
      const offset = offsetAt("Europe/Moscow", Date.parse(at));
      expect(Math.abs(offset)).toBeLessThan(4 * 3_600_000);
      const local = localTime("Europe/Moscow", Date.parse(at));
      expect(local.year).toBe(Number(at.slice(0, 4)));
    }
  });
  test("a birthday in year 0090 or on 29 February 0000 falls on its day of the current year", () => {
    expect(birthdayDays("0090-05-17", 2026)).toEqual([daysFromCivil(2025, 5, 17), daysFromCivil(2026, 5, 17), daysFromCivil(2027, 5, 17)]);
    expect(birthdayDays("0000-02-29", 2028)).toEqual([daysFromCivil(2027, 2, 28), daysFromCivil(2028, 2, 29), daysFromCivil(2029, 2, 28)]);
    expect(birthdayDays("2000-02-29", 50)).toEqual([daysFromCivil(49, 2, 28), daysFromCivil(50, 2, 28), daysFromCivil(51, 2, 28)]);
  });
  test("isBirthdayInRange: 1900-01-01 … today at UTC+14", () => {
    const now = Date.parse("2026-11-23T12:00:00Z");
    expect(isBirthdayInRange(DATE_LIMITS.birthdayFrom, now)).toBe(true);
    expect(isBirthdayInRange("1899-12-31", now)).toBe(false);
    expect(isBirthdayInRange("0090-05-17", now)).toBe(false);
    expect(isBirthdayInRange("2026-11-24", now)).toBe(true); // already 24 November at UTC+14
    expect(isBirthdayInRange("2026-11-25", now)).toBe(false);
    expect(isBirthdayInRange("2026-02-29", now)).toBe(false);
    expect(isBirthdayInRange("9999-12-31", now)).toBe(false);
    expect(isBirthdayInRange(null, now)).toBe(false);
  });
});

describe("the engine with dates at the edges", () => {
  test("a snapshot birthday in year 0090 is a real date: the birthday campaign applies around 17 May", () => {
    const p = program({ campaigns: [campaign({ when: { birthday: { daysBefore: 1, daysAfter: 1 } } })] });
    const at = "2026-05-17T12:00:00+03:00";
    expect(quote(p, receipt({ at }), { birthday: "0090-05-17" }).discount).toBeGreaterThan(0);
    expect(quote(p, receipt({ at: "2026-02-28T12:00:00+03:00" }), { birthday: "0000-02-29" }).discount).toBeGreaterThan(0);
    expect(quote(p, receipt({ at: "2026-06-17T12:00:00+03:00" }), { birthday: "0090-05-17" }).discount).toBe(0);
  });
  test.each([
    "0000-01-01T00:00:00Z", "0050-03-01T10:00:00Z", "0099-12-31T23:59:59+03:00", "1999-12-31T23:59:59.999Z",
    "2000-01-01T02:59:59+03:00", "2100-01-01T00:00:00Z", "2099-12-31T23:00:00-01:00", "9999-12-31T23:59:59Z",
  ])("at %s is outside 2000-01-01 … 2100-01-01: a problem naming at", (at) => {
    expect(problemsOf(() => quote(program(), receipt({ at }))).map((p) => p.path)).toEqual(["at"]);
  });
  test.each(["2000-01-01T00:00:00Z", "2000-01-01T03:00:00+03:00", "2099-12-31T23:59:59.999999999Z", "2024-02-29T23:59:59+14:00"])(
    "at %s is inside", (at) => {
      expect(quote(program(), receipt({ at, lines: [line({ price: 100 })] })).subtotal).toBe(100);
    });
});
