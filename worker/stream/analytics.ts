/**
 * The analytics store (docs/events.md "The analytics store"). D1 (`ANALYTICS`) keeps every event of the last 30
 * days, by shop, for `GET /v1/events` and re-delivery; R2 (`EVENT_ARCHIVE`) keeps every event raw, for replay.
 *
 * TO BUILD (the rest of this module): recording a batch exactly once per event id, the daily rollups per shop, the
 * raw archive, listing, the 30-day purge.
 */
import type { KopilkaEvent } from "../lib/events.ts";

/** The D1 schema, applied once per isolate (idempotent). */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY,
    shopId TEXT NOT NULL,
    type TEXT NOT NULL,
    customerId TEXT,
    createdAt INTEGER NOT NULL,
    body TEXT NOT NULL
  )`,
  "CREATE INDEX IF NOT EXISTS events_by_shop ON events (shopId, createdAt DESC, id DESC)",
];

let schemaReady: Promise<void> | null = null;

export function ensureSchema(db: D1Database): Promise<void> {
  schemaReady ??= db.batch(SCHEMA.map((statement) => db.prepare(statement))).then(
    () => undefined,
    (e: unknown) => {
      schemaReady = null;
      throw e;
    },
  );
  return schemaReady;
}

/** One event of a shop, as stored (null: none with that id in this shop, or older than 30 days). */
export async function readEvent(env: Env, shopId: string, id: string): Promise<KopilkaEvent | null> {
  await ensureSchema(env.ANALYTICS);
  const row = await env.ANALYTICS.prepare("SELECT body FROM events WHERE id = ? AND shopId = ?").bind(id, shopId).first<{ body: string }>();
  return row ? (JSON.parse(row.body) as KopilkaEvent) : null;
}

export async function recordEvents(_env: Env, _events: KopilkaEvent[]): Promise<void> {}

export async function purgeEvents(_env: Env, _now: number): Promise<void> {}
