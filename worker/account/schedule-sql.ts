/**
 * Statements on the scheduled work's tables (schema version 6, account-sql.ts): the program the account's alarm
 * runs under, the customer's last known tier, and the reminders already sent.
 */
import type { Row } from "./account-sql.ts";
import type { ScheduleProgram } from "./schedule.ts";

export interface ScheduleRow {
  programVersion: number | null;
  program: ScheduleProgram | null;
  tier: string | null;
  tierKnown: boolean;
}

export function selectSchedule(sql: SqlStorage): ScheduleRow {
  const row = sql
    .exec<Row<{ programVersion: number | null; program: string | null; tier: string | null; tierKnown: number }>>(
      "SELECT programVersion, program, tier, tierKnown FROM schedule WHERE id = 1",
    )
    .toArray()[0];
  if (!row) return { programVersion: null, program: null, tier: null, tierKnown: false };
  return {
    programVersion: row.programVersion,
    program: row.program === null ? null : (JSON.parse(row.program) as ScheduleProgram),
    tier: row.tier,
    tierKnown: row.tierKnown === 1,
  };
}

export function storeScheduleProgram(sql: SqlStorage, version: number, program: ScheduleProgram): void {
  sql.exec(
    `INSERT INTO schedule (id, programVersion, program, tier, tierKnown) VALUES (1, ?1, ?2, NULL, 0)
     ON CONFLICT (id) DO UPDATE SET programVersion = ?1, program = ?2`,
    version, JSON.stringify(program),
  );
}

/** The customer's tier as last evaluated (the row exists once a program was stored). */
export function storeTier(sql: SqlStorage, tier: string | null): void {
  sql.exec("UPDATE schedule SET tier = ?, tierKnown = 1 WHERE id = 1", tier);
}

/** Marks a reminder sent; false when it already was (kind: points | coupon | birthday). */
export function insertReminder(sql: SqlStorage, kind: string, target: string, daysBefore: number, at: number): boolean {
  return sql
    .exec("INSERT INTO reminders (kind, target, daysBefore, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING kind", kind, target, daysBefore, at)
    .toArray().length === 1;
}

export function reminderSent(sql: SqlStorage, kind: string, target: string, daysBefore: number): boolean {
  return sql.exec("SELECT 1 FROM reminders WHERE kind = ? AND target = ? AND daysBefore = ?", kind, target, daysBefore).toArray().length > 0;
}

/** Lots whose points may still expire, soonest first, expiring in (after, until]; up to `limit` (`lots_by_expiry`). */
export function selectExpiringLots(
  sql: SqlStorage, after: number, until: number, limit: number,
): { points: number; expiresAt: number; createdAt: number }[] {
  return sql
    .exec<Row<{ points: number; expiresAt: number; createdAt: number }>>(
      `SELECT remaining AS points, expiresAt, createdAt FROM lots
       WHERE remaining > 0 AND expiredAt IS NULL AND expiresAt > ? AND expiresAt <= ?
       ORDER BY expiresAt, id LIMIT ?`,
      after, until, limit,
    )
    .toArray();
}

/** Active coupons (not held, used or expired), soonest-expiring first. */
export function selectActiveCoupons(sql: SqlStorage): { code: string; rewardId: string; rewardName: string; issuedAt: number; expiresAt: number }[] {
  return sql
    .exec<Row<{ code: string; rewardId: string; rewardName: string; issuedAt: number; expiresAt: number }>>(
      "SELECT code, rewardId, rewardName, issuedAt, expiresAt FROM coupons WHERE state = 'active' ORDER BY expiresAt, code",
    )
    .toArray();
}

/** Qualifying spend logged after `after`, summed per instant, oldest first. */
export function selectSpendSteps(sql: SqlStorage, after: number): { at: number; amount: number }[] {
  return sql
    .exec<Row<{ at: number; amount: number }>>(
      "SELECT at, SUM(amount) AS amount FROM spend_log WHERE at > ? GROUP BY at ORDER BY at",
      after,
    )
    .toArray();
}
