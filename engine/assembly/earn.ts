// Earning (docs/program.md, evaluation step 5): exact rational points per line, floored once for the receipt,
// whole points given back to lines by largest remainder; or the `step` rule.
import { allocate, giveLeftover, remainders } from "./allocation";
import { mul128, mulHigh, div128, divRemainder } from "./math";
import { earnRateBps, earnOnPointsPaid, pointValue, stepEvery, stepPoints, TAG_NO_EARN } from "./program";
import { lineCount, remaining, pointsPaid, pointsEarned, multiplier, lineFlags, MAX_LINES, MAX_POINTS } from "./receipt";

const earning = new StaticArray<i32>(MAX_LINES);
const earnable = new StaticArray<i64>(MAX_LINES);
const numeratorHigh = new StaticArray<u64>(MAX_LINES);
const numeratorLow = new StaticArray<u64>(MAX_LINES);

/** Points earned by the lines (without bonus points); -1 if beyond the representable range. */
export function earn(tierRateBps: i64): i64 {
  let n = 0;
  for (let i = 0; i < lineCount; i++) {
    unchecked((pointsEarned[i] = 0));
    if (unchecked(lineFlags[i]) & TAG_NO_EARN) continue;
    const base = unchecked(remaining[i]) - (earnOnPointsPaid ? 0 : unchecked(pointsPaid[i]));
    if (base <= 0) continue;
    unchecked((earnable[i] = base));
    unchecked((earning[n++] = i));
  }
  if (n == 0) return 0;
  return stepEvery > 0 ? earnByStep(n) : earnByRate(n, tierRateBps >= 0 ? tierRateBps : earnRateBps);
}

function earnByRate(n: i32, rateBps: i64): i64 {
  // points_i = earnable × rate × multiplier / (10^8 × value): numerators up to ~10^23, kept in 128 bits.
  const denominator = <u64>100_000_000 * <u64>pointValue;
  let sumHigh: u64 = 0;
  let sumLow: u64 = 0;
  for (let s = 0; s < n; s++) {
    const line = unchecked(earning[s]);
    const a = <u64>(unchecked(earnable[line]) * rateBps);
    const m = <u64>unchecked(multiplier[line]);
    let low: u64;
    let high: u64 = 0;
    if ((a >> 32) == 0) {
      low = a * m; // m ≤ 10^6 < 2^32: the product fits 64 bits
    } else {
      low = mul128(a, m);
      high = mulHigh;
    }
    unchecked((numeratorHigh[s] = high));
    unchecked((numeratorLow[s] = low));
    const sum = sumLow + low;
    sumHigh += high + (sum < sumLow ? 1 : 0);
    sumLow = sum;
  }
  const total = <i64>div128(sumHigh, sumLow, denominator);
  let given: i64 = 0;
  for (let s = 0; s < n; s++) {
    const share = <i64>div128(unchecked(numeratorHigh[s]), unchecked(numeratorLow[s]), denominator);
    unchecked((remainders[s] = divRemainder));
    unchecked((pointsEarned[earning[s]] = share));
    given += share;
  }
  giveLeftover(total - given, earning, n, pointsEarned, denominator);
  return total;
}

function earnByStep(n: i32): i64 {
  // Σ earnable × multiplier ≤ 10^13 × 10^6 fits 64 bits unsigned.
  let weighted: u64 = 0;
  for (let s = 0; s < n; s++) {
    const line = unchecked(earning[s]);
    const w = <u64>unchecked(earnable[line]) * <u64>unchecked(multiplier[line]);
    unchecked((earnable[line] = <i64>w)); // bit pattern kept: allocate() reads weights as u64
    weighted += w;
  }
  const steps = weighted / (<u64>10000 * <u64>stepEvery);
  const low = mul128(steps, <u64>stepPoints);
  if (mulHigh != 0 || low > <u64>MAX_POINTS) return -1;
  const total = <i64>low;
  allocate(total, earnable, earning, n, pointsEarned);
  return total;
}
