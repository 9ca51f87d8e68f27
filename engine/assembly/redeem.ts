// Points payment (docs/program.md, evaluation step 4).
import { allocate } from "./allocation";
import { min64, max64 } from "./math";
import { paused, minOrder, maxShareBps, pointValue, minPoints, TAG_NO_REDEEM } from "./program";
import { lineCount, remaining, pointsPaid, balance, redeemRequest, lineFlags, MAX_LINES } from "./receipt";

export let maxRedeemable: i64 = 0;
export let pointsSpent: i64 = 0;
export let pointsSpentAmount: i64 = 0;

const eligibleLines = new StaticArray<i32>(MAX_LINES);

export function redeem(afterDiscounts: i64): void {
  maxRedeemable = 0;
  pointsSpent = 0;
  pointsSpentAmount = 0;
  if (paused || afterDiscounts < minOrder) {
    for (let i = 0; i < lineCount; i++) unchecked((pointsPaid[i] = 0));
    return;
  }
  let n = 0;
  let eligible: i64 = 0;
  for (let i = 0; i < lineCount; i++) {
    if (unchecked(lineFlags[i]) & TAG_NO_REDEEM) continue;
    unchecked((eligibleLines[n++] = i));
    eligible += unchecked(remaining[i]);
  }
  const cap = (eligible * maxShareBps) / 10000;
  const redeemable = min64(max64(balance, 0), cap / pointValue);
  maxRedeemable = redeemable >= minPoints ? redeemable : 0;
  const wanted = redeemRequest < 0 ? maxRedeemable : min64(redeemRequest, maxRedeemable);
  if (wanted < minPoints) {
    for (let i = 0; i < lineCount; i++) unchecked((pointsPaid[i] = 0));
    return;
  }
  pointsSpent = wanted;
  pointsSpentAmount = wanted * pointValue;
  for (let i = 0; i < lineCount; i++) unchecked((pointsPaid[i] = 0));
  allocate(pointsSpentAmount, remaining, eligibleLines, n, pointsPaid);
}
