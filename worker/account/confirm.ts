/**
 * Confirming an order (worker/README.md "Placing and settling an order"). A pending order's campaign uses are
 * reserved at their counters already; the Worker commits them after the account confirms. A lapsed order gave
 * its reservations back when its hold lapsed, and another order may have taken them since: before a lapsed order
 * is confirmed, the account takes its limited campaigns' uses again (inside its lock, like placing) and checks
 * its own `perCustomer` uses. A campaign that no longer has the use refuses the confirmation with 422
 * `hold_expired` naming it (`path: "campaigns.<id>"`), exactly as lapsed points and coupons do, and nothing
 * changes: the shop places the order again and gets a fresh evaluation.
 */
import type { Program } from "../../engine/host/types.ts";
import { campaignCounter } from "../counters/counter.ts";
import { releaseReservations } from "../counters/reservations.ts";
import { selectOrder } from "./order-sql.ts";
import { confirmOrder } from "./orders.ts";
import { programOf } from "./place.ts";
import { refuse } from "../lib/refusal.ts";
import type { LimitedCampaign, OrderView, QuotedEvaluation } from "./types.ts";
import { snapshotOf } from "./views.ts";

/**
 * How long a late confirmation's fresh reservation holds before it is committed: only the time between taking it
 * and the Worker's commit (a crash in between gives it back by itself).
 */
export const RECONFIRM_HOLD_MS = 10 * 60_000;

const limitsOf = (program: Program, campaignId: string) => program.campaigns?.find((c) => c.id === campaignId)?.limits ?? {};

/** Confirms the order; a lapsed one only if its campaigns still have its uses (see above). */
export async function confirmReserving(
  storage: DurableObjectStorage, env: Env, shopId: string, orderId: string, now: number, after: (sql: SqlStorage, at: number) => void = () => {},
): Promise<OrderView> {
  // `after` runs in the confirmation's transaction (the account re-evaluates the tier there).
  const confirm = () => storage.transactionSync(() => {
    const view = confirmOrder(storage.sql, orderId, now);
    after(storage.sql, now);
    return view;
  });
  const order = selectOrder(storage.sql, orderId);
  if (order?.status !== "lapsed") return confirm(); // pending, or refused or replayed by confirmOrder itself
  const evaluation = JSON.parse(order.evaluation) as QuotedEvaluation;
  const campaigns = evaluation.campaigns.map((c) => c.id).filter((id) => !id.startsWith("tier:"));
  if (campaigns.length === 0) return confirm();
  const program = await programOf(env, { shopId, programVersion: order.programVersion });

  // Per customer: the recorded uses plus those of holds in force (the snapshot's), this lapsed order not among them.
  const uses = snapshotOf(storage.sql, now, undefined).campaignUses ?? {};
  for (const id of campaigns) {
    const perCustomer = limitsOf(program, id).perCustomer;
    if (perCustomer !== undefined && (uses[id] ?? 0) + 1 > perCustomer) refuseLapsed(orderId, id, "this customer's uses");
  }

  // Shop-wide: take the uses again; all or none.
  const limited = JSON.parse(order.limitedCampaigns) as LimitedCampaign[];
  const expiresAt = now + RECONFIRM_HOLD_MS;
  const outcomes = await Promise.all(limited.map((c) => campaignCounter(env, shopId, c.campaignId).reserve({
    orderId, uses: 1, budget: c.discount, limits: limitsOf(program, c.campaignId), expiresAt, now,
  })));
  const granted = limited.filter((_, i) => outcomes[i]!.granted).map((c) => c.campaignId);
  const denied = limited.find((_, i) => !outcomes[i]!.granted);
  if (denied) {
    await releaseReservations(env, shopId, orderId, granted, now);
    refuseLapsed(orderId, denied.campaignId, "the campaign's shop-wide limits");
  }
  try {
    return confirm();
  } catch (e) {
    await releaseReservations(env, shopId, orderId, granted, now);
    throw e;
  }
}

function refuseLapsed(orderId: string, campaignId: string, what: string): never {
  refuse("hold_expired", `The hold of order ${orderId} lapsed and campaign ${campaignId} has no use left in ${what}; place the order again`, {
    path: `campaigns.${campaignId}`,
  });
}
