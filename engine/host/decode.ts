/**
 * Decodes the engine's flat result (engine/assembly/output.ts) into the evaluation shape of api.md's quote.
 */
import type { CompiledProgram } from "./compile.ts";
import type { CustomerSnapshot, Evaluation, LineEvaluation, Nudge, Receipt } from "./types.ts";

export const HEADER_SIZE = 16;
const NUDGE_TYPES = ["", "tier", "campaign", "freeShipping"] as const;

export function decode(
  out: Float64Array, compiled: CompiledProgram, receipt: Receipt, customer: CustomerSnapshot,
): Evaluation {
  const ref = (r: number) => (r >= 0 ? compiled.campaigns[r]!.id : `tier:${compiled.tierIds[-1 - r]}`);
  const lines: LineEvaluation[] = receipt.lines.map((line, i) => {
    const at = HEADER_SIZE + i * 4;
    return {
      id: line.id, amount: out[at]!, discount: out[at + 1]!, discounts: [], pointsPaid: out[at + 2]!,
      pointsEarned: out[at + 3]!,
    };
  });
  let p = HEADER_SIZE + lines.length * 4;
  for (let k = out[12]!; k > 0; k--, p += 3) {
    lines[out[p]!]!.discounts.push({ campaign: ref(out[p + 1]!), amount: out[p + 2]! });
  }
  const campaigns: Evaluation["campaigns"] = [];
  const earned: Evaluation["earned"] = [];
  if (out[15]! > 0) earned.push({ source: "purchase", points: out[15]! });
  for (let k = out[13]!; k > 0; k--, p += 3) {
    const id = ref(out[p]!);
    const points = out[p + 2]!;
    campaigns.push({ id, discount: out[p + 1]!, points });
    if (points > 0) earned.push({ source: id, points });
  }
  const nudges: Nudge[] = [];
  for (let k = out[14]!; k > 0; k--, p += 4) {
    const type = NUDGE_TYPES[out[p]!]!;
    if (type === "tier") nudges.push({ type, tier: compiled.tierIds[out[p + 1]!]!, amountLeft: out[p + 2]! });
    else if (type) nudges.push({ type, campaign: ref(out[p + 1]!), amountLeft: out[p + 2]!, qtyLeft: out[p + 3]! });
  }
  const tier = out[11]!;
  return {
    subtotal: out[2]!,
    discount: out[3]!,
    pointsSpent: out[4]!,
    pointsSpentAmount: out[5]!,
    maxRedeemablePoints: out[6]!,
    shipping: out[7]!,
    total: out[8]!,
    pointsEarned: out[9]!,
    freeShipping: out[10] === 1,
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
