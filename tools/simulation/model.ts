/**
 * The reference model of one customer's points ledger, written from docs/api.md and worker/account/README.md
 * ("Ledger rules") alone — plain arrays and loops, no SQL, none of the account's code. The simulation applies
 * every operation to the model and to the real CustomerAccount and demands the same outcome and numbers.
 *
 * What the model takes from the object instead of recomputing: the engine's per-line evaluation (pointsPaid,
 * pointsEarned) of an accepted order — the engine has its own tests; the model checks its totals.
 */

export const MINUTE = 60_000;
export const DAY = 86_400_000;
/** The simulated program (simulation.ts): 1 point = 1.00, at most 30% paid with points, earn 10%. */
export const POINT_VALUE = 100;
export const MAX_SHARE_BPS = 3000;
export const FIRST_ORDER_BONUS = 50;

export type CouponState = "active" | "held" | "used" | "expired";

/** A reward coupon: its code comes from the object's answer (it is random); everything else is the model's. */
export interface ModelCoupon {
  code: string;
  rewardId: string;
  cost: number;
  expiresAt: number;
  state: CouponState;
  /** The order holding (held) or having used (used) it. */
  orderId: string | null;
  /** Expiry, in days, of the points its refund gives back (the program's `points.expiryDays` at issue). */
  refundExpiryDays: number | null;
}

export interface Lot {
  id: number;
  pendingUntil: number;
  expiresAt: number | null;
  remaining: number;
  /** The "available" instant has been processed. */
  noted: boolean;
  /** The expiry has been processed. */
  expired: boolean;
}

export interface ModelLine {
  id: string;
  qty: number;
  earned: number;
  spent: number;
  paid: number;
  returned: number;
}

export type Status = "pending" | "confirmed" | "cancelled" | "lapsed";

export interface ModelOrder {
  orderId: string;
  status: Status;
  holdPoints: number;
  holdEnd: number;
  pendingDays: number;
  expiryDays: number | null;
  lines: ModelLine[];
  /** Receipt-level bonus: earned − Σ lines' earned, taken back with the last unit. */
  bonus: number;
  earned: number;
  paid: number;
  lotId: number | null;
  confirmedAt: number | null;
  /** lot id → points this order spent from it and how many went back. */
  spends: Map<number, { points: number; givenBack: number }>;
  takenBack: number;
  givenBack: number;
  amountBack: number;
  /** Every status this order has had, in order: a hold ends exactly once. */
  history: Status[];
  /** The coupons it was placed with (kept whatever became of them). */
  coupons: string[];
  /** The program it was placed under: its variant and epoch (campaigns.ts). */
  variant: number;
  epoch: number;
  /** The limited campaigns (campaigns.ts) its evaluation applied, with the discount each gave. */
  limited: { campaignId: string; discount: number }[];
}

export interface Counters {
  issued: number;
  spent: number;
  expired: number;
  takenBack: number;
  givenBack: number;
  /** Adjustments and bonuses of adjust requests. */
  adjusted: number;
  /** Event bonuses (review, rating, birthday, custom). */
  events: number;
  /** Rewards bought: their cost. */
  rewardsSpent: number;
  /** Coupons that expired unused: their cost, given back. */
  rewardsRefunded: number;
}

/** One customer's ledger. Every method takes the caller's `now` and first catches up to it (`advance`). */
export class LedgerModel {
  lots: Lot[] = [];
  debt = 0;
  orders = new Map<string, ModelOrder>();
  /** Orders counted for the engine (confirmed minus cancelled after confirmation). */
  orderCount = 0;
  counters: Counters = { issued: 0, spent: 0, expired: 0, takenBack: 0, givenBack: 0, adjusted: 0, events: 0, rewardsSpent: 0, rewardsRefunded: 0 };
  /** How often the rarer rules fired (the simulation reports them, to show the streams reach them). */
  events = {
    carried: 0, intoDebt: 0, shortfallIntoDebt: 0, expiredOnReturn: 0, refundLots: 0,
    couponsHeld: 0, couponsExpired: 0, couponsReleased: 0, couponsExpiredOnRelease: 0, couponsUsed: 0, birthdays: 0,
  };
  /** code → coupon. */
  coupons = new Map<string, ModelCoupon>();
  /** The profile's birthday (`YYYY-MM-DD`), or null. */
  birthday: string | null = null;
  /** Birthday bonuses granted: the birthday's year → the event id. */
  birthdayYears = new Map<number, string>();
  /** The latest instant at which something fell due (a hold's end, availability, expiry, a coupon) — stale clocks aim at it. */
  lastEventAt = -Infinity;
  private nextLotId = 1;

  // ---- balances -------------------------------------------------------------------------------------------

  isAvailable(lot: Lot, at: number): boolean {
    return lot.remaining > 0 && lot.pendingUntil <= at && (lot.expiresAt === null || lot.expiresAt > at);
  }

  held(now: number): number {
    let held = 0;
    for (const o of this.orders.values()) if (o.status === "pending" && o.holdEnd > now) held += o.holdPoints;
    return held;
  }

  availableInLots(now: number): number {
    return this.lots.reduce((a, l) => a + (this.isAvailable(l, now) ? l.remaining : 0), 0);
  }

  /** Spendable now: Σ available lots − debt − held (negative blocks spending). */
  available(now: number): number {
    return this.availableInLots(now) - this.debt - this.held(now);
  }

  pending(now: number): number {
    return this.lots.reduce((a, l) => a + (l.remaining > 0 && l.pendingUntil > now ? l.remaining : 0), 0);
  }

  total(): number {
    return this.lots.reduce((a, l) => a + l.remaining, 0) - this.debt;
  }

  /** Qualifying spend: money paid on confirmed orders minus what returns and cancels took off. */
  spend(windowStart = -Infinity): number {
    let s = 0;
    for (const o of this.orders.values()) {
      if (o.confirmedAt === null || o.confirmedAt <= windowStart) continue;
      s += o.paid - o.amountBack;
    }
    return s;
  }

  // ---- time -----------------------------------------------------------------------------------------------

  /**
   * The earliest coupon event due by `now`: an active coupon reaching its expiry, or a coupon held by an order
   * whose hold lapsed (released at the lapse). Ties: by code.
   */
  private dueCoupon(now: number): { at: number; coupon: ModelCoupon; kind: "expire" | "release" } | null {
    let next: { at: number; coupon: ModelCoupon; kind: "expire" | "release" } | null = null;
    for (const c of this.coupons.values()) {
      let at: number | null = null;
      let kind: "expire" | "release" = "expire";
      if (c.state === "active" && c.expiresAt <= now) at = c.expiresAt;
      else if (c.state === "held" && this.orders.get(c.orderId!)?.status === "lapsed") {
        at = this.orders.get(c.orderId!)!.holdEnd;
        kind = "release";
      }
      if (at !== null && (!next || at < next.at || (at === next.at && c.code < next.coupon.code))) next = { at, coupon: c, kind };
    }
    return next;
  }

  /** A coupon expires unused at `at`: its cost comes back as a lot available at once. */
  private expireCoupon(coupon: ModelCoupon, at: number): void {
    coupon.state = "expired";
    coupon.orderId = null;
    this.newLot(coupon.cost, at, coupon.refundExpiryDays === null ? null : at + coupon.refundExpiryDays * DAY, at);
    this.settleDebt(at);
    this.counters.rewardsRefunded += coupon.cost;
    this.events.couponsExpired++;
  }

  /** An order lets a coupon go at `at`: usable again, or — past its expiry by then — expired with its cost back. */
  releaseCoupon(coupon: ModelCoupon, at: number): void {
    this.events.couponsReleased++;
    if (coupon.expiresAt <= at) {
      this.events.couponsExpiredOnRelease++;
      this.expireCoupon(coupon, at);
    } else {
      coupon.state = "active";
      coupon.orderId = null;
    }
  }

  /** Holds end, lots turn available and expire, coupons expire or are let go — each at its own instant, in time order. */
  advance(now: number): void {
    for (const o of this.orders.values()) {
      if (o.status === "pending" && o.holdEnd <= now) {
        this.setStatus(o, "lapsed");
        this.lastEventAt = Math.max(this.lastEventAt, o.holdEnd);
      }
    }
    for (;;) {
      let next: { at: number; rank: number; lot: Lot } | null = null;
      for (const lot of this.lots) {
        const candidates: [number, number][] = [];
        if (!lot.noted && lot.pendingUntil <= now) candidates.push([lot.pendingUntil, 0]);
        if (!lot.expired && lot.expiresAt !== null && lot.expiresAt <= now) candidates.push([lot.expiresAt, 1]);
        for (const [at, rank] of candidates) {
          if (!next || at < next.at || (at === next.at && (rank < next.rank || (rank === next.rank && lot.id < next.lot.id)))) {
            next = { at, rank, lot };
          }
        }
      }
      // At the same instant lots go first: a coupon's refund is a new lot and never changes what was due before it.
      const coupon = this.dueCoupon(now);
      if (coupon && (!next || coupon.at < next.at)) {
        this.lastEventAt = Math.max(this.lastEventAt, coupon.at);
        if (coupon.kind === "expire") this.expireCoupon(coupon.coupon, coupon.at);
        else this.releaseCoupon(coupon.coupon, coupon.at);
        continue;
      }
      if (!next) return;
      this.lastEventAt = Math.max(this.lastEventAt, next.at);
      if (next.rank === 0) {
        next.lot.noted = true;
        this.settleDebt(next.at);
      } else {
        this.expire(next.lot, next.at);
      }
    }
  }

  /**
   * A lot's expiry. Points that holds in force at that instant still need beyond the other available lots
   * move to a new lot expiring when the last of those holds ends; the rest expire.
   */
  private expire(lot: Lot, at: number): void {
    lot.expired = true;
    const remaining = lot.remaining;
    lot.remaining = 0;
    if (remaining === 0) return;
    let held = 0;
    let until = -Infinity;
    for (const o of this.orders.values()) {
      if ((o.status === "pending" || o.status === "lapsed") && o.holdEnd > at && o.holdPoints > 0) {
        held += o.holdPoints;
        until = Math.max(until, o.holdEnd);
      }
    }
    const others = this.lots.reduce((a, l) => a + (l !== lot && this.isAvailable(l, at) ? l.remaining : 0), 0);
    const keep = Math.min(remaining, Math.max(0, held - others));
    if (keep > 0) {
      this.newLot(keep, at, until, at);
      this.events.carried++;
    }
    this.counters.expired += remaining - keep;
  }

  /** The next instant something is due (a hold ends, points turn available or expire, a coupon expires), or null. */
  nextDue(): number | null {
    const times: number[] = [];
    for (const c of this.coupons.values()) if (c.state === "active") times.push(c.expiresAt);
    for (const o of this.orders.values()) if (o.status === "pending") times.push(o.holdEnd);
    for (const l of this.lots) {
      if (!l.noted) times.push(l.pendingUntil);
      if (!l.expired && l.remaining > 0 && l.expiresAt !== null) times.push(l.expiresAt);
    }
    return times.length ? Math.min(...times) : null;
  }

  // ---- lots -----------------------------------------------------------------------------------------------

  /** Lots in spending order at `at`: soonest expiry first, never-expiring last, then oldest. */
  private spendable(at: number): Lot[] {
    return this.lots
      .filter((l) => this.isAvailable(l, at))
      .sort((a, b) => {
        if (a.expiresAt !== b.expiresAt) {
          if (a.expiresAt === null) return 1;
          if (b.expiresAt === null) return -1;
          return a.expiresAt - b.expiresAt;
        }
        return a.id - b.id;
      });
  }

  newLot(points: number, pendingUntil: number, expiresAt: number | null, now: number): Lot {
    const lot: Lot = { id: this.nextLotId++, pendingUntil, expiresAt, remaining: points, noted: pendingUntil <= now, expired: false };
    this.lots.push(lot);
    return lot;
  }

  /** Debt is paid from available points, soonest-expiring first. */
  settleDebt(at: number): void {
    for (const lot of this.spendable(at)) {
      if (this.debt === 0) return;
      const take = Math.min(lot.remaining, this.debt);
      lot.remaining -= take;
      this.debt -= take;
    }
  }

  /** Takes up to `points` from the available lots; returns how many it found. */
  private takeFromAvailable(points: number, now: number, order?: ModelOrder): number {
    let left = points;
    for (const lot of this.spendable(now)) {
      if (left === 0) break;
      const take = Math.min(lot.remaining, left);
      lot.remaining -= take;
      left -= take;
      if (order) order.spends.set(lot.id, { points: take, givenBack: 0 });
    }
    return points - left;
  }

  /** Earned points back: the order's own lot first, then available lots; the rest is debt. */
  private takeBack(order: ModelOrder, points: number, now: number): void {
    let left = points;
    const own = order.lotId === null ? undefined : this.lots.find((l) => l.id === order.lotId);
    if (own && own.remaining > 0) {
      const take = Math.min(own.remaining, left);
      own.remaining -= take;
      left -= take;
    }
    left -= this.takeFromAvailable(left, now);
    this.debt += left;
    if (left > 0) this.events.intoDebt++;
    this.counters.takenBack += points;
  }

  /**
   * Spent points back to the lots they came from, latest-expiring first, keeping their expiry (an expired lot
   * lets them expire at once); points that had gone into debt lower the debt; anything else is a new lot.
   */
  private giveBack(order: ModelOrder, points: number, now: number): void {
    let left = points;
    const spends = [...order.spends.entries()]
      .map(([lotId, s]) => ({ lot: this.lots.find((l) => l.id === lotId)!, s }))
      .sort((a, b) => {
        if (a.lot.expiresAt !== b.lot.expiresAt) {
          if (a.lot.expiresAt === null) return -1;
          if (b.lot.expiresAt === null) return 1;
          return b.lot.expiresAt - a.lot.expiresAt;
        }
        return b.lot.id - a.lot.id;
      });
    for (const { lot, s } of spends) {
      if (left === 0) break;
      const give = Math.min(s.points - s.givenBack, left);
      if (give <= 0) continue;
      s.givenBack += give;
      left -= give;
      // Expired by the clock, or already by advance() (a call whose clock reads a little behind the alarm's).
      if (lot.expired || (lot.expiresAt !== null && lot.expiresAt <= now)) {
        this.counters.expired += give;
        this.events.expiredOnReturn++;
      } else lot.remaining += give;
    }
    const fromDebt = Math.min(this.debt, left);
    this.debt -= fromDebt;
    left -= fromDebt;
    if (left > 0) {
      this.newLot(left, now, order.expiryDays === null ? null : now + order.expiryDays * DAY, now);
      this.events.refundLots++;
    }
    this.settleDebt(now);
    this.counters.givenBack += points;
  }

  /** This customer's uses of a campaign at `now` (`limits.perCustomer`): confirmed orders and holds in force. */
  campaignUses(campaignId: string, now: number): number {
    let n = 0;
    for (const o of this.orders.values()) {
      if (!o.limited.some((c) => c.campaignId === campaignId)) continue;
      if (o.status === "confirmed" || (o.status === "pending" && o.holdEnd > now)) n++;
    }
    return n;
  }

  // ---- operations (after advance(now); the caller decides refusals first) ----------------------------------

  setStatus(order: ModelOrder, status: Status): void {
    order.status = status;
    order.history.push(status);
  }

  confirm(order: ModelOrder, now: number): void {
    if (order.holdPoints > 0) {
      const found = this.takeFromAvailable(order.holdPoints, now, order);
      this.debt += order.holdPoints - found;
      if (found < order.holdPoints) this.events.shortfallIntoDebt++;
    }
    this.counters.spent += order.holdPoints;
    if (order.earned > 0) {
      const pendingUntil = now + order.pendingDays * DAY;
      const lot = this.newLot(order.earned, pendingUntil, order.expiryDays === null ? null : pendingUntil + order.expiryDays * DAY, now);
      order.lotId = lot.id;
      this.settleDebt(now);
    }
    this.counters.issued += order.earned;
    this.orderCount += 1;
    order.confirmedAt = now;
    for (const code of order.coupons) {
      const coupon = this.coupons.get(code)!;
      coupon.state = "used";
      coupon.orderId = order.orderId;
      this.events.couponsUsed++;
    }
    this.setStatus(order, "confirmed");
  }

  /** The coupons of a lapsed order that are gone (another order holds or used one, or it expired): confirm refuses. */
  couponsGone(order: ModelOrder): boolean {
    return order.coupons.some((code) => {
      const c = this.coupons.get(code)!;
      return !(c.state === "active" || (c.state === "held" && c.orderId === order.orderId));
    });
  }

  cancel(order: ModelOrder, now: number): void {
    if (order.status === "confirmed") {
      const given = order.lines.reduce((a, l) => a + l.spent, 0) - order.givenBack;
      const taken = order.earned - order.takenBack;
      if (given > 0) this.giveBack(order, given, now);
      if (taken > 0) this.takeBack(order, taken, now);
      order.givenBack += given;
      order.takenBack += taken;
      order.amountBack = order.paid;
      this.orderCount -= 1;
    }
    for (const code of order.coupons) {
      const coupon = this.coupons.get(code)!;
      if (coupon.orderId === order.orderId && (coupon.state === "held" || coupon.state === "used")) this.releaseCoupon(coupon, now);
    }
    this.setStatus(order, "cancelled");
  }

  /** Units of lines back; answers the return's numbers. The caller has checked the lines. */
  returnUnits(order: ModelOrder, units: { id: string; qty: number }[], now: number) {
    const share = (value: number, done: number, qty: number, total: number) =>
      Math.floor((value * (done + qty)) / total) - Math.floor((value * done) / total);
    const lines = units.map(({ id, qty }) => {
      const line = order.lines.find((l) => l.id === id)!;
      const out = {
        id, qty,
        pointsTakenBack: share(line.earned, line.returned, qty, line.qty),
        pointsGivenBack: share(line.spent, line.returned, qty, line.qty),
        amount: share(line.paid, line.returned, qty, line.qty),
      };
      line.returned += qty;
      return out;
    });
    const allBack = order.lines.every((l) => l.returned === l.qty);
    const taken = lines.reduce((a, l) => a + l.pointsTakenBack, 0) + (allBack ? order.bonus : 0);
    const given = lines.reduce((a, l) => a + l.pointsGivenBack, 0);
    const amount = lines.reduce((a, l) => a + l.amount, 0);
    if (given > 0) this.giveBack(order, given, now);
    if (taken > 0) this.takeBack(order, taken, now);
    order.takenBack += taken;
    order.givenBack += given;
    order.amountBack += amount;
    return { lines, pointsTakenBack: taken, pointsGivenBack: given, amount };
  }

  /** A manual adjustment or a bonus: positive → a lot available now; negative → taken from available lots. */
  adjust(points: number, expiryDays: number | null, now: number): void {
    if (points > 0) {
      this.newLot(points, now, expiryDays === null ? null : now + expiryDays * DAY, now);
      this.settleDebt(now);
    } else {
      this.takeFromAvailable(-points, now);
    }
    this.counters.adjusted += points;
  }

  /** An event's bonus: a lot available now, expiring `expiryDays` from now (never: null). */
  grantEvent(points: number, expiryDays: number | null, now: number): void {
    this.newLot(points, now, expiryDays === null ? null : now + expiryDays * DAY, now);
    this.settleDebt(now);
    this.counters.events += points;
  }

  /** A reward bought: its cost from the available lots (soonest-expiring first), a coupon issued. */
  redeem(coupon: ModelCoupon, now: number): void {
    this.takeFromAvailable(coupon.cost, now);
    this.coupons.set(coupon.code, coupon);
    this.counters.rewardsSpent += coupon.cost;
  }

  /** The counters as the entries add them up: adjustments, bonuses, rewards and refunds are one column there. */
  entrySums() {
    const { issued, spent, expired, takenBack, givenBack, adjusted, events, rewardsSpent, rewardsRefunded } = this.counters;
    return { counted: this.total(), issued, spent, expired, takenBack, givenBack, adjusted: adjusted + events - rewardsSpent + rewardsRefunded };
  }
}

/** Splits `total` over `weights` pro rata: floors, then one more to the largest remainders (ties: first). */
export function allocate(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, w) => a + w, 0);
  if (sum === 0) return weights.map(() => 0);
  const parts = weights.map((w) => Math.floor((total * w) / sum));
  let left = total - parts.reduce((a, p) => a + p, 0);
  const order = weights.map((w, i) => ({ i, r: (total * w) % sum })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left-- <= 0) break;
    parts[i]! += 1;
  }
  return parts;
}

/** Points the engine may spend on a subtotal with a balance: at most 30% of the money, at most the balance. */
export function redeemable(subtotal: number, balance: number): number {
  const capMoney = Math.floor((subtotal * MAX_SHARE_BPS) / 10_000);
  return Math.min(Math.max(balance, 0), Math.floor(capMoney / POINT_VALUE));
}
