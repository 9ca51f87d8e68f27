/**
 * The CampaignCounter object's storage: one row per order that holds (reserved) or used (committed) the
 * campaign, or gave it back (released), and the running total of what reserved + committed rows hold, so that a
 * reservation is O(1) however many orders the campaign has seen.
 */

/** Version 1 of the schema. Later changes are appended to `COUNTER_MIGRATIONS`, never edited in place. */
export const COUNTER_SCHEMA = `
  CREATE TABLE reservations (
    order_id TEXT PRIMARY KEY,
    uses INTEGER NOT NULL,
    budget INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('reserved', 'committed', 'released')),
    expires_at INTEGER NOT NULL,   -- a reservation lapses here unless committed
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX reservations_by_expiry ON reservations (state, expires_at);
  CREATE TABLE taken (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    uses INTEGER NOT NULL,         -- Σ uses of reserved and committed rows
    budget INTEGER NOT NULL        -- Σ budget of reserved and committed rows
  );
  INSERT INTO taken (id, uses, budget) VALUES (1, 0, 0);
`;

/**
 * Version 2: whether a released row was given back by its order (`release`: the order was cancelled, or refused
 * after reserving) rather than lapsing. A commit that records a use for an order holding nothing (a retried
 * confirmation after a crash) records none for an order that gave its use back: a retried confirmation of a
 * cancelled order must not take the use again.
 */
export const COUNTER_GIVEN_BACK_SCHEMA = `
  -- 1: released by release(); 0: reserved, committed, or lapsed (rows from before: unknown, taken as lapsed)
  ALTER TABLE reservations ADD COLUMN given_back INTEGER NOT NULL DEFAULT 0;
`;

export const COUNTER_MIGRATIONS: readonly string[] = [COUNTER_SCHEMA, COUNTER_GIVEN_BACK_SCHEMA];

export type ReservationState = "reserved" | "committed" | "released";

export interface ReservationRow {
  order_id: string;
  uses: number;
  budget: number;
  state: ReservationState;
  expires_at: number;
  given_back: number;
  [column: string]: SqlStorageValue;
}

export function selectTaken(sql: SqlStorage): { uses: number; budget: number } {
  return sql.exec<{ uses: number; budget: number }>("SELECT uses, budget FROM taken WHERE id = 1").one();
}

/** Adds to (or, negative, takes from) what reserved + committed rows hold. */
export function addTaken(sql: SqlStorage, uses: number, budget: number): void {
  sql.exec("UPDATE taken SET uses = uses + ?, budget = budget + ? WHERE id = 1", uses, budget);
}

export function selectReservation(sql: SqlStorage, orderId: string): ReservationRow | undefined {
  return sql
    .exec<ReservationRow>("SELECT order_id, uses, budget, state, expires_at, given_back FROM reservations WHERE order_id = ?", orderId)
    .toArray()[0];
}

export function upsertReservation(sql: SqlStorage, orderId: string, uses: number, budget: number, expiresAt: number, now: number): void {
  sql.exec(
    `INSERT INTO reservations (order_id, uses, budget, state, expires_at, updated_at) VALUES (?, ?, ?, 'reserved', ?, ?)
     ON CONFLICT (order_id) DO UPDATE SET uses = excluded.uses, budget = excluded.budget, state = 'reserved',
       expires_at = excluded.expires_at, updated_at = excluded.updated_at, given_back = 0`,
    orderId,
    uses,
    budget,
    expiresAt,
    now,
  );
}

export function updateReservationState(sql: SqlStorage, orderId: string, state: ReservationState, now: number): void {
  sql.exec("UPDATE reservations SET state = ?, updated_at = ? WHERE order_id = ?", state, now, orderId);
}

/** The order gave back what it held (`release`). */
export function updateReservationGivenBack(sql: SqlStorage, orderId: string, now: number): void {
  sql.exec("UPDATE reservations SET state = 'released', given_back = 1, updated_at = ? WHERE order_id = ?", now, orderId);
}

/** Reservations that lapsed at `now` (expires_at ≤ now), in expiry order. */
export function selectLapsed(sql: SqlStorage, now: number, limit = 1000): ReservationRow[] {
  return sql
    .exec<ReservationRow>(
      "SELECT order_id, uses, budget, state, expires_at, given_back FROM reservations WHERE state = 'reserved' AND expires_at <= ? ORDER BY expires_at LIMIT ?",
      now,
      limit,
    )
    .toArray();
}

/** When the next reservation lapses, if any is held. */
export function selectNextExpiry(sql: SqlStorage): number | undefined {
  return sql.exec<{ at: number | null }>("SELECT MIN(expires_at) AS at FROM reservations WHERE state = 'reserved'").one().at ?? undefined;
}
