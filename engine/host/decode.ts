/**
 * Decodes the engine's flat result (engine/assembly/output.ts, layout in engine/layout.ts) into the evaluation
 * shape of docs/api.md's quote.
 */
import {
  APPLIED_DISCOUNT, APPLIED_POINTS, APPLIED_REF, APPLIED_SLOTS, ENTRY_AMOUNT, ENTRY_LINE, ENTRY_REF, ENTRY_SLOTS,
  LINE_AMOUNT, LINE_DISCOUNT, LINE_POINTS_EARNED, LINE_POINTS_PAID, LINE_SLOTS, NUDGE_AMOUNT_LEFT, NUDGE_CAMPAIGN,
  NUDGE_FREE_SHIPPING, NUDGE_QTY_LEFT, NUDGE_REF, NUDGE_SLOTS, NUDGE_TIER, NUDGE_TYPE, RESULT_APPLIED_COUNT,
  RESULT_DISCOUNT, RESULT_ENTRY_COUNT, RESULT_FREE_SHIPPING, RESULT_HEADER_SLOTS, RESULT_MAX_REDEEMABLE,
  RESULT_NUDGE_COUNT, RESULT_POINTS_EARNED, RESULT_POINTS_SPENT, RESULT_POINTS_SPENT_AMOUNT, RESULT_PURCHASE_POINTS,
  RESULT_SHIPPING, RESULT_SUBTOTAL, RESULT_TIER, RESULT_TOTAL,
} from "../layout.ts";
import type { CompiledProgram } from "./compile.ts";
import type { CustomerSnapshot, Evaluation, LineEvaluation, Nudge, Receipt } from "./types.ts";

// A type the engine does not know decodes to no nudge, as the empty name of type 0 always did.
const NUDGE_TYPES: Partial<Record<number, Nudge["type"]>> = {
  [NUDGE_TIER]: "tier", [NUDGE_CAMPAIGN]: "campaign", [NUDGE_FREE_SHIPPING]: "freeShipping",
};

export function decode(
  out: Float64Array, compiled: CompiledProgram, receipt: Receipt, customer: CustomerSnapshot,
): Evaluation {
  const ref = (r: number) => (r >= 0 ? compiled.campaigns[r]!.id : `tier:${compiled.tierIds[-1 - r]}`);
  const lines: LineEvaluation[] = receipt.lines.map((line, i) => {
    const at = RESULT_HEADER_SLOTS + i * LINE_SLOTS;
    return {
      id: line.id, amount: out[at + LINE_AMOUNT]!, discount: out[at + LINE_DISCOUNT]!, discounts: [],
      pointsPaid: out[at + LINE_POINTS_PAID]!, pointsEarned: out[at + LINE_POINTS_EARNED]!,
    };
  });
  let p = RESULT_HEADER_SLOTS + lines.length * LINE_SLOTS;
  for (let k = out[RESULT_ENTRY_COUNT]!; k > 0; k--, p += ENTRY_SLOTS) {
    lines[out[p + ENTRY_LINE]!]!.discounts.push({ campaign: ref(out[p + ENTRY_REF]!), amount: out[p + ENTRY_AMOUNT]! });
  }
  const campaigns: Evaluation["campaigns"] = [];
  const earned: Evaluation["earned"] = [];
  const purchasePoints = out[RESULT_PURCHASE_POINTS]!;
  if (purchasePoints > 0) earned.push({ source: "purchase", points: purchasePoints });
  for (let k = out[RESULT_APPLIED_COUNT]!; k > 0; k--, p += APPLIED_SLOTS) {
    const id = ref(out[p + APPLIED_REF]!);
    const points = out[p + APPLIED_POINTS]!;
    campaigns.push({ id, discount: out[p + APPLIED_DISCOUNT]!, points });
    if (points > 0) earned.push({ source: id, points });
  }
  const nudges: Nudge[] = [];
  for (let k = out[RESULT_NUDGE_COUNT]!; k > 0; k--, p += NUDGE_SLOTS) {
    const type = NUDGE_TYPES[out[p + NUDGE_TYPE]!];
    const amountLeft = out[p + NUDGE_AMOUNT_LEFT]!;
    if (type === "tier") nudges.push({ type, tier: compiled.tierIds[out[p + NUDGE_REF]!]!, amountLeft });
    else if (type) nudges.push({ type, campaign: ref(out[p + NUDGE_REF]!), amountLeft, qtyLeft: out[p + NUDGE_QTY_LEFT]! });
  }
  const tier = out[RESULT_TIER]!;
  return {
    subtotal: out[RESULT_SUBTOTAL]!,
    discount: out[RESULT_DISCOUNT]!,
    pointsSpent: out[RESULT_POINTS_SPENT]!,
    pointsSpentAmount: out[RESULT_POINTS_SPENT_AMOUNT]!,
    maxRedeemablePoints: out[RESULT_MAX_REDEEMABLE]!,
    shipping: out[RESULT_SHIPPING]!,
    total: out[RESULT_TOTAL]!,
    pointsEarned: out[RESULT_POINTS_EARNED]!,
    freeShipping: out[RESULT_FREE_SHIPPING] === 1,
    lines,
    campaigns,
    earned,
    nudges,
    customer: {
      id: receipt.customerId ?? null,
      tier: tier >= 0 ? compiled.tierIds[tier]! : null,
      balance: customer.balance ?? 0,
    },
  };
}
