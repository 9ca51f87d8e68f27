/**
 * The CustomerAccount's SQLite layer: the schema as one constant, numbered migrations (MIGRATIONS)
 * and one named, typed function per statement. Nothing here knows business rules; ledger.ts and orders.ts do.
 * Times are epoch milliseconds; money is integer minor units; points are integers.
 */
import { OUTBOX_SCHEMA } from "../lib/outbox.ts";

/** Version 1 of the schema. Every later change is a new entry in MIGRATIONS, never an edit of this text. */
export const SCHEMA_V1 = `
CREATE TABLE profile (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  customerId TEXT, name TEXT, phone TEXT, email TEXT, birthday TEXT, referralCode TEXT,
  createdAt INTEGER NOT NULL, updatedAt INTEGER NOT NULL,
  registeredAt INTEGER                   -- set by upsertProfile: a member of the program
);
-- A lot: points issued together, spent and expired together. remaining >= 0 always.
CREATE TABLE lots (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  source TEXT NOT NULL,                  -- order | adjust | bonus | refund | carry
  orderId TEXT,
  points INTEGER NOT NULL,               -- issued
  remaining INTEGER NOT NULL CHECK (remaining >= 0),
  pendingUntil INTEGER NOT NULL,         -- spendable from this instant
  expiresAt INTEGER,                     -- NULL = never
  createdAt INTEGER NOT NULL,
  availableNoted INTEGER NOT NULL DEFAULT 0,  -- the 'available' entry was written
  expiredAt INTEGER                      -- the expiry was processed
);
CREATE INDEX lots_by_expiry ON lots (expiresAt, id);
-- The append-only ledger, one row per business event. points = signed change of Σ lots.remaining − debt,
-- except for the informational types (see INFO_TYPES) whose points are shown but not counted.
CREATE TABLE entries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  type TEXT NOT NULL,
  points INTEGER NOT NULL,
  orderId TEXT, returnId TEXT, lotId INTEGER,
  amount INTEGER, pointsSpent INTEGER, pointsEarned INTEGER,
  expiresAt INTEGER, reason TEXT, store TEXT
);
CREATE INDEX entries_newest ON entries (at DESC, id DESC);
CREATE TABLE orders (
  orderId TEXT PRIMARY KEY,
  status TEXT NOT NULL,                  -- pending | confirmed | cancelled | lapsed
  requestHash TEXT NOT NULL,
  receipt TEXT NOT NULL,                 -- JSON, as evaluated (with at)
  evaluation TEXT NOT NULL,              -- JSON, with programVersion and quoteId
  programVersion INTEGER NOT NULL,
  pendingDays INTEGER NOT NULL,
  expiryDays INTEGER,
  holdPoints INTEGER NOT NULL,
  holdExpiresAt INTEGER NOT NULL,
  book TEXT NOT NULL,                    -- JSON OrderBook: per line qty, earned, spent, paid; bonus
  limitedCampaigns TEXT NOT NULL,        -- JSON [{campaignId, discount}]
  lotId INTEGER,                         -- the lot of the earned points
  store TEXT,
  placedAt INTEGER NOT NULL,
  confirmedAt INTEGER, cancelledAt INTEGER, lapsedAt INTEGER
);
CREATE INDEX orders_holds ON orders (status, holdExpiresAt);
CREATE TABLE order_spends (
  orderId TEXT NOT NULL, lotId INTEGER NOT NULL,
  points INTEGER NOT NULL, givenBack INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (orderId, lotId)
);
CREATE TABLE returns (
  returnId TEXT PRIMARY KEY,
  orderId TEXT NOT NULL,
  lines TEXT NOT NULL,                   -- JSON [{id, qty, pointsTakenBack, pointsGivenBack, amount}]
  pointsTakenBack INTEGER NOT NULL, pointsGivenBack INTEGER NOT NULL, amount INTEGER NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX returns_by_order ON returns (orderId);
CREATE TABLE stats (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  spend INTEGER NOT NULL, orders INTEGER NOT NULL,
  debt INTEGER NOT NULL CHECK (debt >= 0)  -- points owed after taking back points already spent
);
INSERT INTO stats (id, spend, orders, debt) VALUES (1, 0, 0, 0);
-- Qualifying spend by the instant of the order's confirmation (reversals too), for rolling tier windows.
CREATE TABLE spend_log (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, amount INTEGER NOT NULL, orderId TEXT);
CREATE INDEX spend_log_at ON spend_log (at);
CREATE TABLE bought (kind TEXT NOT NULL, value TEXT NOT NULL, orders INTEGER NOT NULL, lastAt INTEGER NOT NULL, PRIMARY KEY (kind, value));
CREATE TABLE campaign_uses (campaignId TEXT PRIMARY KEY, uses INTEGER NOT NULL);
CREATE TABLE idempotency (key TEXT PRIMARY KEY, requestHash TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL, at INTEGER NOT NULL);
`;

/**
 * Migration n (index n − 1) brings the schema from version n − 1 to n; applied by worker/lib/sql.ts `migrate` (a
 * `schema_version` row: Durable Object SQLite refuses `PRAGMA user_version`).
 */
/** Version 2: the latest instant the account has processed (time never runs backwards inside it). */
export const SCHEMA_V2 = `
CREATE TABLE clock (id INTEGER PRIMARY KEY CHECK (id = 1), reached INTEGER NOT NULL);
`;

/**
 * Version 3: reward coupons (coupons.ts), the coupons each order used, and the years whose birthday bonus was
 * granted (events.ts). Statements on them are in coupon-sql.ts. Lots gain the source `reward_refund` (the cost
 * of a coupon that expired unused).
 */
export const SCHEMA_V3 = `
CREATE TABLE coupons (
  code TEXT PRIMARY KEY,                 -- K-XXXX-XXXX-XXXX, upper case
  rewardId TEXT NOT NULL, rewardName TEXT NOT NULL,
  cost INTEGER NOT NULL,                 -- points paid for it (given back if it expires unused)
  issuedAt INTEGER NOT NULL, expiresAt INTEGER NOT NULL,
  state TEXT NOT NULL,                   -- active | held | used | expired
  orderId TEXT,                          -- the order holding (held) or having used (used) it
  refundExpiryDays INTEGER,              -- expiry of the points given back (points.expiryDays at issue); NULL = never
  expiredAt INTEGER
);
CREATE INDEX coupons_due ON coupons (state, expiresAt);
CREATE INDEX coupons_newest ON coupons (issuedAt);
CREATE TABLE order_coupons (orderId TEXT NOT NULL, code TEXT NOT NULL, PRIMARY KEY (orderId, code));
CREATE TABLE birthday_bonuses (year INTEGER PRIMARY KEY, eventId TEXT NOT NULL, at INTEGER NOT NULL);
`;

/**
 * Version 4: bought skus and categories in the order the snapshot lists them (most recent first), so reading them
 * — on every quote and order — walks an index instead of sorting the whole list.
 */
export const SCHEMA_V4 = `
CREATE INDEX bought_recent ON bought (kind, lastAt DESC, value);
`;

/**
 * Version 5: the event outbox (worker/lib/outbox.ts): every change writes its events in its own transaction, and
 * the account relays them to the EVENTS queue after the commit.
 */
export const SCHEMA_V5 = OUTBOX_SCHEMA;

/**
 * Version 6: scheduled work (schedule.ts). `schedule` holds the shop's current program as the alarm needs it
 * (timezone, reminders, the birthday rule, tiers; read from the Shop) and the customer's last known tier;
 * `reminders` the reminders sent, so each is sent once (kind points: target the local expiry date; coupon: the
 * code; birthday: the year).
 */
export const SCHEMA_V6 = `
CREATE TABLE schedule (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  programVersion INTEGER, program TEXT,  -- JSON ScheduleProgram
  tier TEXT, tierKnown INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE reminders (
  kind TEXT NOT NULL, target TEXT NOT NULL, daysBefore INTEGER NOT NULL, at INTEGER NOT NULL,
  PRIMARY KEY (kind, target, daysBefore)
);
`;

export const MIGRATIONS: readonly string[] = [SCHEMA_V1, SCHEMA_V2, SCHEMA_V3, SCHEMA_V4, SCHEMA_V5, SCHEMA_V6];

/** The latest instant processed (0 before the first call). */
export function clockReached(sql: SqlStorage): number {
  return sql.exec<{ reached: number }>("SELECT reached FROM clock WHERE id = 1").toArray()[0]?.reached ?? 0;
}

export function recordClock(sql: SqlStorage, now: number): void {
  sql.exec("INSERT INTO clock (id, reached) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET reached = MAX(reached, excluded.reached)", now);
}

/** A row type as SqlStorage.exec wants it. */
export type Row<T> = T & Record<string, SqlStorageValue>;

// ---- lots ---------------------------------------------------------------------------------------------------

export interface LotRow {
  id: number;
  source: string;
  orderId: string | null;
  points: number;
  remaining: number;
  pendingUntil: number;
  expiresAt: number | null;
  createdAt: number;
  availableNoted: number;
  expiredAt: number | null;
}

export function insertLot(
  sql: SqlStorage,
  lot: { source: string; orderId: string | null; points: number; pendingUntil: number; expiresAt: number | null; createdAt: number },
): number {
  const noted = lot.pendingUntil <= lot.createdAt ? 1 : 0;
  return sql
    .exec<{ id: number }>(
      `INSERT INTO lots (source, orderId, points, remaining, pendingUntil, expiresAt, createdAt, availableNoted)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      lot.source, lot.orderId, lot.points, lot.points, lot.pendingUntil, lot.expiresAt, lot.createdAt, noted,
    )
    .one().id;
}

export function selectLot(sql: SqlStorage, id: number): LotRow | undefined {
  return sql.exec<Row<LotRow>>("SELECT * FROM lots WHERE id = ?", id).toArray()[0];
}

/** Spendable lots at `now`, in spending order: soonest expiry first (never-expiring last), then oldest. */
/**
 * The lots available at `now` in the order points are taken from them — soonest-expiring first, never-expiring
 * last, ties by id — but only as many as it takes to hold `upTo` points: a customer with a lot per order has
 * thousands, and each spend needs the first few.
 */
export function selectAvailableLots(sql: SqlStorage, now: number, upTo: number): LotRow[] {
  return sql
    .exec<Row<LotRow>>(
      `SELECT id, source, orderId, points, remaining, pendingUntil, expiresAt, createdAt, availableNoted, expiredAt FROM (
         SELECT *, SUM(remaining) OVER (ORDER BY expiresAt IS NULL, expiresAt, id ROWS UNBOUNDED PRECEDING) AS cumulative
         FROM lots WHERE remaining > 0 AND pendingUntil <= ?1 AND (expiresAt IS NULL OR expiresAt > ?1)
       ) WHERE cumulative - remaining < ?2
       ORDER BY expiresAt IS NULL, expiresAt, id`,
      now, upTo,
    )
    .toArray();
}

/** Σ remaining of the lots available at `at`, leaving one lot out. */
export function sumAvailableExcept(sql: SqlStorage, at: number, lotId: number): number {
  return sql
    .exec<{ s: number }>(
      `SELECT COALESCE(SUM(remaining), 0) AS s FROM lots
       WHERE id != ?2 AND remaining > 0 AND pendingUntil <= ?1 AND (expiresAt IS NULL OR expiresAt > ?1)`,
      at, lotId,
    )
    .one().s;
}

export function updateLotRemaining(sql: SqlStorage, id: number, remaining: number): void {
  sql.exec("UPDATE lots SET remaining = ? WHERE id = ?", remaining, id);
}

export function sumLots(sql: SqlStorage, now: number): { available: number; pending: number; all: number } {
  return sql
    .exec<{ available: number; pending: number; all: number }>(
      `SELECT
         COALESCE(SUM(CASE WHEN pendingUntil <= ?1 AND (expiresAt IS NULL OR expiresAt > ?1) THEN remaining END), 0) AS available,
         COALESCE(SUM(CASE WHEN pendingUntil > ?1 THEN remaining END), 0) AS pending,
         COALESCE(SUM(remaining), 0) AS "all"
       FROM lots WHERE remaining > 0`,
      now,
    )
    .one();
}

/** The next lot event strictly after nothing was left undone: an unnoted availability or an unprocessed expiry ≤ now. */
export function selectDueLotEvent(sql: SqlStorage, now: number): { kind: "available" | "expire"; at: number; id: number } | undefined {
  return sql
    .exec<{ kind: "available" | "expire"; at: number; id: number }>(
      `SELECT kind, at, id FROM (
         SELECT 'available' AS kind, pendingUntil AS at, id, 0 AS rank FROM lots WHERE availableNoted = 0 AND pendingUntil <= ?1
         UNION ALL
         SELECT 'expire' AS kind, expiresAt AS at, id, 1 AS rank FROM lots WHERE expiredAt IS NULL AND expiresAt <= ?1
       ) ORDER BY at, rank, id LIMIT 1`,
      now,
    )
    .toArray()[0];
}

export function markLotAvailableNoted(sql: SqlStorage, id: number): void {
  sql.exec("UPDATE lots SET availableNoted = 1 WHERE id = ?", id);
}

export function markLotExpired(sql: SqlStorage, id: number, at: number): void {
  sql.exec("UPDATE lots SET remaining = 0, expiredAt = ? WHERE id = ?", at, id);
}

/** Upcoming expiries of points still in lots, grouped by instant. */
export function selectExpiring(sql: SqlStorage, now: number, until: number, limit: number): { points: number; at: number }[] {
  return sql
    .exec<{ points: number; at: number }>(
      `SELECT SUM(remaining) AS points, expiresAt AS at FROM lots
       WHERE remaining > 0 AND expiresAt > ? AND expiresAt <= ? GROUP BY expiresAt ORDER BY expiresAt LIMIT ?`,
      now, until, limit,
    )
    .toArray();
}

/**
 * In one statement: `alarm`, the earliest instant the alarm must wake the account for (a hold ending, a lot
 * turning available, points expiring, an active coupon expiring — ledger.ts `nextDue`), and `work`, the earliest
 * instant `advance()` has anything at all to do, which adds the expiry of lots already spent to zero and coupons
 * a lapsed hold still has to let go of. Before `work`, `advance()` would change nothing.
 */
export function selectDueTimes(sql: SqlStorage): { alarm: number | null; work: number | null } {
  const t = sql
    .exec<{ hold: number | null; available: number | null; expiry: number | null; coupon: number | null; spent: number | null; release: number | null }>(
      `SELECT
         (SELECT MIN(holdExpiresAt) FROM orders WHERE status = 'pending') AS hold,
         (SELECT MIN(pendingUntil) FROM lots WHERE availableNoted = 0) AS available,
         (SELECT MIN(expiresAt) FROM lots WHERE expiredAt IS NULL AND remaining > 0 AND expiresAt IS NOT NULL) AS expiry,
         (SELECT MIN(expiresAt) FROM coupons WHERE state = 'active') AS coupon,
         (SELECT MIN(expiresAt) FROM lots WHERE expiredAt IS NULL AND expiresAt IS NOT NULL) AS spent,
         (SELECT MIN(COALESCE(o.lapsedAt, 0)) FROM coupons c JOIN orders o ON o.orderId = c.orderId WHERE c.state = 'held' AND o.status = 'lapsed') AS release`,
    )
    .one();
  const min = (...times: (number | null)[]) => {
    const known = times.filter((x): x is number => x !== null);
    return known.length ? Math.min(...known) : null;
  };
  const alarm = min(t.hold, t.available, t.expiry, t.coupon);
  return { alarm, work: min(alarm, t.spent, t.release) };
}

/** What the engine's customer snapshot is made of (views.ts `snapshotOf`), as one row. */
export interface SnapshotRow {
  member: number | null;
  birthday: string | null;
  /** JSON object: campaign id → this customer's confirmed uses (> 0). */
  uses: string | null;
  /** JSON array: the campaign ids of every pending order whose hold is in force (one per order and campaign). */
  heldCampaigns: string;
  /** Σ remaining of lots available at `now`. */
  lotsAvailable: number;
  /** Σ points held by pending orders at `now`. */
  held: number;
  debt: number;
  orders: number;
  /** Lifetime qualifying spend, or the spend logged after `spendAfter` when one is given. */
  spend: number;
  /**
   * JSON arrays: bought skus / categories, most recently bought first — the order of the subquery, which walks the
   * `bought_recent` index (an aggregate's own ORDER BY would sort them again).
   */
  skus: string;
  categories: string;
}

/**
 * The customer snapshot's inputs in one statement instead of one per figure (the profile, campaign uses, the
 * campaigns of holds in force, lots available, points held, stats, windowed spend, bought skus and categories;
 * snapshot.test.ts keeps it equal to those separate queries): every quote and order reads it.
 */
export function selectSnapshot(sql: SqlStorage, now: number, spendAfter: number | null, maxBought: number): SnapshotRow {
  return sql
    .exec<Row<SnapshotRow>>(
      `SELECT
         (SELECT registeredAt IS NOT NULL FROM profile WHERE id = 1) AS member,
         (SELECT birthday FROM profile WHERE id = 1) AS birthday,
         (SELECT json_group_object(campaignId, uses) FROM campaign_uses WHERE uses > 0) AS uses,
         (SELECT json_group_array(c.value ->> 'id') FROM orders AS o, json_each(o.evaluation, '$.campaigns') AS c
           WHERE o.status = 'pending' AND o.holdExpiresAt > ?1) AS heldCampaigns,
         (SELECT COALESCE(SUM(CASE WHEN pendingUntil <= ?1 AND (expiresAt IS NULL OR expiresAt > ?1) THEN remaining END), 0)
           FROM lots WHERE remaining > 0) AS lotsAvailable,
         (SELECT COALESCE(SUM(holdPoints), 0) FROM orders WHERE status = 'pending' AND holdExpiresAt > ?1) AS held,
         s.debt AS debt, s.orders AS orders,
         CASE WHEN ?2 IS NULL THEN s.spend ELSE (SELECT COALESCE(SUM(amount), 0) FROM spend_log WHERE at > ?2) END AS spend,
         (SELECT json_group_array(value)
           FROM (SELECT value FROM bought WHERE kind = 'sku' ORDER BY lastAt DESC, value LIMIT ?3)) AS skus,
         (SELECT json_group_array(value)
           FROM (SELECT value FROM bought WHERE kind = 'category' ORDER BY lastAt DESC, value LIMIT ?3)) AS categories
       FROM stats AS s WHERE s.id = 1`,
      now, spendAfter, maxBought,
    )
    .one();
}

// ---- entries ------------------------------------------------------------------------------------------------

export interface EntryRow {
  id: number;
  at: number;
  type: string;
  points: number;
  orderId: string | null;
  returnId: string | null;
  lotId: number | null;
  amount: number | null;
  pointsSpent: number | null;
  pointsEarned: number | null;
  expiresAt: number | null;
  reason: string | null;
  store: string | null;
}
export type NewEntry = Pick<EntryRow, "at" | "type" | "points"> & Partial<Omit<EntryRow, "id" | "at" | "type" | "points">>;

export function insertEntry(sql: SqlStorage, e: NewEntry): number {
  return sql
    .exec<{ id: number }>(
      `INSERT INTO entries (at, type, points, orderId, returnId, lotId, amount, pointsSpent, pointsEarned, expiresAt, reason, store)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      e.at, e.type, e.points, e.orderId ?? null, e.returnId ?? null, e.lotId ?? null, e.amount ?? null,
      e.pointsSpent ?? null, e.pointsEarned ?? null, e.expiresAt ?? null, e.reason ?? null, e.store ?? null,
    )
    .one().id;
}

/** Newest first; `before` is the (at, id) of the last item of the previous page. */
export function selectEntries(sql: SqlStorage, before: { at: number; id: number } | null, limit: number): EntryRow[] {
  if (!before) return sql.exec<Row<EntryRow>>("SELECT * FROM entries ORDER BY at DESC, id DESC LIMIT ?", limit).toArray();
  return sql
    .exec<Row<EntryRow>>(
      "SELECT * FROM entries WHERE at < ?1 OR (at = ?1 AND id < ?2) ORDER BY at DESC, id DESC LIMIT ?3",
      before.at, before.id, limit,
    )
    .toArray();
}

// ---- stats, spend_log -----------------------------------------------------------------------------------------

export interface StatsRow {
  spend: number;
  orders: number;
  debt: number;
}

export function selectStats(sql: SqlStorage): StatsRow {
  return sql.exec<Row<StatsRow>>("SELECT spend, orders, debt FROM stats WHERE id = 1").one();
}

export function addStats(sql: SqlStorage, delta: Partial<StatsRow>): void {
  sql.exec(
    "UPDATE stats SET spend = spend + ?, orders = orders + ?, debt = debt + ? WHERE id = 1",
    delta.spend ?? 0, delta.orders ?? 0, delta.debt ?? 0,
  );
}

export function insertSpendLog(sql: SqlStorage, at: number, amount: number, orderId: string): void {
  sql.exec("INSERT INTO spend_log (at, amount, orderId) VALUES (?, ?, ?)", at, amount, orderId);
}

export function sumSpendSince(sql: SqlStorage, after: number): number {
  return sql.exec<{ s: number }>("SELECT COALESCE(SUM(amount), 0) AS s FROM spend_log WHERE at > ?", after).one().s;
}

/** The time of the first spend logged after `after`, or null (the `spend_log_at` index). */
export function firstSpendAfter(sql: SqlStorage, after: number): number | null {
  return sql.exec<{ at: number | null }>("SELECT MIN(at) AS at FROM spend_log WHERE at > ?", after).one().at;
}
