/**
 * The crash script's checks after a restart, all through the API:
 *
 * 1. Read every customer (balance, pending, orders, spend, whole history) and every order the stream ever sent,
 *    before anything is retried: the state the crash left.
 * 2. Replay every acknowledged write, of this cycle and every earlier one (same path, same body): the same
 *    status and byte-identical body.
 * 3. Replay every write that got no acknowledgement, in the order it was sent, twice: a 2xx, and the second
 *    answer equal to the first. Its answer's instant says whether it had taken effect before the kill (a first
 *    answer replayed) or only now.
 * 4. Compare the state read in 1 with a model built from the answers of the writes that had taken effect before
 *    the kill, and the state after the replays with the model of all writes: per customer balance + pending,
 *    orders, spend, the history entries (each write's entry once, nothing else) and Σ history = balance + pending
 *    + held; per order its status and returns (404 for an order never placed).
 */
import { inParallel } from "../bench/seed.ts";
import { acknowledged, noteSettled, send, type Answer, type Ledger, type Op, type Shop } from "./stream.ts";

interface HistoryItem {
  type: string;
  points: number;
  orderId: string | null;
  returnId: string | null;
  amount: number | null;
  pointsSpent: number | null;
  pointsEarned: number | null;
  reason: string | null;
}

export interface CustomerState {
  balance: number;
  pending: number;
  orders: number;
  spend: number;
  history: HistoryItem[];
}

interface OrderRead {
  status: string | null;
  returnIds: string[];
}

export interface State {
  customers: Map<string, CustomerState>;
  orders: Map<string, OrderRead>;
}

interface EvaluationLine {
  amount: number;
  discount: number;
  pointsPaid: number;
}
interface OrderAnswer {
  orderId: string;
  status: string;
  placedAt: string;
  confirmedAt: string | null;
  cancelledAt: string | null;
  evaluation: { pointsSpent: number; pointsEarned: number; lines: EvaluationLine[] };
}
interface ReturnAnswer {
  returnId: string;
  at: string;
  pointsTakenBack: number;
  pointsGivenBack: number;
  amount: number;
}
interface AdjustAnswer {
  points: number;
  at: string;
  reason: string | null;
}

/** Informational entries are not counted in the balance (worker/account/ledger.ts INFO_TYPES). */
const INFO_TYPES = new Set(["available"]);

const signature = (e: Pick<HistoryItem, "type" | "orderId" | "returnId" | "points" | "reason">) =>
  `${e.type}|${e.orderId ?? ""}|${e.returnId ?? ""}|${e.points}|${e.reason ?? ""}`;

async function get(shop: Shop, path: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${shop.base}${path}`, { headers: { authorization: `Bearer ${shop.secretKey}` }, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  return { status: res.status, json: res.ok ? JSON.parse(text) : text };
}

async function readCustomer(shop: Shop, id: string): Promise<CustomerState> {
  const account = await get(shop, `/v1/customers/${id}`);
  if (account.status !== 200) throw new Error(`GET /v1/customers/${id}: ${account.status} ${String(account.json)}`);
  const { balance, pending, orders, spend } = account.json as CustomerState;
  const history: HistoryItem[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const read = await get(shop, `/v1/customers/${id}/history?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    if (read.status !== 200) throw new Error(`history of ${id}: ${read.status} ${String(read.json)}`);
    const body = read.json as { items: HistoryItem[]; nextCursor: string | null };
    history.push(...body.items);
    cursor = body.nextCursor;
    if (cursor === null) break;
  }
  return { balance, pending, orders, spend, history };
}

export async function readState(shop: Shop, orderIds: string[]): Promise<State> {
  const customers = new Map<string, CustomerState>();
  const orders = new Map<string, OrderRead>();
  await inParallel(shop.customers, 4, async (id) => void customers.set(id, await readCustomer(shop, id)));
  await inParallel(orderIds, 8, async (orderId) => {
    const read = await get(shop, `/v1/orders/${orderId}`);
    if (read.status === 404) orders.set(orderId, { status: null, returnIds: [] });
    else if (read.status === 200) {
      const order = read.json as { status: string; returns: { returnId: string }[] };
      orders.set(orderId, { status: order.status, returnIds: order.returns.map((r) => r.returnId).sort() });
    } else throw new Error(`GET /v1/orders/${orderId}: ${read.status} ${String(read.json)}`);
  });
  return { customers, orders };
}

/** The instant a write's answer says it took effect at. */
function effectAt(op: Op, answer: Answer): number {
  const body = JSON.parse(answer.text) as Partial<OrderAnswer & ReturnAnswer>;
  const at = op.kind === "place" ? body.placedAt : op.kind === "confirm" ? body.confirmedAt : op.kind === "cancel" ? body.cancelledAt : body.at;
  const ms = typeof at === "string" ? Date.parse(at) : NaN;
  if (Number.isNaN(ms)) throw new Error(`${op.kind} ${op.orderId ?? op.adjustmentId}: no instant in its answer ${answer.text.slice(0, 200)}`);
  return ms;
}

export interface ReplayFigures {
  ackReplayed: number;
  unackedApplied: number;
  unackedNotApplied: number;
}

/**
 * Steps 2 and 3. `restartedAt` is an instant after the kill and before the restart: an answer dated before it
 * is a first answer from before the crash.
 */
export async function replay(ledger: Ledger, shop: Shop, cycleOps: Op[], restartedAt: number, violations: string[]): Promise<ReplayFigures> {
  const figures: ReplayFigures = { ackReplayed: 0, unackedApplied: 0, unackedNotApplied: 0 };
  // Acknowledged now, or settled by the verification of an earlier cycle: the answer is known.
  for (const op of cycleOps) if (acknowledged(op)) op.settled = op.first;
  const known = ledger.ops.filter((op) => op.settled !== undefined);
  await inParallel(known, 8, async (op) => {
    const again = await send(shop, op, 30_000);
    figures.ackReplayed++;
    const first = op.settled!;
    if (!again) violations.push(`${describe(op)}: answered ${first.status} before, its replay got no answer`);
    else if (again.status !== first.status || again.text !== first.text) {
      violations.push(`${describe(op)}: answered ${first.status} ${first.text.slice(0, 300)}; replayed ${again.status} ${again.text.slice(0, 300)}`);
    }
  });
  for (const op of cycleOps.filter((o) => !acknowledged(o))) {
    const answer = await send(shop, op, 30_000);
    const repeat = answer && (await send(shop, op, 30_000));
    if (!answer || answer.status < 200 || answer.status >= 300) {
      violations.push(`${describe(op)}: not acknowledged before the kill; its retry answered ${answer ? `${answer.status} ${answer.text.slice(0, 300)}` : "nothing"}`);
      continue;
    }
    if (!repeat || repeat.status !== answer.status || repeat.text !== answer.text) {
      violations.push(`${describe(op)}: retried twice, ${answer.status} ${answer.text.slice(0, 200)} then ${repeat ? `${repeat.status} ${repeat.text.slice(0, 200)}` : "nothing"}`);
    }
    op.settled = answer;
    op.appliedBeforeKill = effectAt(op, answer) < restartedAt;
    if (op.appliedBeforeKill) figures.unackedApplied++;
    else figures.unackedNotApplied++;
    noteSettled(ledger, op, answer);
  }
  return figures;
}

const describe = (op: Op) =>
  `#${op.seq} (cycle ${op.cycle}) ${op.kind} ${op.returnId ?? op.adjustmentId ?? op.orderId} for ${op.customer}`;

interface Expected {
  total: number;
  held: number;
  orders: number;
  spend: number;
  entries: string[];
}

/** Qualifying spend of an evaluation (worker/account/README.md: Σ lines amount − discount − pointsPaid). */
const paidOf = (order: OrderAnswer) => order.evaluation.lines.reduce((a, l) => a + l.amount - l.discount - l.pointsPaid, 0);

/**
 * Step 4 for one moment: `applied` says which writes had taken effect then. The model starts from `baseline`
 * (the state after seeding) and adds each write by its own answer.
 */
export function check(
  label: string, ledger: Ledger, baseline: State, state: State, applied: (op: Op) => boolean, violations: string[],
): number {
  let checks = 0;
  const expect = (ok: boolean, message: () => string) => {
    checks++;
    if (!ok) violations.push(`${label}: ${message()}`);
  };
  const model = new Map<string, Expected>();
  for (const [id, base] of baseline.customers) {
    model.set(id, {
      total: base.balance + base.pending, held: 0, orders: base.orders, spend: base.spend,
      entries: base.history.filter((e) => !INFO_TYPES.has(e.type)).map(signature),
    });
  }
  const placed = new Map<string, OrderAnswer>();
  const orders = new Map<string, { status: string; returnIds: string[] }>();
  for (const op of ledger.ops) {
    if (!applied(op)) continue;
    const answer = JSON.parse(op.settled!.text) as unknown;
    const m = model.get(op.customer)!;
    if (op.kind === "place") {
      const order = answer as OrderAnswer;
      placed.set(op.orderId!, order);
      orders.set(op.orderId!, { status: "pending", returnIds: [] });
      m.total -= order.evaluation.pointsSpent;
      m.held += order.evaluation.pointsSpent;
    } else if (op.kind === "confirm" || op.kind === "cancel") {
      const order = placed.get(op.orderId!);
      if (!order) {
        expect(false, () => `${op.kind} of ${op.orderId} took effect, its placement did not`);
        continue;
      }
      const { pointsSpent: spent, pointsEarned: earned } = order.evaluation;
      orders.get(op.orderId!)!.status = op.kind === "confirm" ? "confirmed" : "cancelled";
      m.held -= spent;
      if (op.kind === "cancel") m.total += spent;
      else {
        m.total += earned;
        m.orders += 1;
        m.spend += paidOf(order);
        m.entries.push(signature({ type: "order", orderId: op.orderId!, returnId: null, points: earned - spent, reason: null }));
      }
    } else if (op.kind === "return") {
      const r = answer as ReturnAnswer;
      orders.get(op.orderId!)?.returnIds.push(op.returnId!);
      m.total += r.pointsGivenBack - r.pointsTakenBack;
      m.spend -= r.amount;
      m.entries.push(signature({ type: "return", orderId: op.orderId!, returnId: op.returnId!, points: r.pointsGivenBack - r.pointsTakenBack, reason: null }));
    } else {
      const a = answer as AdjustAnswer;
      m.total += a.points;
      m.entries.push(signature({ type: "adjust", orderId: null, returnId: null, points: a.points, reason: a.reason }));
    }
  }
  for (const [id, m] of model) {
    const s = state.customers.get(id)!;
    expect(s.balance + s.pending === m.total, () => `${id}: balance ${s.balance} + pending ${s.pending} = ${s.balance + s.pending}, the writes that took effect make ${m.total}`);
    expect(s.orders === m.orders, () => `${id}: ${s.orders} orders, expected ${m.orders}`);
    expect(s.spend === m.spend, () => `${id}: spend ${s.spend}, expected ${m.spend}`);
    const counted = s.history.filter((e) => !INFO_TYPES.has(e.type));
    const sum = counted.reduce((a, e) => a + e.points, 0);
    expect(sum === s.balance + s.pending + m.held, () => `${id}: Σ history ${sum} ≠ balance ${s.balance} + pending ${s.pending} + held ${m.held}`);
    const got = counted.map(signature).sort();
    const want = [...m.entries].sort();
    expect(got.join("\n") === want.join("\n"), () => {
      const extra = got.filter((e) => !want.includes(e) || got.filter((x) => x === e).length > want.filter((x) => x === e).length);
      const missing = want.filter((e) => !got.includes(e) || want.filter((x) => x === e).length > got.filter((x) => x === e).length);
      return `${id}: history differs; unexpected [${[...new Set(extra)].join("; ")}], missing [${[...new Set(missing)].join("; ")}]`;
    });
    for (const e of s.history) {
      if (e.type !== "order") continue;
      const order = placed.get(e.orderId ?? "");
      expect(order !== undefined && e.amount === paidOf(order) && e.pointsSpent === order.evaluation.pointsSpent && e.pointsEarned === order.evaluation.pointsEarned,
        () => `${id}: history entry of order ${e.orderId} (amount ${e.amount}, spent ${e.pointsSpent}, earned ${e.pointsEarned}) does not match its placement`);
    }
  }
  for (const orderId of ledger.orders.keys()) {
    const read = state.orders.get(orderId);
    const want = orders.get(orderId);
    if (!read) continue;
    expect((read.status ?? null) === (want?.status ?? null), () => `order ${orderId}: status ${read.status ?? "absent (404)"}, expected ${want?.status ?? "absent (404)"}`);
    const wantReturns = [...(want?.returnIds ?? [])].sort();
    expect(read.returnIds.join(",") === wantReturns.join(","), () => `order ${orderId}: returns [${read.returnIds.join(", ")}], expected [${wantReturns.join(", ")}]`);
  }
  return checks;
}
