/**
 * The operations of the simulation, as plain data (printable, replayable), and the seeded generator that
 * draws them from the model's state: new requests, retries of old ones (same id and body), conflicting
 * reuses of ids, requests in the wrong order (confirm after cancel, returns before confirm, unknown ids),
 * events (review, rating, survey, birthday — inside and outside its window, twice a year — and custom),
 * rewards bought (with and without a request id) and their coupons presented in orders (the customer's own in
 * every state, another customer's, unknown ones, two at once, two orders racing for one), clock jumps across
 * hold lapses, pending windows, expiries, coupon expiries and birthday windows, alarms fired late, early and
 * twice, duplicated and concurrent requests, and evictions (the object restarts from storage).
 */
import { LIMITS } from "../../engine/host/limits.ts";
import type { ReceiptLine } from "../../engine/host/types.ts";
import type { EventType, OrderReceipt } from "../../worker/account/types.ts";
import { DAY, MINUTE, type LedgerModel } from "./model.ts";
import { nextBirthdayWindow, REWARDS } from "./program.ts";
import { LIMITED_CODES } from "./campaigns.ts";
import type { Prng } from "./prng.ts";

/**
 * Program variants (run.ts builds them): points pending `pendingDays`, expiring `expiryDays` after; `rewards`:
 * whether the program has the rewards (a coupon of a reward the program no longer has is not offered).
 */
export const VARIANTS: readonly { pendingDays: number; expiryDays: number | null; rewards: boolean }[] = [
  { pendingDays: 0, expiryDays: 365, rewards: true },
  { pendingDays: 14, expiryDays: 30, rewards: true },
  { pendingDays: 0, expiryDays: null, rewards: false },
  { pendingDays: 1, expiryDays: 2, rewards: true },
  { pendingDays: 0, expiryDays: 1, rewards: true },
];

export type Request =
  /** Under the program of `variant` in `epoch` (its limited campaigns: campaigns.ts). */
  | { type: "place"; acct: number; orderId: string; receipt: OrderReceipt; variant: number; epoch: number; holdMinutes?: number; quoteId?: string }
  | { type: "confirm"; acct: number; orderId: string }
  | { type: "cancel"; acct: number; orderId: string }
  | { type: "return"; acct: number; orderId: string; returnId: string; lines: { id: string; qty: number }[] }
  | { type: "adjust"; acct: number; id: string; kind: "adjust" | "bonus"; points: number; reason?: string; expiryDays: number | null }
  /** An event under the variant's program, active or paused, or with no program published. */
  | { type: "event"; acct: number; id: string; eventType: EventType; points?: number; reason?: string; program: "active" | "paused" | "none"; variant: number }
  /** A reward bought, its refund expiring per the variant's points; `requestId` keys retries; `cost` overrides (invalid). */
  | { type: "redeem"; acct: number; rewardId: string; requestId?: string; variant: number; cost?: number };

export type Op =
  | Request
  /** The clock moves; nothing is called. */
  | { type: "tick"; ms: number }
  /** The account's alarm runs at the current time (late or early), `times` times in a row. */
  | { type: "alarm"; acct: number; times: number }
  | { type: "evict"; acct: number }
  /** Reads: the snapshot, an order, a page of history. */
  | { type: "read"; acct: number; orderId: string }
  /** Sent at once without waiting (duplicates of one request, or different ones); answered in sending order. */
  | { type: "together"; requests: Request[] }
  /**
   * A request whose clock reads `ms` before the account's last call or alarm: the caller read its clock, then
   * the alarm (or another request) got there first. Time inside the account is not monotonic for its callers.
   */
  | { type: "stale"; request: Request; ms: number };

/** What the generator remembers per account, beside the model. */
export interface Memory {
  /** Starts this account's order ids: counters are shop-wide and key their orders by id. */
  prefix: string;
  /** Keyed requests sent so far (the latest few hundred): candidates for retries and conflicting reuses. */
  sent: Request[];
  orders: number;
  returns: number;
  adjustments: number;
  events: number;
  redeems: number;
}

export function newMemory(prefix: string): Memory {
  return { prefix, sent: [], orders: 0, returns: 0, adjustments: 0, events: 0, redeems: 0 };
}

/** The account's n-th order id. */
const orderIdAt = (memory: Memory, n: number) => `${memory.prefix}o${n}`;

/** Whether a request reaches a campaign counter: it may reserve (place, late confirm), commit or give a use back. */
export function touchesCounters(r: Request, model: LedgerModel): boolean {
  if (r.type === "place") return (r.receipt.codes ?? []).some((c) => LIMITED_CODES.includes(c));
  if (r.type === "confirm" || r.type === "cancel") return (model.orders.get(r.orderId)?.limited.length ?? 0) > 0;
  return false;
}

/** What the stream is at: the epoch of the limited campaigns new orders ask for. */
export interface StreamAt {
  epoch: number;
}

const PRICES = [990, 4_990, 14_286, 45_000, 99_900, 250_000];
const SKUS = ["mug", "tea", "beans", "kettle", "filter"];

/**
 * Codes a receipt presents: mostly none; else this customer's coupons (active ones mostly, any state sometimes,
 * lower-cased, two rewards at once, one reward twice), another customer's, or unknown ones.
 */
function codesOf(rng: Prng, model: LedgerModel, others: readonly LedgerModel[]): string[] | undefined {
  const mine = [...model.coupons.values()];
  const active = mine.filter((c) => c.state === "active");
  const kind = rng.weighted({ none: 4, active: 6, any: 1.5, two: 1.5, other: 1, unknown: 0.5 });
  const cased = (code: string) => (rng.chance(0.3) ? code.toLowerCase() : code);
  if (kind === "active" && active.length) return [cased(rng.pick(active).code)];
  if (kind === "any" && mine.length) return [cased(rng.pick(mine).code)];
  if (kind === "two" && mine.length) return [cased(rng.pick(active.length ? active : mine).code), cased(rng.pick(mine).code)];
  const theirs = others.filter((m) => m !== model).flatMap((m) => [...m.coupons.values()]);
  if (kind === "other" && theirs.length) return [rng.pick(theirs).code];
  if (kind === "unknown") return [rng.pick(["K-2222-3333-4444", "SPRING10", "item20"])];
  return undefined;
}

function receiptOf(rng: Prng, balance: number, codes?: string[]): OrderReceipt {
  const lines: ReceiptLine[] = [];
  const n = rng.int(1, 4);
  for (let i = 1; i <= n; i++) {
    const price = rng.chance(0.7) ? rng.pick(PRICES) : rng.int(1, 300_000);
    lines.push({ id: String(i), sku: rng.pick(SKUS), categories: [rng.pick(["kitchen", "tea", "coffee"])], price, qty: rng.int(1, 5) });
  }
  if (rng.chance(0.01)) lines[0]!.qty = 0; // invalid: 400
  const receipt: OrderReceipt = { customerId: "sim", lines };
  if (codes) receipt.codes = codes;
  const redeem = rng.weighted({ none: 3, zero: 1, max: 4, some: 4, tooMany: 2 });
  if (redeem === "zero") receipt.redeemPoints = 0;
  else if (redeem === "max") receipt.redeemPoints = "max";
  else if (redeem === "some") receipt.redeemPoints = rng.int(1, Math.max(1, Math.min(balance, 3_000)));
  else if (redeem === "tooMany") receipt.redeemPoints = Math.max(balance, 0) + rng.int(1, 500);
  return receipt;
}

function holdMinutesOf(rng: Prng): number | undefined {
  const kind = rng.weighted({ default: 4, short: 3, long: 2, day: 2, invalid: 0.1 });
  if (kind === "default") return undefined;
  if (kind === "short") return rng.int(1, 20);
  if (kind === "long") return rng.int(30, 240);
  if (kind === "day") return rng.int(1, LIMITS.holdMinutes);
  return rng.pick([0, -5, 1.5, LIMITS.holdMinutes + 1]);
}

/** An order id of the account: mostly one in the wanted statuses, sometimes any, rarely an unknown one. */
function orderIdOf(rng: Prng, model: LedgerModel, statuses: string[]): string {
  const all = [...model.orders.values()];
  const wanted = all.filter((o) => statuses.includes(o.status));
  if (wanted.length && rng.chance(0.85)) return rng.pick(wanted).orderId;
  if (all.length && rng.chance(0.9)) return rng.pick(all).orderId;
  return `o-unknown-${rng.int(1, 3)}`;
}

function returnLinesOf(rng: Prng, model: LedgerModel, orderId: string): { id: string; qty: number }[] {
  const order = model.orders.get(orderId);
  if (!order) return [{ id: "1", qty: 1 }];
  const kind = rng.weighted({ partial: 6, full: 2, tooMany: 1, unknownLine: 0.3, empty: 0.2, twice: 0.2 });
  if (kind === "empty") return [];
  if (kind === "unknownLine") return [{ id: "9", qty: 1 }];
  if (kind === "twice") return [{ id: "1", qty: 1 }, { id: "1", qty: 1 }];
  const left = order.lines.filter((l) => l.returned < l.qty);
  if (kind === "full" || !left.length) return (left.length ? left : order.lines).map((l) => ({ id: l.id, qty: Math.max(1, l.qty - l.returned) }));
  if (kind === "tooMany") {
    const line = rng.pick(order.lines);
    return [{ id: line.id, qty: line.qty - line.returned + rng.int(1, 2) }];
  }
  const chosen = left.filter(() => rng.chance(0.6));
  return (chosen.length ? chosen : [rng.pick(left)]).map((l) => ({ id: l.id, qty: rng.int(1, l.qty - l.returned) }));
}

/** A request that reuses a sent one's id with another body: 409 idempotency_conflict (if the first took). */
function conflicting(rng: Prng, r: Request): Request | null {
  switch (r.type) {
    case "place": {
      const lines = r.receipt.lines.map((l, i) => (i === 0 ? { ...l, qty: l.qty + 1 } : l));
      return rng.chance(0.5) ? { ...r, receipt: { ...r.receipt, lines } } : { ...r, quoteId: "q_stale" };
    }
    case "return":
      return { ...r, lines: r.lines.map((l) => ({ ...l, qty: l.qty + 1 })) };
    case "adjust":
      return rng.chance(0.5) ? { ...r, points: r.points + (r.points > 0 ? 1 : -1) } : { ...r, reason: "other" };
    case "event":
      if (r.eventType === "custom") return rng.chance(0.5) ? { ...r, points: (r.points ?? 0) + 1 } : { ...r, reason: "other" };
      return { ...r, eventType: r.eventType === "review" ? "rating" : "review" };
    case "redeem":
      // The request id keys the reward asked for (the route takes cost and validity from the program).
      return r.requestId === undefined ? null : { ...r, rewardId: r.rewardId === "item20" ? "order5" : "item20" };
    default:
      return null; // confirm and cancel have no body beyond the id: there is nothing to conflict with
  }
}

function eventOf(rng: Prng, acct: number, memory: Memory): Extract<Request, { type: "event" }> {
  const eventType = rng.weighted<EventType>({ review: 3, rating: 2, survey: 1, birthday: 5, custom: 3 });
  const program = rng.weighted({ active: 90, paused: 4, none: 6 });
  const request: Extract<Request, { type: "event" }> = {
    type: "event", acct, id: `e${++memory.events}`, eventType, program, variant: rng.int(0, VARIANTS.length - 1),
  };
  if (eventType === "custom") {
    request.points = rng.chance(0.03) ? rng.pick([0, -5, 1.5, 1e16]) : rng.int(1, 400);
    if (rng.chance(0.5)) request.reason = rng.pick(["Photo contest", "apology", "survey"]);
  } else if (rng.chance(0.02)) {
    if (rng.chance(0.5)) request.points = 10; // invalid: the program sets the points
    else request.reason = "why"; // invalid: the reason is the type
  }
  return request;
}

function redeemOf(rng: Prng, acct: number, memory: Memory): Extract<Request, { type: "redeem" }> {
  const request: Extract<Request, { type: "redeem" }> = { type: "redeem", acct, rewardId: rng.pick(REWARDS).id, variant: rng.int(0, VARIANTS.length - 1) };
  memory.redeems++;
  if (rng.chance(0.7)) request.requestId = `k${memory.redeems}`;
  if (rng.chance(0.01)) request.cost = rng.pick([0, -1, 1.5]); // invalid: 400
  return request;
}

/** A new request for account `acct` (recorded in memory); `others`: every account's model (another's coupons). */
export function newRequest(
  rng: Prng, acct: number, model: LedgerModel, memory: Memory, now: number, at: StreamAt, others: readonly LedgerModel[] = [],
): Request {
  const type = rng.weighted({ place: 26, confirm: 22, cancel: 7, return: 16, adjust: 9, event: 6, redeem: 7, replay: 10, conflict: 4, late: 3 });
  let request: Request | null = null;
  if (type === "replay" && memory.sent.length) request = rng.pick(memory.sent);
  else if (type === "conflict" && memory.sent.length) request = conflicting(rng, rng.pick(memory.sent));
  else if (type === "place") {
    let codes = codesOf(rng, model, others);
    // The limited campaigns' promo codes (never beside coupons: the model's coupon arithmetic knows no other discount).
    if (!codes && rng.chance(0.4)) codes = LIMITED_CODES.filter(() => rng.chance(0.45));
    request = {
      type, acct, orderId: orderIdAt(memory, ++memory.orders), receipt: receiptOf(rng, model.available(now), codes?.length ? codes : undefined),
      variant: rng.int(0, VARIANTS.length - 1), epoch: at.epoch,
    };
    let hold = holdMinutesOf(rng);
    // Aim at the rule for points expiring during a hold: hold past the next expiry, spending all it may.
    const expiry = Math.min(...model.lots.filter((l) => l.remaining > 0 && l.expiresAt !== null && l.expiresAt > now).map((l) => l.expiresAt!));
    if (expiry - now < 7 * DAY && rng.chance(0.3)) {
      hold = Math.ceil((expiry - now) / MINUTE) + rng.int(0, 120);
      request.receipt.redeemPoints = "max";
    }
    if (hold !== undefined) request.holdMinutes = hold;
    if (rng.chance(0.02)) request.quoteId = "q_stale";
  } else if (type === "confirm") {
    // Often the order just placed: a checkout that is paid at once (and uses the coupons it holds).
    const latest = model.orders.get(orderIdAt(memory, memory.orders));
    const orderId = latest?.status === "pending" && rng.chance(0.4) ? latest.orderId : orderIdOf(rng, model, ["pending", "lapsed"]);
    request = { type, acct, orderId };
  }
  else if (type === "late") {
    // A payment arriving after the hold lapsed, for an order with limited campaigns: its uses may be gone.
    const lapsed = [...model.orders.values()].filter((o) => o.status === "lapsed" && o.limited.length > 0);
    request = lapsed.length ? { type: "confirm", acct, orderId: rng.pick(lapsed).orderId } : { type: "confirm", acct, orderId: orderIdOf(rng, model, ["lapsed"]) };
  }
  else if (type === "cancel") request = { type, acct, orderId: orderIdOf(rng, model, ["pending", "lapsed", "confirmed"]) };
  else if (type === "return") {
    const orderId = orderIdOf(rng, model, ["confirmed"]);
    request = { type, acct, orderId, returnId: `r${++memory.returns}`, lines: returnLinesOf(rng, model, orderId) };
  } else if (type === "adjust") {
    const kind = rng.chance(0.3) ? "bonus" : "adjust";
    const available = model.available(now);
    const sign = rng.chance(0.3) ? -1 : 1;
    let points = sign > 0 ? rng.int(1, rng.pick([100, 600, 2_000])) : -rng.int(1, Math.max(1, available + 50));
    if (rng.chance(0.02)) points = 0; // invalid: 400
    request = {
      type, acct, id: `a${++memory.adjustments}`, kind, points,
      expiryDays: rng.pick([null, 1, 1, 2, 2, 30, 365]),
    };
    if (rng.chance(0.5)) request.reason = rng.pick(["welcome", "goodwill", "fix"]);
  } else if (type === "event") request = eventOf(rng, acct, memory);
  else if (type === "redeem") request = redeemOf(rng, acct, memory);
  request ??= { type: "adjust", acct, id: `a${++memory.adjustments}`, kind: "adjust", points: rng.int(1, 500), expiryDays: 365 };
  memory.sent.push(request);
  if (memory.sent.length > 300) memory.sent.splice(0, 100);
  return request;
}

/** The next operation of the stream over `accounts` (each with its model and memory). */
/** `stale`: also send requests whose clock reads behind the account's (off in CI: see README.md "Simulation"). */
export function nextOp(rng: Prng, accounts: { model: LedgerModel; memory: Memory }[], now: number, at: StreamAt, stale = false): Op {
  const acct = rng.int(0, accounts.length - 1);
  const { model, memory } = accounts[acct]!;
  const kind = rng.weighted({ request: 76, tick: 9, alarm: 6, together: 3, stale: stale ? 3 : 0, read: 2, evict: 0.5 });
  const models = accounts.map((a) => a.model);
  switch (kind) {
    case "tick": {
      const span = rng.weighted({ seconds: 3, minutes: 4, hours: 2, days: 2, pending: 1, expiry: 1, year: 0.1, due: 4, birthday: 0.7 });
      const due = model.nextDue();
      if (span === "due" && due !== null && due - now > -2) {
        // To the instant something falls due (a hold's end, an expiry, a coupon's expiry, points turning available):
        // 1 ms before, at, or after.
        return { type: "tick", ms: Math.max(0, due - now + rng.int(-1, 1)) };
      }
      if (span === "birthday" && model.birthday !== null) {
        // Into the next birthday window, or to 1 ms before, at or after one of its edges (local midnights).
        const { start, end } = nextBirthdayWindow(model.birthday, now);
        const target = rng.weighted({ start: 1, end: 1, inside: 2 });
        const at = target === "inside" ? rng.int(Math.max(start, now), end - 1) : (target === "start" ? start : end) + rng.int(-1, 1);
        return { type: "tick", ms: Math.max(0, at - now) };
      }
      const ms = {
        seconds: () => rng.int(1, 59) * 1000,
        minutes: () => rng.int(1, 45) * MINUTE,
        hours: () => rng.int(1, 12) * 60 * MINUTE,
        days: () => rng.int(1, 3) * DAY + rng.int(0, DAY),
        pending: () => rng.int(13, 15) * DAY,
        expiry: () => rng.int(28, 35) * DAY,
        year: () => rng.int(300, 400) * DAY,
        due: () => rng.int(1, 45) * MINUTE,
        birthday: () => rng.int(1, 3) * DAY,
      }[span]();
      return { type: "tick", ms };
    }
    case "alarm":
      return { type: "alarm", acct, times: rng.chance(0.3) ? 2 : 1 };
    case "evict":
      return { type: "evict", acct };
    case "read":
      return { type: "read", acct, orderId: orderIdOf(rng, model, ["pending", "confirmed"]) };
    case "stale": {
      // Mostly a cancel or return giving spent points back: the requests whose clock decides whether a lot has expired.
      const givers = [...model.orders.values()].filter((o) => o.status === "confirmed" && o.holdPoints > o.givenBack);
      let request: Request;
      if (givers.length && rng.chance(0.7)) {
        const order = rng.pick(givers);
        request = rng.chance(0.5)
          ? { type: "cancel", acct, orderId: order.orderId }
          : { type: "return", acct, orderId: order.orderId, returnId: `r${++memory.returns}`, lines: returnLinesOf(rng, model, order.orderId) };
        memory.sent.push(request);
      } else request = newRequest(rng, acct, model, memory, now, at, models);
      // A request that may reserve at a counter goes on time: the model decides what a counter has left at the
      // stream's clock, and a counter reached earlier by a later clock has let go of what lapsed meanwhile.
      if (touchesCounters(request, model) && request.type !== "cancel") return request;
      return { type: "stale", request, ms: rng.int(1, 5_000) };
    }
    case "together": {
      const active = [...model.coupons.values()].filter((c) => c.state === "active");
      if (active.length && rng.chance(0.3)) {
        // Two carts racing for one coupon: the account serializes them, one of them gets it.
        const code = rng.pick(active).code;
        const race = () => {
          const r: Request = {
            type: "place", acct, orderId: orderIdAt(memory, ++memory.orders), receipt: receiptOf(rng, model.available(now), [code]),
            variant: rng.int(0, VARIANTS.length - 1), epoch: at.epoch,
          };
          memory.sent.push(r);
          return r;
        };
        return { type: "together", requests: [race(), race()] };
      }
      const first = newRequest(rng, acct, model, memory, now, at, models);
      if (rng.chance(0.6)) return { type: "together", requests: [first, first] };
      const other = rng.int(0, accounts.length - 1);
      const second = newRequest(rng, other, accounts[other]!.model, accounts[other]!.memory, now, at, models);
      // At most one of two different requests reaches the counters: which of two competitors got the last use
      // would depend on how the runtime interleaves them (the counters' own tests race them).
      if (touchesCounters(first, model) && touchesCounters(second, accounts[other]!.model)) return { type: "together", requests: [first, first] };
      return { type: "together", requests: [first, second] };
    }
    default:
      return newRequest(rng, acct, model, memory, now, at, models);
  }
}
