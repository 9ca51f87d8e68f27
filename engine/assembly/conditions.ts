// Campaign conditions that depend on the receipt as a whole, the customer and the time (docs/program.md,
// `audience` and `when`). The cart conditions (`minSubtotal`, `minQty`, `boughtTargetBefore`) need the
// target lines and live in evaluate.ts.
import { Campaign } from "./program";
import {
  atMs, weekday, minuteOfDay, localDay, orders, member, hasBirthday, birthdays, codes, codesLength,
  campaignUses, usesLeft, budgetLeft, granted,
} from "./receipt";

function audienceHolds(c: Campaign, tier: i32): bool {
  if (c.hasAudienceTiers) {
    let found = false;
    for (let k = 0; k < c.audienceTiers.length; k++) {
      if (unchecked(c.audienceTiers[k]) == tier) found = true;
    }
    if (!found) return false;
  }
  if (c.members == 1 && !member) return false;
  if (c.members == 0 && member) return false;
  return true;
}

function timeHolds(c: Campaign): bool {
  if (c.hasFrom && atMs < c.fromMs) return false;
  if (c.hasTo && atMs >= c.toMs) return false;
  if (c.weekdayMask != 0 && ((c.weekdayMask >> weekday) & 1) == 0) return false;
  if (c.hoursFrom >= 0) {
    const m = minuteOfDay;
    if (c.hoursFrom < c.hoursTo) {
      if (m < c.hoursFrom || m >= c.hoursTo) return false;
    } else if (m < c.hoursFrom && m >= c.hoursTo) {
      return false; // a window that wraps past midnight: [from, 24:00) ∪ [00:00, to)
    }
  }
  return true;
}

function orderNumberHolds(c: Campaign): bool {
  const n = orders + 1;
  if (c.orderEq > 0 && n != c.orderEq) return false;
  if (c.orderEvery > 0) {
    if (n < c.orderEvery + c.orderOffset) return false;
    if ((n - c.orderOffset) % c.orderEvery != 0) return false;
  }
  return true;
}

function codeHolds(c: Campaign): bool {
  if (c.codes.length == 0) return true;
  for (let k = 0; k < c.codes.length; k++) {
    const code = unchecked(c.codes[k]);
    for (let r = 0; r < codesLength; r++) if (load<i32>(codes + (<usize>r << 2)) == code) return true;
  }
  return false;
}

function birthdayHolds(c: Campaign): bool {
  if (c.birthdayBefore < 0) return true;
  if (!hasBirthday) return false;
  for (let k = 0; k < 3; k++) {
    const day = unchecked(birthdays[k]);
    if (localDay >= day - c.birthdayBefore && localDay <= day + c.birthdayAfter) return true;
  }
  return false;
}

function limitsHold(c: Campaign, index: i32): bool {
  if (c.requiresGrant && !unchecked(granted[index])) return false;
  if (c.perCustomer > 0 && unchecked(campaignUses[index]) >= c.perCustomer) return false;
  if (c.hasTotalUses) {
    const left = unchecked(usesLeft[index]);
    if (left >= 0 && left < 1) return false;
  }
  if (c.hasBudget) {
    const left = unchecked(budgetLeft[index]);
    if (left >= 0 && left < 1) return false;
  }
  return true;
}

/** Every condition of campaign `index` that does not depend on which lines it targets. */
export function campaignHolds(c: Campaign, index: i32, tier: i32): bool {
  return audienceHolds(c, tier) && timeHolds(c) && orderNumberHolds(c) && codeHolds(c) && birthdayHolds(c) &&
    limitsHold(c, index);
}
