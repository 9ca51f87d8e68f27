// Exact integer arithmetic for money and points. Every product that can exceed 64 bits inside
// docs/program.md's limits goes through the 128-bit helpers here; the common case stays on a 64-bit fast path.

/** High word of the last `mul128`. */
export let mulHigh: u64 = 0;
/** Remainder of the last `div128` / `mulDivFloor`. */
export let divRemainder: u64 = 0;

/** Full 64×64→128-bit product; returns the low word, leaves the high word in `mulHigh`. */
export function mul128(a: u64, b: u64): u64 {
  const aLo = a & 0xffffffff;
  const aHi = a >> 32;
  const bLo = b & 0xffffffff;
  const bHi = b >> 32;
  const ll = aLo * bLo;
  const lh = aLo * bHi;
  const hl = aHi * bLo;
  const mid = (ll >> 32) + (lh & 0xffffffff) + (hl & 0xffffffff);
  mulHigh = aHi * bHi + (lh >> 32) + (hl >> 32) + (mid >> 32);
  return (mid << 32) | (ll & 0xffffffff);
}

/** floor((high·2^64 + low) / d) for a quotient that fits 64 bits (high < d); remainder in `divRemainder`. */
export function div128(high: u64, low: u64, d: u64): u64 {
  if (high == 0) {
    divRemainder = low % d;
    return low / d;
  }
  let q: u64 = 0;
  let r = high;
  for (let i = 0; i < 64; i++) {
    const carry = r >> 63;
    r = (r << 1) | (low >> 63);
    low <<= 1;
    q <<= 1;
    if (carry != 0 || r >= d) {
      r -= d;
      q |= 1;
    }
  }
  divRemainder = r;
  return q;
}

/** floor(a × b / c), exact for any a, b, c whose quotient fits 64 bits; remainder in `divRemainder`. */
export function mulDivFloor(a: u64, b: u64, c: u64): u64 {
  if (b == 0 || a <= u64.MAX_VALUE / b) {
    const p = a * b;
    divRemainder = p % c;
    return p / c;
  }
  const low = mul128(a, b);
  return div128(mulHigh, low, c);
}

@inline export function min64(a: i64, b: i64): i64 {
  return a < b ? a : b;
}

@inline export function max64(a: i64, b: i64): i64 {
  return a > b ? a : b;
}
