import { describe, expect, it } from "vitest";
import type { CustomerAccount } from "./account.ts";
import { birthdayOccurrence } from "./events.ts";
import type { EventInput, EventProgram } from "./types.ts";
import { account, DAY, err, expectInvariants, HOUR, ok, T0 } from "./test-helpers.ts";

const BONUSES = { review: 50, rating: 10, survey: 100, birthday: { points: 500, daysBefore: 3, daysAfter: 7 } };
const PROGRAM: EventProgram = { timezone: "Europe/Moscow", status: "active", bonuses: BONUSES, points: { value: 100, expiryDays: 365, pendingDays: 0 } };
const event = (id: string, type: EventInput["type"], extra: Partial<EventInput> = {}): EventInput => ({ id, type, program: PROGRAM, ...extra });
const iso = (ms: number) => new Date(ms).toISOString();
/** An instant given as Moscow local time (UTC+3 all year). */
const moscow = (local: string) => Date.parse(`${local}+03:00`);

async function customer(birthday: string | null = null): Promise<DurableObjectStub<CustomerAccount>> {
  const stub = account();
  ok(await stub.upsertProfile({ customerId: "c1", birthday }, T0 - DAY));
  return stub;
}

describe("review, rating, survey, custom", () => {
  it("grant the program's points (or the custom points) with a bonus history entry, expiring per points.expiryDays", async () => {
    const stub = await customer();
    expect(ok(await stub.recordEvent(event("e1", "review"), T0))).toEqual({ id: "e1", type: "review", points: 50, reason: "review", at: iso(T0), balance: 50 });
    expect(ok(await stub.recordEvent(event("e2", "rating"), T0)).balance).toBe(60);
    expect(ok(await stub.recordEvent(event("e3", "survey"), T0)).balance).toBe(160);
    expect(ok(await stub.recordEvent(event("e4", "custom", { points: 40, reason: "Photo contest" }), T0)))
      .toEqual({ id: "e4", type: "custom", points: 40, reason: "Photo contest", at: iso(T0), balance: 200 });
    expect(ok(await stub.recordEvent(event("e5", "custom", { points: 1 }), T0)).reason).toBe("custom");
    const items = ok(await stub.history({}, T0)).items.map((i) => [i.type, i.points, i.reason, i.expiresAt]);
    expect(items).toEqual([
      ["bonus", 1, "custom", iso(T0 + 365 * DAY)],
      ["bonus", 40, "Photo contest", iso(T0 + 365 * DAY)],
      ["bonus", 100, "survey", iso(T0 + 365 * DAY)],
      ["bonus", 10, "rating", iso(T0 + 365 * DAY)],
      ["bonus", 50, "review", iso(T0 + 365 * DAY)],
    ]);
    const l = await expectInvariants(stub, T0);
    expect(l.adjusted).toBe(201);
  });

  it("are idempotent by id: the same body answers the first answer (even after the program changed); another body is 409", async () => {
    const stub = await customer();
    const first = ok(await stub.recordEvent(event("e1", "review"), T0));
    const retry = ok(await stub.recordEvent(event("e1", "review", { program: { ...PROGRAM, bonuses: { review: 0 } } }), T0 + HOUR));
    expect(retry).toEqual(first);
    expect(err(await stub.recordEvent(event("e1", "rating"), T0 + HOUR))).toMatchObject({ code: "idempotency_conflict" });
    expect(err(await stub.recordEvent(event("e1", "custom", { points: 50 }), T0 + HOUR))).toMatchObject({ code: "idempotency_conflict" });
    expect(ok(await stub.getAccount(T0 + HOUR)).balance).toBe(50);
    // Event ids have their own namespace: an adjustment or the welcome bonus with the same id is another thing.
    ok(await stub.adjust({ id: "e1", points: 7 }, T0 + HOUR));
    ok(await stub.grantBonus({ id: "e1", points: 3 }, T0 + HOUR));
    expect(ok(await stub.getAccount(T0 + HOUR)).balance).toBe(60);
  });

  it("a type the program grants nothing for (0, absent, no program, paused) is 422 invalid_state naming type; nothing changes", async () => {
    const stub = await customer("1990-01-16");
    const refusals: [EventInput, string][] = [
      [event("e1", "review", { program: { ...PROGRAM, bonuses: { rating: 10 } } }), "type"],
      [event("e2", "survey", { program: { ...PROGRAM, bonuses: { survey: 0 } } }), "type"],
      [event("e3", "birthday", { program: { ...PROGRAM, bonuses: { birthday: null } } }), "type"],
      [event("e4", "birthday", { program: { ...PROGRAM, bonuses: { birthday: { points: 0, daysBefore: 3, daysAfter: 3 } } } }), "type"],
      [event("e5", "rating", { program: null }), "type"],
      [event("e6", "rating", { program: { ...PROGRAM, status: "paused" } }), "type"],
    ];
    for (const [input, path] of refusals) {
      expect(err(await stub.recordEvent(input, T0)), input.id).toMatchObject({ code: "invalid_state", path });
    }
    // A custom grant needs no program (its points then never expire).
    expect(ok(await stub.recordEvent(event("e7", "custom", { points: 5, program: null }), T0)).balance).toBe(5);
    expect(ok(await stub.history({ limit: 1 }, T0)).items[0]).toMatchObject({ points: 5, expiresAt: null });
    // A refused id is not remembered: once the program grants it, the same id succeeds.
    expect(ok(await stub.recordEvent(event("e1", "review"), T0)).points).toBe(50);
  });

  it("custom needs a positive integer in points; the program's types refuse points and reason: 400 naming the field", async () => {
    const stub = await customer();
    for (const points of [undefined, 0, -5, 1.5, Number.NaN, 1e16]) {
      expect(err(await stub.recordEvent(event("c", "custom", { points }), T0)), String(points)).toMatchObject({ code: "invalid_request", path: "points" });
    }
    expect(err(await stub.recordEvent(event("r", "review", { points: 50 }), T0))).toMatchObject({ code: "invalid_request", path: "points" });
    expect(err(await stub.recordEvent(event("r", "review", { reason: "great" }), T0))).toMatchObject({ code: "invalid_request", path: "reason" });
    expect(err(await stub.recordEvent(event("x", "party" as EventInput["type"]), T0))).toMatchObject({ code: "invalid_request", path: "type" });
    expect(ok(await stub.getAccount(T0)).balance).toBe(0);
  });
});

describe("birthday", () => {
  // Window: 3 days before to 7 days after, in the program's timezone (Moscow).
  it("is granted inside the window around this year's birthday, by the local date in the program's timezone", async () => {
    const stub = await customer("1990-05-17");
    // 14 May 00:30 in Moscow is 13 May 21:30 UTC: already inside.
    const view = ok(await stub.recordEvent(event("b1", "birthday"), moscow("2030-05-14T00:30:00")));
    expect(view).toEqual({ id: "b1", type: "birthday", points: 500, reason: "birthday", at: iso(moscow("2030-05-14T00:30:00")), balance: 500 });
    expect(ok(await stub.history({ limit: 1 }, moscow("2030-05-14T00:30:00"))).items[0]).toMatchObject({ type: "bonus", points: 500, reason: "birthday" });
  });

  it("outside the window is 422 invalid_state naming birthday — one minute before its first local day, one after its last", async () => {
    const stub = await customer("1990-05-17");
    // Time only moves forward inside an account: the instants go in order.
    expect(err(await stub.recordEvent(event("b1", "birthday"), moscow("2030-05-13T23:59:00")))).toMatchObject({ code: "invalid_state", path: "birthday" });
    expect(ok(await stub.recordEvent(event("b1", "birthday"), moscow("2030-05-24T23:59:00"))).points).toBe(500);
    for (const local of ["2030-05-25T00:00:00", "2030-11-17T12:00:00"]) {
      expect(err(await stub.recordEvent(event("b2", "birthday"), moscow(local))), local).toMatchObject({ code: "invalid_state", path: "birthday" });
    }
  });

  it("needs a birthday in the profile: 422 invalid_state naming birthday", async () => {
    const stub = await customer(null);
    expect(err(await stub.recordEvent(event("b1", "birthday"), T0))).toMatchObject({ code: "invalid_state", path: "birthday" });
  });

  it("once per calendar year of the birthday: another id that year is 409 conflict; the next year it is granted again", async () => {
    const stub = await customer("1990-05-17");
    const first = ok(await stub.recordEvent(event("b1", "birthday"), moscow("2030-05-15T10:00:00")));
    expect(err(await stub.recordEvent(event("b2", "birthday"), moscow("2030-05-20T10:00:00")))).toMatchObject({ code: "conflict", path: "type" });
    // The same id again is a replay, not a second bonus.
    expect(ok(await stub.recordEvent(event("b1", "birthday"), moscow("2030-05-20T10:00:00")))).toEqual(first);
    // (The 2030 points expired after 365 days, on 15 May 2031.)
    expect(ok(await stub.recordEvent(event("b3", "birthday"), moscow("2031-05-17T10:00:00")))).toMatchObject({ points: 500, balance: 500 });
    await expectInvariants(stub, moscow("2031-05-17T10:00:00"));
  });

  it("a window crossing New Year counts the nearest birthday: December for a January birthday belongs to the next year", async () => {
    const stub = await customer("1990-01-02");
    // 30 Dec 2030 is 3 days before 2 Jan 2031: the 2031 birthday.
    ok(await stub.recordEvent(event("b1", "birthday"), moscow("2030-12-30T12:00:00")));
    expect(err(await stub.recordEvent(event("b2", "birthday"), moscow("2031-01-05T12:00:00")))).toMatchObject({ code: "conflict" });
    // The 2032 birthday's window opens on 30 Dec 2031.
    expect(err(await stub.recordEvent(event("b3", "birthday"), moscow("2031-12-29T12:00:00")))).toMatchObject({ code: "invalid_state" });
    expect(ok(await stub.recordEvent(event("b3", "birthday"), moscow("2031-12-31T12:00:00"))).points).toBe(500);
  });

  it("a window crossing New Year the other way: early January for a late-December birthday belongs to the year before", async () => {
    const stub = await customer("1990-12-30");
    ok(await stub.recordEvent(event("b1", "birthday"), moscow("2030-12-27T12:00:00"))); // 3 days before 30 Dec 2030
    // 7 days after 30 Dec 2030: the 2030 birthday, already granted.
    expect(err(await stub.recordEvent(event("b2", "birthday"), moscow("2031-01-06T12:00:00")))).toMatchObject({ code: "conflict" });
    expect(err(await stub.recordEvent(event("b3", "birthday"), moscow("2031-01-07T12:00:00")))).toMatchObject({ code: "invalid_state" });
    expect(ok(await stub.recordEvent(event("b4", "birthday"), moscow("2031-12-27T12:00:00"))).points).toBe(500);
  });

  it("29 February is celebrated on 28 February in other years", async () => {
    const exact: EventProgram = { ...PROGRAM, bonuses: { birthday: { points: 500, daysBefore: 0, daysAfter: 0 } } };
    const stub = await customer("1992-02-29");
    const at = (local: string) => moscow(`${local}T12:00:00`);
    expect(err(await stub.recordEvent(event("b1", "birthday", { program: exact }), at("2030-02-27")))).toMatchObject({ code: "invalid_state" });
    expect(ok(await stub.recordEvent(event("b1", "birthday", { program: exact }), at("2030-02-28"))).points).toBe(500);
    expect(err(await stub.recordEvent(event("b9", "birthday", { program: exact }), at("2030-03-01")))).toMatchObject({ code: "invalid_state" });
    // 2032 is a leap year: 29 February itself, not the 28th.
    expect(err(await stub.recordEvent(event("b2", "birthday", { program: exact }), at("2032-02-28")))).toMatchObject({ code: "invalid_state" });
    expect(ok(await stub.recordEvent(event("b2", "birthday", { program: exact }), at("2032-02-29"))).points).toBe(500);
  });

  it("birthdayOccurrence: the occurrence and its year, or null", () => {
    const w = { daysBefore: 3, daysAfter: 7 };
    const day = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY;
    expect(birthdayOccurrence("1990-01-02", "Europe/Moscow", moscow("2030-12-30T00:00:00"), w)).toEqual({ year: 2031, day: day("2031-01-02") });
    expect(birthdayOccurrence("1990-12-30", "Europe/Moscow", moscow("2031-01-06T23:59:00"), w)).toEqual({ year: 2030, day: day("2030-12-30") });
    expect(birthdayOccurrence("1990-06-15", "Europe/Moscow", moscow("2030-01-06T23:59:00"), w)).toBeNull();
    // Asia/Tokyo is 6 hours ahead of Moscow: at 20:00 in Moscow it is already the next day there.
    expect(birthdayOccurrence("1990-05-17", "Asia/Tokyo", moscow("2030-05-13T20:00:00"), w)).toEqual({ year: 2030, day: day("2030-05-17") });
    expect(birthdayOccurrence("1990-05-17", "Europe/Moscow", moscow("2030-05-13T20:00:00"), w)).toBeNull();
  });
});
