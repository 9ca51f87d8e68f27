/**
 * The analytics store's D1 schema and statements (docs/events.md "The analytics store").
 *
 * The daily rollups are written by a trigger on `events`, never by the consumer: an event id that is already there
 * makes `INSERT … ON CONFLICT(id) DO NOTHING` insert nothing, so its trigger does not fire and nothing is counted
 * twice, whatever the queue re-delivers. The insert and its trigger are one statement, hence one transaction.
 */

/** The figures of one shop's day, in the order `GET /v1/stats/daily` lists them. */
export const DAILY_FIGURES = [
  "ordersPlaced", "ordersConfirmed", "ordersCancelled", "ordersReturned", "revenue", "discounts",
  "pointsEarned", "pointsSpent", "pointsExpired", "pointsAdjusted", "pointsTakenBack", "pointsGivenBack",
  "newCustomers", "verifications", "rewardsRedeemed", "tierUps", "tierDowns", "activeCustomers",
] as const;

export type DailyFigure = (typeof DAILY_FIGURES)[number];

/** The event types whose customer counts as active on the event's day. */
export const ACTIVE_TYPES = ["order.placed", "order.confirmed", "reward.redeemed"] as const;

const data = (field: string) => `json_extract(NEW.body, '$.data.${field}')`;
const when = (type: string, value: string) => `CASE WHEN NEW.type = '${type}' THEN ${value} ELSE 0 END`;

/**
 * What one inserted event adds to its day (activeCustomers is added by the second trigger). Every money figure is
 * integer minor units and every points figure an integer, as the events carry them (json_extract keeps integers).
 */
const ADDS: Record<Exclude<DailyFigure, "activeCustomers">, string> = {
  ordersPlaced: when("order.placed", "1"),
  ordersConfirmed: when("order.confirmed", "1"),
  ordersCancelled: when("order.cancelled", "1"),
  ordersReturned: when("order.returned", "1"),
  // Confirmed orders' paid amounts, less what cancellations of confirmed orders and returns reversed (the amount of
  // a cancellation of a pending order is 0; a confirmed one's is what its returns had not reversed yet).
  revenue: `CASE NEW.type WHEN 'order.confirmed' THEN ${data("amount")} WHEN 'order.cancelled' THEN -${data("amount")} ` +
    `WHEN 'order.returned' THEN -${data("amount")} ELSE 0 END`,
  discounts: when("order.confirmed", data("discount")),
  pointsEarned: when("points.earned", data("points")),
  pointsSpent: when("points.spent", data("points")),
  pointsExpired: when("points.expired", data("points")),
  pointsAdjusted: when("points.adjusted", data("points")),
  pointsTakenBack: `CASE WHEN NEW.type IN ('order.cancelled', 'order.returned') THEN ${data("pointsTakenBack")} ELSE 0 END`,
  pointsGivenBack: `CASE WHEN NEW.type IN ('order.cancelled', 'order.returned') THEN ${data("pointsGivenBack")} ELSE 0 END`,
  newCustomers: when("customer.created", "1"),
  verifications: when("customer.verified", "1"),
  rewardsRedeemed: when("reward.redeemed", "1"),
  tierUps: `CASE WHEN NEW.type = 'tier.changed' AND ${data("direction")} = 'up' THEN 1 ELSE 0 END`,
  tierDowns: `CASE WHEN NEW.type = 'tier.changed' AND ${data("direction")} = 'down' THEN 1 ELSE 0 END`,
};

const added = Object.keys(ADDS) as (keyof typeof ADDS)[];

export const SCHEMA = [
  // day: the shop's local date (its program's timezone when the event was recorded, else UTC), fixed at insert.
  `CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY,
    shopId TEXT NOT NULL,
    type TEXT NOT NULL,
    customerId TEXT,
    createdAt INTEGER NOT NULL,
    day TEXT NOT NULL,
    body TEXT NOT NULL
  )`,
  "CREATE INDEX IF NOT EXISTS events_by_shop ON events (shopId, createdAt DESC, id DESC)",
  "CREATE INDEX IF NOT EXISTS events_by_type ON events (shopId, type, createdAt DESC, id DESC)",
  "CREATE INDEX IF NOT EXISTS events_by_customer ON events (shopId, customerId, createdAt DESC, id DESC)",
  "CREATE INDEX IF NOT EXISTS events_by_time ON events (createdAt)",
  `CREATE TABLE IF NOT EXISTS daily (
    shopId TEXT NOT NULL,
    day TEXT NOT NULL,
    ${DAILY_FIGURES.map((f) => `${f} INTEGER NOT NULL DEFAULT 0`).join(",\n    ")},
    PRIMARY KEY (shopId, day)
  )`,
  // One row per customer active on a day: activeCustomers counts them exactly, and a range's distinct active
  // customers is a COUNT(DISTINCT) here (a sum of days would count a customer once per day).
  `CREATE TABLE IF NOT EXISTS active_customers (
    shopId TEXT NOT NULL,
    day TEXT NOT NULL,
    customerId TEXT NOT NULL,
    PRIMARY KEY (shopId, day, customerId)
  )`,
  `CREATE TRIGGER IF NOT EXISTS events_roll_up AFTER INSERT ON events BEGIN
    INSERT INTO daily (shopId, day, ${added.join(", ")})
      VALUES (NEW.shopId, NEW.day, ${added.map((f) => ADDS[f]).join(", ")})
      ON CONFLICT (shopId, day) DO UPDATE SET ${added.map((f) => `${f} = ${f} + excluded.${f}`).join(", ")};
    INSERT INTO active_customers (shopId, day, customerId)
      SELECT NEW.shopId, NEW.day, NEW.customerId
      WHERE NEW.customerId IS NOT NULL AND NEW.type IN (${ACTIVE_TYPES.map((t) => `'${t}'`).join(", ")})
      ON CONFLICT DO NOTHING;
  END`,
  `CREATE TRIGGER IF NOT EXISTS active_roll_up AFTER INSERT ON active_customers BEGIN
    UPDATE daily SET activeCustomers = activeCustomers + 1 WHERE shopId = NEW.shopId AND day = NEW.day;
  END`,
];

export interface EventRow {
  id: string;
  shopId: string;
  type: string;
  customerId: string | null;
  createdAt: number;
  day: string;
  body: string;
}

/**
 * Inserts rows given as one JSON array (one bound parameter, so a whole batch is one statement however many events
 * it has: D1 allows 100 parameters per statement and 50 statements per invocation on the Free plan). Ids already
 * there insert nothing, so their trigger does not fire.
 */
export function insertEvents(db: D1Database, rows: EventRow[]): D1PreparedStatement {
  const field = (name: keyof EventRow) => `json_extract(value, '$.${name}')`;
  return db
    .prepare(
      "INSERT INTO events (id, shopId, type, customerId, createdAt, day, body) " +
        `SELECT ${(["id", "shopId", "type", "customerId", "createdAt", "day", "body"] as const).map(field).join(", ")} ` +
        // WHERE true: SQLite's parser needs it before an upsert clause that follows a SELECT.
        "FROM json_each(?) WHERE true ON CONFLICT (id) DO NOTHING",
    )
    .bind(JSON.stringify(rows));
}

/** The day each of these ids was counted on, for those already stored. */
export function selectDaysOf(db: D1Database, ids: string[]): D1PreparedStatement {
  return db.prepare("SELECT id, day FROM events WHERE id IN (SELECT value FROM json_each(?))").bind(JSON.stringify(ids));
}

export function selectEventBody(db: D1Database, shopId: string, id: string, since: number): D1PreparedStatement {
  return db.prepare("SELECT body FROM events WHERE id = ? AND shopId = ? AND createdAt >= ?").bind(id, shopId, since);
}

export interface EventFilter {
  shopId: string;
  since: number;
  types?: readonly string[];
  customerId?: string;
  /** Strictly older than this (createdAt, id). */
  before?: { createdAt: number; id: string };
  limit: number;
}

/** A shop's events, newest first. */
export function selectEvents(db: D1Database, f: EventFilter): D1PreparedStatement {
  const where = ["shopId = ?", "createdAt >= ?"];
  const values: (string | number)[] = [f.shopId, f.since];
  if (f.types && f.types.length > 0) {
    where.push(`type IN (${f.types.map(() => "?").join(", ")})`);
    values.push(...f.types);
  }
  if (f.customerId !== undefined) {
    where.push("customerId = ?");
    values.push(f.customerId);
  }
  if (f.before) {
    where.push("(createdAt < ? OR (createdAt = ? AND id < ?))");
    values.push(f.before.createdAt, f.before.createdAt, f.before.id);
  }
  values.push(f.limit);
  return db.prepare(`SELECT id, createdAt, body FROM events WHERE ${where.join(" AND ")} ORDER BY createdAt DESC, id DESC LIMIT ?`).bind(...values);
}

export type DailyRow = { day: string } & Record<DailyFigure, number>;

export function selectDaily(db: D1Database, shopId: string, from: string, to: string): D1PreparedStatement {
  return db
    .prepare(`SELECT day, ${DAILY_FIGURES.join(", ")} FROM daily WHERE shopId = ? AND day >= ? AND day <= ? ORDER BY day`)
    .bind(shopId, from, to);
}

/** Customers active on at least one day of the range, each once. */
export function selectActiveCustomers(db: D1Database, shopId: string, from: string, to: string): D1PreparedStatement {
  return db
    .prepare("SELECT COUNT(DISTINCT customerId) AS n FROM active_customers WHERE shopId = ? AND day >= ? AND day <= ?")
    .bind(shopId, from, to);
}

/** At most `limit` events older than `before`: D1 bounds a statement's time, so a large purge goes in chunks. */
export function deleteEventsBefore(db: D1Database, before: number, limit: number): D1PreparedStatement {
  return db.prepare("DELETE FROM events WHERE rowid IN (SELECT rowid FROM events WHERE createdAt < ? LIMIT ?)").bind(before, limit);
}
