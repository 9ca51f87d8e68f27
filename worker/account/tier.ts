/**
 * The customer's tier as an event (docs/events.md "Scheduled events"): the account keeps the last tier it knew
 * (`schedule.tier`), evaluates it again wherever spend may have moved — in the transaction of a confirmation,
 * cancellation or return, and in the scheduled work when a rolling window (`tiers.windowDays`) lets purchases go —
 * and emits `tier.changed` on a difference. Under the program of the scheduled work (schedule.ts).
 */
import { emit } from "../lib/outbox.ts";
import { selectStats, sumSpendSince } from "./account-sql.ts";
import { DAY } from "./ledger.ts";
import type { ScheduleProgram } from "./schedule.ts";
import { selectSchedule, selectSpendSteps, storeTier } from "./schedule-sql.ts";

type Tiers = NonNullable<ScheduleProgram["tiers"]>;

/** The highest level whose `from` ≤ spend (docs/program.md "tiers"), as its index; −1 for none. */
function levelOf(tiers: Tiers, spend: number): number {
  let level = -1;
  tiers.levels.forEach((l, i) => {
    if (l.from <= spend) level = i;
  });
  return level;
}

function spendAt(sql: SqlStorage, tiers: Tiers, now: number): number {
  return tiers.windowDays === null ? selectStats(sql).spend : sumSpendSince(sql, now - tiers.windowDays * DAY);
}

/**
 * Evaluates the customer's tier at `now` and emits `tier.changed` when it differs from the last one known — call it
 * inside the transaction of the change that moved spend (a confirmation, a cancellation, a return) and in the
 * scheduled work (the window moving on). The first evaluation compares with the program's base tier (what a
 * customer with no spend has), so a new customer gets no event until spend moves them.
 */
export function retier(sql: SqlStorage, now: number): void {
  const schedule = selectSchedule(sql);
  const tiers = schedule.program?.tiers;
  if (!tiers) return;
  const level = levelOf(tiers, spendAt(sql, tiers, now));
  const to = level < 0 ? null : tiers.levels[level]!.id;
  const from = schedule.tierKnown ? schedule.tier : levelOf(tiers, 0) < 0 ? null : tiers.levels[levelOf(tiers, 0)]!.id;
  if (schedule.tierKnown && from === to) return;
  storeTier(sql, to);
  if (from === to) return;
  const fromLevel = from === null ? -1 : tiers.levels.findIndex((l) => l.id === from);
  emit(sql, "tier.changed", { from, to, direction: level > fromLevel ? "up" : "down" }, now);
}

/** The instant the rolling window next changes the tier (purchases leaving it), now when it already differs, or null. */
export function nextTierChange(sql: SqlStorage, now: number): number | null {
  const schedule = selectSchedule(sql);
  const tiers = schedule.program?.tiers;
  if (!tiers) return null;
  let spend = spendAt(sql, tiers, now);
  const level = levelOf(tiers, spend);
  const current = level < 0 ? null : tiers.levels[level]!.id;
  // Not evaluated yet (a program just read), or evaluated under other levels: due now.
  if (!schedule.tierKnown || schedule.tier !== current) return now;
  if (tiers.windowDays === null) return null;
  const window = tiers.windowDays * DAY;
  for (const step of selectSpendSteps(sql, now - window)) {
    spend -= step.amount;
    if (levelOf(tiers, spend) !== level) return step.at + window;
  }
  return null;
}
