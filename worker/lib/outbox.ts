/**
 * The event outbox of a Durable Object (docs/events.md). A change and the event that describes it are written in
 * the same SQLite transaction — `emit` inside the change's `transactionSync` — so an event exists if and only if
 * its change committed. After the commit the object relays its outbox to the EVENTS queue (`relay`) and deletes
 * what the queue accepted; a relay that fails, or an object that restarted before relaying, leaves the rows where
 * they are, and the next relay (the next call, the object's start, its alarm) sends them. Delivery to the queue is
 * therefore at least once; everything downstream deduplicates by the event's id.
 *
 * The table is the same in every object that emits (CustomerAccount, Shop): OUTBOX_SCHEMA in its migrations.
 */
import { randomFrom } from "./crypto.ts";
import type { EventType, KopilkaEvent } from "./events.ts";

export const OUTBOX_SCHEMA = `
CREATE TABLE event_outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL,                      -- evt_…, unique
  type TEXT NOT NULL,
  at INTEGER NOT NULL,                   -- the change's instant (epoch ms)
  customerId TEXT,
  data TEXT NOT NULL                     -- JSON, the type's payload (version EVENT_VERSION)
);
`;

/**
 * How many rows one relay reads at a time, and the most bytes of events one queue message carries. A message holds
 * every event of one relay (usually one change's two to four), because a queue's throughput is counted in
 * messages (5,000/s per queue): batching events makes it a bound on changes, not on events. A message may hold
 * 128 KB; a batch of messages 256 KB.
 */
const RELAY_ROWS = 200;
const MESSAGE_BYTES = 100_000;

const ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/**
 * An event id: `evt_` + the instant in base 36 (9 digits, so ids of one object sort by time) + 16 random
 * characters. Unique without coordination: 36^16 random values per millisecond.
 */
export function eventId(at: number): string {
  return `evt_${Math.max(0, Math.floor(at)).toString(36).padStart(9, "0")}${randomFrom(ID_ALPHABET, 16)}`;
}

/** Writes one event into the outbox; call it inside the transaction of the change it describes. Returns its id. */
export function emit<T extends EventType>(
  sql: SqlStorage, type: T, data: KopilkaEvent<T>["data"], at: number, customerId: string | null = null,
): string {
  const id = eventId(at);
  sql.exec("INSERT INTO event_outbox (id, type, at, customerId, data) VALUES (?, ?, ?, ?, ?)", id, type, at, customerId, JSON.stringify(data));
  return id;
}

interface OutboxRow {
  seq: number;
  id: string;
  type: string;
  at: number;
  customerId: string | null;
  data: string;
}

export function outboxSize(sql: SqlStorage): number {
  return sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM event_outbox").one().n;
}

/** The instant of the oldest event not yet relayed, or null. */
export function oldestUnrelayed(sql: SqlStorage): number | null {
  return sql.exec<{ at: number | null }>("SELECT MIN(at) AS at FROM event_outbox").one().at;
}

/** The envelope of an outbox row, as the queue, the webhooks and `GET /v1/events` carry it. */
function envelope(row: OutboxRow, shopId: string, fallbackCustomer: string | null): KopilkaEvent {
  return {
    id: row.id,
    type: row.type as EventType,
    version: 1,
    shopId,
    customerId: row.customerId ?? fallbackCustomer,
    createdAt: new Date(row.at).toISOString(),
    data: JSON.parse(row.data) as KopilkaEvent["data"],
  };
}

/** What travels on the EVENTS queue: the events of one relay, oldest first. */
export type EventMessage = KopilkaEvent[];

export interface RelayTarget {
  queue: Queue<EventMessage>;
  shopId: string;
  /** The customer the object belongs to (a CustomerAccount), for rows that do not name one. */
  customerId: string | null;
}

/**
 * Sends the outbox to the queue in id order — as few messages as MESSAGE_BYTES allows — deleting each batch once
 * the queue accepted it. Returns how many events were sent; throws what the queue threw (the rows stay for the
 * next relay). Not a transaction: rows emitted meanwhile are sent by a later batch or relay; only rows sent are
 * deleted.
 */
export async function relay(sql: SqlStorage, target: RelayTarget): Promise<number> {
  let sent = 0;
  for (;;) {
    const rows = sql.exec<OutboxRow & Record<string, SqlStorageValue>>(
      "SELECT seq, id, type, at, customerId, data FROM event_outbox ORDER BY seq LIMIT ?", RELAY_ROWS,
    ).toArray();
    if (rows.length === 0) return sent;
    const messages: EventMessage[] = [];
    let bytes = Infinity;
    for (const row of rows) {
      const event = envelope(row, target.shopId, target.customerId);
      const size = row.data.length + 300;
      if (bytes + size > MESSAGE_BYTES) {
        messages.push([]);
        bytes = 0;
      }
      messages[messages.length - 1]!.push(event);
      bytes += size;
    }
    // sendBatch: at most 100 messages and 256 KB per call.
    for (let i = 0; i < messages.length; i += 2) {
      const part = messages.slice(i, i + 2);
      await target.queue.sendBatch(part.map((body) => ({ body, contentType: "json" as const })));
      const last = part[part.length - 1]!;
      sql.exec("DELETE FROM event_outbox WHERE seq <= ?", rows.find((r) => r.id === last[last.length - 1]!.id)!.seq);
      sent += part.reduce((n, m) => n + m.length, 0);
    }
  }
}

/**
 * One relay at a time per object: `run()` starts one, or — while one runs — makes it go round once more, so rows
 * emitted meanwhile are sent too. A failure is logged, not thrown (the object's alarm retries); the rows stay.
 */
export class OutboxRelay {
  private running: Promise<void> | null = null;
  private again = false;

  private readonly sql: SqlStorage;
  private readonly target: () => RelayTarget;
  private readonly who: string;

  constructor(sql: SqlStorage, target: () => RelayTarget, who: string) {
    this.sql = sql;
    this.target = target;
    this.who = who;
  }

  run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await relay(this.sql, this.target());
        } while (this.again);
      } catch (e) {
        console.error(`${this.who}: could not relay events (the alarm retries)`, e instanceof Error ? e.message : e);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }
}
