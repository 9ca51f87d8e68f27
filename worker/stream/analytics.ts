/**
 * The analytics store (docs/events.md "The analytics store"). D1 (`ANALYTICS`) keeps every event of the last 30
 * days, by shop, for `GET /v1/events` and re-delivery, and the daily rollups per shop (analytics-sql.ts: written by
 * a trigger, once per event id); R2 (`EVENT_ARCHIVE`) keeps every event raw, for replay.
 *
 * A batch is archived first, then inserted: whatever D1 has counted is in R2, and a batch that fails half-way is
 * retried whole (the archive may then hold an event twice; a replay deduplicates by id, as the D1 insert does).
 */
import type { KopilkaEvent } from "../lib/events.ts";
import { now as clockNow } from "../lib/clock.ts";
import { offsetAt } from "../../engine/host/calendar.ts";
import { currentProgramOrNull } from "../flows/program.ts";
import {
  DAILY_FIGURES, SCHEMA, deleteEventsBefore, insertEvents, selectActiveCustomers, selectDaily, selectDaysOf, selectEventBody,
  selectEvents, type DailyFigure, type DailyRow, type EventRow,
} from "./analytics-sql.ts";

/** How long D1 keeps an event: `GET /v1/events` answers this window, and deduplication by id holds within it. */
export const RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
/** Rows one purge statement deletes: small enough for D1's time limit per statement. */
const PURGE_CHUNK = 5_000;

let schemaReady: Promise<void> | null = null;

/** The D1 schema, applied once per isolate (idempotent). */
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

/** The event as the store keeps it: a verification code is never stored (the queue message alone carries it). */
export function redacted(event: KopilkaEvent): KopilkaEvent {
  if (event.type !== "verification.code") return event;
  const { code: _code, ...rest } = event.data as KopilkaEvent<"verification.code">["data"];
  return { ...event, data: rest as KopilkaEvent["data"] };
}

/** `YYYY-MM-DD` of an instant in a timezone. */
export function localDay(timeZone: string, ms: number): string {
  return new Date(ms + offsetAt(timeZone, ms)).toISOString().slice(0, 10);
}

/** The timezone a shop's days are counted in: its current program's, else UTC. */
async function timezoneOf(env: Env, shopId: string): Promise<string> {
  const current = await currentProgramOrNull(env, shopId);
  return current?.program.timezone ?? "UTC";
}

/**
 * The R2 key of one shop's events of one day from one batch (`prefix` events/, or late/ for uncounted ones). The
 * digest of the ids tells apart two batches that start with the same event and are as long (a re-delivery may
 * regroup events); the same batch again writes the same key.
 */
export async function archiveKey(prefix: "events" | "late", shopId: string, day: string, events: KopilkaEvent[]): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(events.map((e) => e.id).join(",")));
  const hex = [...new Uint8Array(digest).slice(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${prefix}/${shopId}/${day}/${events[0]!.id}-${events.length}-${hex}.ndjson`;
}

/** The most JSON one insert statement carries (D1 takes at most 2 MB in one bound value). */
const INSERT_CHUNK_BYTES = 1_000_000;

/**
 * Keeps a batch exactly once per event id: archived raw in R2 (one NDJSON object per shop and day of the batch),
 * inserted into D1 unless its id is there already, and counted in its day's rollups only when inserted.
 *
 * An event keeps the day it was first counted on: a re-delivered one is archived under that day again, even if the
 * shop's timezone changed meanwhile, so a replay of the archive puts it where the rollups have it. An event that
 * arrives more than 30 days after it happened (its id may have been purged, so it cannot be told from a duplicate)
 * is archived under late/ and not counted.
 */
export async function recordEvents(env: Env, events: KopilkaEvent[]): Promise<void> {
  if (events.length === 0) return;
  await ensureSchema(env.ANALYTICS);
  const horizon = clockNow() - RETENTION_MS;
  const { results: known } = await selectDaysOf(env.ANALYTICS, [...new Set(events.map((e) => e.id))]).all<{ id: string; day: string }>();
  const counted = new Map(known.map((r) => [r.id, r.day]));
  const uncountedShops = [...new Set(events.filter((e) => !counted.has(e.id)).map((e) => e.shopId))];
  const zones = new Map(await Promise.all(uncountedShops.map(async (shopId) => [shopId, await timezoneOf(env, shopId)] as const)));

  const groups = new Map<string, { prefix: "events" | "late"; shopId: string; day: string; events: KopilkaEvent[] }>();
  const rows: EventRow[] = [];
  for (const raw of events) {
    const event = redacted(raw);
    const createdAt = Date.parse(event.createdAt);
    const day = counted.get(event.id) ?? localDay(zones.get(event.shopId)!, createdAt);
    const prefix = createdAt < horizon && !counted.has(event.id) ? "late" : "events";
    const key = `${prefix}/${event.shopId}/${day}`;
    const group = groups.get(key) ?? { prefix, shopId: event.shopId, day, events: [] };
    group.events.push(event);
    groups.set(key, group);
    if (prefix === "late") {
      console.error(`events: ${event.id} arrived after the ${RETENTION_MS / 86_400_000}-day window; archived under late/, not counted`);
    } else if (!counted.has(event.id)) {
      rows.push({ id: event.id, shopId: event.shopId, type: event.type, customerId: event.customerId, createdAt, day, body: JSON.stringify(event) });
    }
  }

  await Promise.all([...groups.values()].map(async (g) =>
    env.EVENT_ARCHIVE.put(await archiveKey(g.prefix, g.shopId, g.day, g.events), g.events.map((e) => JSON.stringify(e)).join("\n") + "\n", {
      httpMetadata: { contentType: "application/x-ndjson" },
    })));
  const chunks: EventRow[][] = [];
  let size = Infinity;
  for (const row of rows) {
    const bytes = row.body.length * 3 + 200; // UTF-8 worst case, and the row's other fields
    if (size + bytes > INSERT_CHUNK_BYTES) {
      chunks.push([]);
      size = 0;
    }
    chunks[chunks.length - 1]!.push(row);
    size += bytes;
  }
  if (chunks.length > 0) await env.ANALYTICS.batch(chunks.map((chunk) => insertEvents(env.ANALYTICS, chunk)));
}

/** The daily cron: D1 forgets events older than 30 days (the rollups and the R2 archive keep them). */
export async function purgeEvents(env: Env, now: number, chunk = PURGE_CHUNK): Promise<void> {
  await ensureSchema(env.ANALYTICS);
  for (;;) {
    const result = await deleteEventsBefore(env.ANALYTICS, now - RETENTION_MS, chunk).run();
    if (result.meta.changes < chunk) return;
  }
}

/** One event of a shop, as stored (null: none with that id in this shop, or older than 30 days). */
export async function readEvent(env: Env, shopId: string, id: string): Promise<KopilkaEvent | null> {
  await ensureSchema(env.ANALYTICS);
  const row = await selectEventBody(env.ANALYTICS, shopId, id, clockNow() - RETENTION_MS).first<{ body: string }>();
  return row ? (JSON.parse(row.body) as KopilkaEvent) : null;
}

export interface EventPage {
  items: KopilkaEvent[];
  nextCursor: string | null;
}

export interface EventQuery {
  types?: readonly string[];
  customerId?: string;
  /** Where the previous page ended (from `encodeCursor`). */
  before?: { createdAt: number; id: string };
  limit: number;
}

/** A shop's events of the last 30 days, newest first, a page at a time. */
export async function listEvents(env: Env, shopId: string, query: EventQuery, now: number): Promise<EventPage> {
  await ensureSchema(env.ANALYTICS);
  const { results } = await selectEvents(env.ANALYTICS, { shopId, since: now - RETENTION_MS, ...query, limit: query.limit + 1 })
    .all<{ id: string; createdAt: number; body: string }>();
  const page = results.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => JSON.parse(r.body) as KopilkaEvent),
    nextCursor: results.length > query.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
  };
}

/** The opaque cursor of a page's last event. */
export function encodeCursor(at: { createdAt: number; id: string }): string {
  return btoa(`${at.createdAt}:${at.id}`).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The position a cursor names, or null when it is not one of ours. */
export function decodeCursor(cursor: string): { createdAt: number; id: string } | null {
  let text: string;
  try {
    text = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    return null;
  }
  const m = /^(\d{1,15}):(evt_[0-9a-z]{1,64})$/.exec(text);
  return m ? { createdAt: Number(m[1]), id: m[2]! } : null;
}

export type DailyStats = { day: string } & Record<DailyFigure, number>;

export interface StatsRange {
  /** Every day from `from` to `to`; a day without events is zeros. */
  days: DailyStats[];
  /** The range's sums; activeCustomers counts a customer active on several days once. */
  totals: Record<DailyFigure, number>;
}

/** A shop's rollups for the days from `from` to `to` (inclusive, `YYYY-MM-DD`). */
export async function dailyStats(env: Env, shopId: string, from: string, to: string): Promise<StatsRange> {
  await ensureSchema(env.ANALYTICS);
  const [daily, active] = await env.ANALYTICS.batch([selectDaily(env.ANALYTICS, shopId, from, to), selectActiveCustomers(env.ANALYTICS, shopId, from, to)]);
  const byDay = new Map((daily!.results as DailyRow[]).map((r) => [r.day, r]));
  const days: DailyStats[] = [];
  const totals = Object.fromEntries(DAILY_FIGURES.map((f) => [f, 0])) as Record<DailyFigure, number>;
  for (let ms = Date.parse(`${from}T00:00:00Z`), end = Date.parse(`${to}T00:00:00Z`); ms <= end; ms += 86_400_000) {
    const day = new Date(ms).toISOString().slice(0, 10);
    const row = byDay.get(day);
    const figures = Object.fromEntries(DAILY_FIGURES.map((f) => [f, row ? row[f] : 0])) as Record<DailyFigure, number>;
    for (const f of DAILY_FIGURES) totals[f] += figures[f];
    days.push({ day, ...figures });
  }
  totals.activeCustomers = (active!.results[0] as { n: number }).n;
  return { days, totals };
}
