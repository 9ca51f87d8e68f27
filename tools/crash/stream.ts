/**
 * The crash script's request stream: `width` concurrent clients placing orders, confirming or cancelling them,
 * returning some of their units and adjusting points, each write with its own id, until the process group is
 * killed. Every request is logged with the answer it got, if any: 2xx is an acknowledgement; no answer (the
 * connection died with the server) or any other answer is not.
 */
import { random } from "../../engine/bench/workload.ts";

export type OpKind = "place" | "confirm" | "cancel" | "return" | "adjust";

export interface Answer {
  status: number;
  text: string;
}

export interface Op {
  seq: number;
  cycle: number;
  kind: OpKind;
  customer: string;
  orderId?: string;
  returnId?: string;
  adjustmentId?: string;
  path: string;
  /** The exact body sent (a replay sends the same text). */
  body: string | undefined;
  /** The answer received before the kill; undefined when none arrived. */
  first?: Answer;
  /** The answer that defines the write's effect: `first` when acknowledged, else the replay's after the restart. */
  settled?: Answer;
  /** For a write not acknowledged: whether it had taken effect before the kill (its answer's instant is before it). */
  appliedBeforeKill?: boolean;
  /** When its acknowledgement arrived (epoch ms); undefined without one. */
  answeredAt?: number;
  /** When its cycle's kill came (epoch ms). */
  killedAt?: number;
}

export const acknowledged = (op: Op): boolean => op.first !== undefined && op.first.status >= 200 && op.first.status < 300;

export interface OrderLine {
  id: string;
  qty: number;
}

/** What the stream knows of an order from acknowledgements alone. */
export interface OrderState {
  orderId: string;
  customer: string;
  fate: "confirm" | "cancel";
  lines: OrderLine[];
  /** placing/settling/returning: a write is in flight or unacknowledged, so nothing else is sent for it. */
  stage: "placing" | "placed" | "settling" | "confirmed" | "cancelled";
  /** Units per line not yet returned or being returned. */
  left: Map<string, number>;
}

export interface Shop {
  base: string;
  secretKey: string;
  customers: string[];
}

export interface StreamOptions {
  cycle: number;
  width: number;
  /** Milliseconds after the first request at which the process group is killed. */
  killAfterMs: number;
  /** At most this many requests, whatever happens (a bound, not a target). */
  maxRequests: number;
  /** Each request gives up after this long (bounded even if the server hangs rather than dies). */
  requestTimeoutMs: number;
  kill: () => Promise<void>;
}

export interface StreamResult {
  ops: Op[];
  killedAt: number;
  inFlightAtKill: number;
}

/** Everything one crash script run has sent, across cycles. */
export class Ledger {
  readonly ops: Op[] = [];
  readonly orders = new Map<string, OrderState>();
  private counter = 0;
  readonly next: () => number;
  constructor(next: () => number) {
    this.next = next;
  }

  nextId(prefix: string): string {
    return `${prefix}-${String(++this.counter).padStart(5, "0")}`;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  int(from: number, to: number): number {
    return from + Math.floor(this.next() * (to - from + 1));
  }
}

export function seededRandom(seed: number): () => number {
  return random(seed);
}

/** The next write to send, given what is acknowledged so far; updates the stream's bookkeeping. */
function nextOp(ledger: Ledger, shop: Shop, cycle: number): Op {
  const base = { seq: ledger.ops.length, cycle };
  const orders = [...ledger.orders.values()];
  const settleable = orders.filter((o) => o.stage === "placed");
  const returnable = orders.filter((o) => o.stage === "confirmed" && [...o.left.values()].some((n) => n > 0));
  const roll = ledger.next();
  if (settleable.length > 0 && roll < 0.4) {
    const order = ledger.pick(settleable);
    order.stage = "settling";
    return { ...base, kind: order.fate, customer: order.customer, orderId: order.orderId, path: `/v1/orders/${order.orderId}/${order.fate}`, body: undefined };
  }
  if (returnable.length > 0 && roll < 0.65) {
    const order = ledger.pick(returnable);
    const open = [...order.left].filter(([, n]) => n > 0);
    // One or two lines, one or two units each: partial returns that, over cycles, sometimes return everything.
    const chosen = open.slice(0, ledger.int(1, Math.min(2, open.length)));
    const lines = chosen.map(([id, n]) => ({ id, qty: Math.min(n, ledger.int(1, 2)) }));
    for (const line of lines) order.left.set(line.id, order.left.get(line.id)! - line.qty);
    const returnId = ledger.nextId(`r${cycle}`);
    return {
      ...base, kind: "return", customer: order.customer, orderId: order.orderId, returnId,
      path: `/v1/orders/${order.orderId}/returns`, body: JSON.stringify({ returnId, lines }),
    };
  }
  const customer = ledger.pick(shop.customers);
  if (roll < 0.78) {
    const adjustmentId = ledger.nextId(`a${cycle}`);
    const points = ledger.next() < 0.5 ? -ledger.int(1, 300) : ledger.int(1, 1000);
    return {
      ...base, kind: "adjust", customer, adjustmentId, path: `/v1/customers/${customer}/adjustments`,
      body: JSON.stringify({ id: adjustmentId, points, reason: `crash ${adjustmentId}` }),
    };
  }
  const orderId = ledger.nextId(`o${cycle}`);
  const lines: OrderLine[] = Array.from({ length: ledger.int(1, 3) }, (_, i) => ({ id: String(i + 1), qty: ledger.int(1, 4) }));
  const redeem = ledger.pick<number | "max">([0, "max", 100, 2500]);
  const receipt = {
    orderId, customerId: customer, store: ledger.pick(["web", "app"]), redeemPoints: redeem,
    lines: lines.map((l) => ({ id: l.id, sku: `sku-${ledger.int(1, 40)}`, categories: [ledger.pick(["coffee", "tea", "mugs"])], price: ledger.int(100, 3000) * 100, qty: l.qty })),
  };
  ledger.orders.set(orderId, {
    orderId, customer, fate: ledger.next() < 0.8 ? "confirm" : "cancel", lines, stage: "placing", left: new Map(lines.map((l) => [l.id, l.qty])),
  });
  return { ...base, kind: "place", customer, orderId, path: "/v1/orders", body: JSON.stringify(receipt) };
}

/** What an acknowledgement tells the stream about the order (nothing for a write that got no 2xx). */
export function noteSettled(ledger: Ledger, op: Op, answer: Answer): void {
  if (answer.status < 200 || answer.status >= 300 || op.orderId === undefined) return;
  const order = ledger.orders.get(op.orderId);
  if (!order) return;
  if (op.kind === "place") order.stage = "placed";
  else if (op.kind === "confirm") order.stage = "confirmed";
  else if (op.kind === "cancel") order.stage = "cancelled";
}

/** Sends one logged request; the answer, or undefined when the connection failed or timed out. */
export async function send(shop: Shop, op: Op, timeoutMs: number): Promise<Answer | undefined> {
  try {
    const res = await fetch(`${shop.base}${op.path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${shop.secretKey}`, ...(op.body === undefined ? {} : { "content-type": "application/json" }) },
      body: op.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, text: await res.text() };
  } catch {
    return undefined;
  }
}

/**
 * Fires the stream until the kill: `width` clients, each sending its next write as soon as its previous one is
 * answered. The kill lands at `killAfterMs` whatever is in flight; then every request is waited for (each is
 * bounded by its timeout) and the stream stops.
 */
export async function runStream(ledger: Ledger, shop: Shop, options: StreamOptions): Promise<StreamResult> {
  let killed = false;
  let inFlight = 0;
  let inFlightAtKill = 0;
  let killedAt = 0;
  let sent = 0;
  const cycleOps: Op[] = [];
  const killing = new Promise<void>((resolve, reject) => {
    setTimeout(() => {
      killed = true;
      inFlightAtKill = inFlight;
      killedAt = Date.now();
      options.kill().then(resolve, reject);
    }, options.killAfterMs);
  });
  const client = async () => {
    while (!killed && sent < options.maxRequests) {
      const op = nextOp(ledger, shop, options.cycle);
      ledger.ops.push(op);
      cycleOps.push(op);
      sent++;
      inFlight++;
      const answer = await send(shop, op, options.requestTimeoutMs);
      inFlight--;
      if (answer) {
        op.first = answer;
        op.answeredAt = Date.now();
        noteSettled(ledger, op, answer);
      }
      // A write without an acknowledgement leaves its order in its in-between stage: nothing more is sent for it
      // until the verification after the restart has settled it.
      if (!answer && !killed) await new Promise((r) => setTimeout(r, 20));
    }
  };
  await Promise.all([...Array.from({ length: options.width }, client), killing]);
  for (const op of cycleOps) op.killedAt = killedAt;
  return { ops: cycleOps, killedAt, inFlightAtKill };
}
