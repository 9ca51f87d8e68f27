/**
 * Read models of the account: the engine's customer snapshot, the order as the API shows it, the account
 * (GET /v1/customers/{id}), coupons and the history. Reads only; the caller has already run `advance(now)`.
 */
import { iso } from "../lib/clock.ts";
import { isBirthdayInRange } from "../../engine/host/calendar.ts";
import type { CustomerSnapshot } from "../../engine/host/types.ts";
import { selectEntries, selectSnapshot, selectStats, sumSpendSince, type EntryRow } from "./account-sql.ts";
import {
  selectProfile,
  selectReturns,
  type OrderRow,
  type ReturnRow,
  type ProfileRow,
} from "./order-sql.ts";
import { balances, DAY, expiring } from "./ledger.ts";
import { selectCoupons, type CouponRow } from "./coupon-sql.ts";
import type {
  AccountView,
  CouponView,
  HistoryItem,
  HistoryPage,
  LimitedCampaign,
  OrderView,
  ProfileView,
  QuotedEvaluation,
  ReturnLineView,
  TierProgram,
} from "./types.ts";

/** How far ahead `expiring` looks. */
export const EXPIRING_HORIZON_DAYS = 30;
/** The engine accepts at most this many bought skus / categories. */
const MAX_BOUGHT = 10_000;

export { iso };
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

/** Qualifying spend for tiers: lifetime, or within the program's rolling window ending at `now`. */
export function tierSpend(sql: SqlStorage, now: number, program: TierProgram | undefined): number {
  const windowDays = program?.tiers?.windowDays;
  if (windowDays === null || windowDays === undefined) return selectStats(sql).spend;
  return Math.max(0, sumSpendSince(sql, now - windowDays * DAY));
}

/** The tier a spend reaches (highest level whose `from` ≤ spend) and the next one. */
export function tierOf(spend: number, program: TierProgram | undefined): Pick<AccountView, "tier" | "nextTier"> {
  const levels = program?.tiers?.levels ?? [];
  let tier: string | null = null;
  for (const level of levels) if (level.from <= spend) tier = level.id;
  const next = levels.find((level) => level.from > spend);
  return { tier, nextTier: next ? { id: next.id, amountLeft: next.from - spend } : null };
}

/**
 * What the engine needs to know about this customer at `now`. Campaign uses include those claimed by orders
 * still holding, so `perCustomer` limits hold across concurrent carts. One statement (`selectSnapshot`).
 */
export function snapshotOf(sql: SqlStorage, now: number, program: TierProgram | undefined): CustomerSnapshot {
  const windowDays = program?.tiers?.windowDays;
  const windowed = windowDays !== null && windowDays !== undefined;
  const row = selectSnapshot(sql, now, windowed ? now - windowDays * DAY : null, MAX_BOUGHT);
  const uses = new Map(Object.entries(JSON.parse(row.uses ?? "{}") as Record<string, number>));
  for (const id of JSON.parse(row.heldCampaigns) as string[]) {
    if (!id.startsWith("tier:")) uses.set(id, (uses.get(id) ?? 0) + 1);
  }
  // A plain object (RPC cannot clone null-prototype ones); fromEntries defines even "__proto__" as an own key.
  const campaignUses = Object.fromEntries(uses);
  const snapshot: CustomerSnapshot = {
    balance: row.lotsAvailable - row.debt - row.held,
    spend: windowed ? Math.max(0, row.spend) : row.spend,
    orders: row.orders,
    boughtSkus: JSON.parse(row.skus) as string[],
    boughtCategories: JSON.parse(row.categories) as string[],
    campaignUses,
    member: row.member === 1,
  };
  // A birthday stored before the edge bounded it (DATE_LIMITS) is unknown to the engine, never an error.
  if (isBirthdayInRange(row.birthday, now)) snapshot.birthday = row.birthday;
  return snapshot;
}

/** The order as the API shows it; `returns`: its returns when the caller knows them already (else read). */
export function orderView(sql: SqlStorage, order: OrderRow, returns: readonly ReturnRow[] = selectReturns(sql, order.orderId)): OrderView {
  return {
    orderId: order.orderId,
    status: order.status,
    evaluation: JSON.parse(order.evaluation) as QuotedEvaluation,
    holdExpiresAt: iso(order.holdExpiresAt),
    placedAt: iso(order.placedAt),
    confirmedAt: isoOrNull(order.confirmedAt),
    cancelledAt: isoOrNull(order.cancelledAt),
    limitedCampaigns: JSON.parse(order.limitedCampaigns) as LimitedCampaign[],
    returns: returns.map((r) => ({
      returnId: r.returnId,
      orderId: r.orderId,
      at: iso(r.at),
      lines: JSON.parse(r.lines) as ReturnLineView[],
      pointsTakenBack: r.pointsTakenBack,
      pointsGivenBack: r.pointsGivenBack,
      amount: r.amount,
    })),
  };
}

export function profileView(profile: ProfileRow): ProfileView {
  return {
    id: profile.customerId,
    name: profile.name,
    phone: profile.phone,
    email: profile.email,
    birthday: profile.birthday,
    referralCode: profile.referralCode,
    createdAt: iso(profile.createdAt),
    registeredAt: isoOrNull(profile.registeredAt),
  };
}

export function accountView(sql: SqlStorage, now: number, program: TierProgram | undefined, fallbackId: string | null): AccountView {
  const profile = selectProfile(sql);
  const b = balances(sql, now);
  const spend = tierSpend(sql, now, program);
  return {
    id: profile?.customerId ?? fallbackId,
    name: profile?.name ?? null,
    member: profile?.registeredAt != null,
    balance: b.available,
    pending: b.pending,
    held: b.held,
    ...tierOf(spend, program),
    expiring: expiring(sql, now, now + EXPIRING_HORIZON_DAYS * DAY).map((e) => ({ points: e.points, at: iso(e.at) })),
    referralCode: profile?.referralCode ?? null,
    orders: selectStats(sql).orders,
    spend,
    coupons: selectCoupons(sql, ["active", "held"]).map(couponView),
  };
}

export function couponView(c: CouponRow): CouponView {
  return {
    code: c.code,
    rewardId: c.rewardId,
    name: c.rewardName,
    cost: c.cost,
    state: c.state,
    issuedAt: iso(c.issuedAt),
    expiresAt: iso(c.expiresAt),
    orderId: c.orderId,
  };
}

function historyItem(e: EntryRow): HistoryItem {
  return {
    at: iso(e.at),
    type: e.type,
    points: e.points,
    orderId: e.orderId,
    returnId: e.returnId,
    store: e.store,
    amount: e.amount,
    pointsSpent: e.pointsSpent,
    pointsEarned: e.pointsEarned,
    expiresAt: isoOrNull(e.expiresAt),
    reason: e.reason,
  };
}

/** Cursors are opaque to clients: `<at>.<id>` of the last item served. */
function parseCursor(cursor: string | null | undefined): { at: number; id: number } | null | "invalid" {
  if (!cursor) return null;
  const match = /^(-?\d{1,16})\.(\d{1,16})$/.exec(cursor);
  return match ? { at: Number(match[1]), id: Number(match[2]) } : "invalid";
}

export function historyPage(sql: SqlStorage, cursor: string | null | undefined, limit: number): HistoryPage | "invalid" {
  const before = parseCursor(cursor);
  if (before === "invalid") return before;
  const rows = selectEntries(sql, before, limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { items: page.map(historyItem), nextCursor: rows.length > limit && last ? `${last.at}.${last.id}` : null };
}
