/**
 * The crash script's check of the event stream (docs/events.md), after the last cycle, through `GET /v1/events`:
 * every write that took effect — acknowledged, or applied by a retry after a restart — has exactly one event of its
 * kind (`order.placed`, `order.confirmed`, `order.cancelled`, `order.returned`, `points.adjusted`), and a write
 * that was refused has none. An event exists if and only if its change committed, whatever instant the kill hit.
 *
 * Events reach the store through the queues, so the check first waits until the store stops growing. On
 * Cloudflare a queue keeps a message once `send` has answered; the local queue of `wrangler dev` keeps messages in
 * memory until its consumer has taken them, so a SIGKILL loses what it held. What the check holds, therefore:
 * - a refused write has no event, and no change has two;
 * - a change made after the last kill — the last cycle's retries that took effect only after the restart — has
 *   its event;
 * - a change a kill came after has its event unless the local queue lost it: those are counted, not hidden.
 * That an event committed with its change and not yet relayed survives a restart (the object relays its outbox
 * when it starts again) is worker/account/outbox.test.ts's; that a relayed event is never counted twice, the
 * analytics store's.
 */
import { acknowledged, type Ledger, type Op, type Shop } from "./stream.ts";

interface StoredEvent {
  id: string;
  type: string;
  customerId: string | null;
  data: { orderId?: string; returnId?: string; adjustmentId?: string };
}

const TYPE_OF: Record<Op["kind"], string> = {
  place: "order.placed", confirm: "order.confirmed", cancel: "order.cancelled", return: "order.returned", adjust: "points.adjusted",
};

/** The event key a write's event carries: its type and the id the write named. */
function keyOfOp(op: Op): string {
  const id = op.kind === "return" ? op.returnId : op.kind === "adjust" ? op.adjustmentId : op.orderId;
  return `${TYPE_OF[op.kind]}|${id}`;
}

function keyOfEvent(e: StoredEvent): string | null {
  const id = e.type === "order.returned" ? e.data.returnId : e.type === "points.adjusted" ? e.data.adjustmentId : e.data.orderId;
  return Object.values(TYPE_OF).includes(e.type) && id !== undefined ? `${e.type}|${id}` : null;
}

async function readAll(shop: Shop): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  let cursor: string | null = null;
  const types = Object.values(TYPE_OF).join(",");
  for (let page = 0; page < 10_000; page++) {
    const query = `/v1/events?limit=100&type=${types}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const res = await fetch(`${shop.base}${query}`, { headers: { authorization: `Bearer ${shop.secretKey}` }, signal: AbortSignal.timeout(30_000) });
    if (!res.ok) throw new Error(`GET ${query}: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { items: StoredEvent[]; nextCursor: string | null };
    events.push(...body.items);
    cursor = body.nextCursor;
    if (cursor === null) break;
  }
  return events;
}

export interface EventFigures {
  events: number;
  writes: number;
  checks: number;
  /** Changes made before a kill whose events the local queue lost with it. */
  lostWithLocalQueue: number;
}

/**
 * Whether a kill came after the write took effect (its events may have been in the local queue then): its own
 * cycle's, or — for a retry that took effect after a restart — the next cycle's.
 */
const killedAfter = (op: Op, lastCycle: number): boolean => acknowledged(op) || op.appliedBeforeKill === true || op.cycle < lastCycle;

/** Waits for the store to settle (at most `waitMs`), then checks every write's event; violations are appended. */
export async function checkEvents(ledger: Ledger, shop: Shop, violations: string[], waitMs = 60_000): Promise<EventFigures> {
  const effective = ledger.ops.filter((op) => op.settled !== undefined && op.settled.status >= 200 && op.settled.status < 300);
  const refused = ledger.ops.filter((op) => op.settled !== undefined && !(op.settled.status >= 200 && op.settled.status < 300) && !acknowledged(op));
  // The seeding's adjustments are writes too, but not the stream's: only the stream's keys are checked.
  const expected = new Set(effective.map(keyOfOp));
  const started = Date.now();
  let events = await readAll(shop);
  for (let stable = 0; stable < 2 && Date.now() - started < waitMs;) {
    await new Promise((r) => setTimeout(r, 1500));
    const again = await readAll(shop);
    const found = again.filter((e) => expected.has(keyOfEvent(e) ?? "")).length;
    stable = again.length === events.length || found >= expected.size ? stable + 1 : 0;
    events = again;
  }
  const count = new Map<string, number>();
  for (const e of events) {
    const key = keyOfEvent(e);
    if (key !== null) count.set(key, (count.get(key) ?? 0) + 1);
  }
  let checks = 0;
  let lostWithLocalQueue = 0;
  const lastCycle = Math.max(0, ...ledger.ops.map((op) => op.cycle));
  for (const op of effective) {
    checks++;
    const n = count.get(keyOfOp(op)) ?? 0;
    if (n === 0 && killedAfter(op, lastCycle)) lostWithLocalQueue++;
    else if (n !== 1) {
      const before = op.killedAt !== undefined && op.answeredAt !== undefined ? `, answered ${op.killedAt - op.answeredAt} ms before its cycle's kill` : "";
      violations.push(`events: ${op.kind} ${op.path} (cycle ${op.cycle}${before}) took effect but has ${n} ${TYPE_OF[op.kind]} events`);
    }
  }
  for (const op of refused) {
    checks++;
    // A refused write names an id no effective write of its kind took; it must have left no event.
    const key = keyOfOp(op);
    if (!expected.has(key) && (count.get(key) ?? 0) > 0) violations.push(`events: ${op.kind} ${op.path} was refused (${op.settled!.status}) but has an event`);
  }
  return { events: events.length, writes: effective.length, checks, lostWithLocalQueue };
}
