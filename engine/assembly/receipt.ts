// The receipt being evaluated: per-line working state, read from the flat input the host encodes
// (engine/host/encode.ts). Arrays are allocated once at the maximum size and reused by every quote.
import { beginRead, readF64, readI32, readI64, readFailed } from "./reader";
import { campaigns } from "./program";

export const RECEIPT_LAYOUT: i32 = 1;
export const MAX_LINES: i32 = 1000;
export const MAX_PRICE: i64 = 1_000_000_000_000;
export const MAX_QTY: i64 = 1_000_000;
export const MAX_SUBTOTAL: i64 = 10_000_000_000_000;
export const MAX_SHIPPING: i64 = 1_000_000_000_000;
export const MAX_POINTS: i64 = 1_000_000_000_000_000;

// Status codes (0 = evaluated). The host maps them to a field path.
export const OK: i32 = 0;
export const ERR_MALFORMED: i32 = 1;
export const ERR_LINES: i32 = 2;
export const ERR_PRICE: i32 = 3;
export const ERR_QTY: i32 = 4;
export const ERR_SUBTOTAL: i32 = 5;
export const ERR_SHIPPING: i32 = 6;
export const ERR_REDEEM: i32 = 7;
export const ERR_SNAPSHOT: i32 = 8;
export const ERR_NO_PROGRAM: i32 = 9;
export const ERR_POINTS_RANGE: i32 = 10;

export let lineCount: i32 = 0;
export let errorLine: i32 = -1;
export let shipping: i64 = 0;
export let redeemRequest: i64 = 0; // -1 = "max"
export let atMs: f64 = 0;
export let weekday: i32 = 1;
export let minuteOfDay: i32 = 0;
export let localDay: i64 = 0;
export let balance: i64 = 0;
export let spend: i64 = 0;
export let orders: i64 = 0;
export let member = false;
export let hasBirthday = false;
export const birthdays = new StaticArray<i64>(3);
export let subtotal: i64 = 0;

export const sku = new StaticArray<i32>(MAX_LINES);
export const price = new StaticArray<i64>(MAX_LINES);
export const qty = new StaticArray<i64>(MAX_LINES);
export const amount = new StaticArray<i64>(MAX_LINES);
export const remaining = new StaticArray<i64>(MAX_LINES);
export const pointsPaid = new StaticArray<i64>(MAX_LINES);
export const pointsEarned = new StaticArray<i64>(MAX_LINES);
export const multiplier = new StaticArray<i64>(MAX_LINES);
export const claimed = new StaticArray<bool>(MAX_LINES);
export const catStart = new StaticArray<i32>(MAX_LINES);
export const catCount = new StaticArray<i32>(MAX_LINES);
export const tagStart = new StaticArray<i32>(MAX_LINES);
export const tagCount = new StaticArray<i32>(MAX_LINES);

/** Category and tag ids of all lines, back to back. */
export let idPool = new StaticArray<i32>(4096);
export let codes = new StaticArray<i32>(0);
/** Per campaign (compiled order): this customer's uses, shop-wide uses left and budget left (-1 = no limit). */
export let campaignUses = new StaticArray<i64>(0);
export let usesLeft = new StaticArray<i64>(0);
export let budgetLeft = new StaticArray<i64>(0);

/** Number of distinct string ids in this quote (program strings first, then the receipt's own). */
export let stringCount: i32 = 0;
/** Marks by string id; a mark equal to the current stamp means "in the set being tested". */
export let boughtSkuMark = new StaticArray<i32>(0);
export let boughtCategoryMark = new StaticArray<i32>(0);
let boughtStamp: i32 = 0;
export function currentBoughtStamp(): i32 {
  return boughtStamp;
}

function fail(status: i32, line: i32): i32 {
  errorLine = line;
  return status;
}

let poolSize: i32 = 0;

function appendIds(n: i32): bool {
  if (n < 0 || n > 100000) return false;
  if (poolSize + n > idPool.length) {
    let cap = idPool.length << 1;
    while (cap < poolSize + n) cap <<= 1;
    const grown = new StaticArray<i32>(cap);
    memory.copy(changetype<usize>(grown), changetype<usize>(idPool), <usize>poolSize << 2);
    idPool = grown;
  }
  for (let k = 0; k < n; k++) unchecked((idPool[poolSize + k] = readI32()));
  poolSize += n;
  return true;
}

function ensureMarks(n: i32): void {
  if (boughtSkuMark.length < n) {
    boughtSkuMark = new StaticArray<i32>(n);
    boughtCategoryMark = new StaticArray<i32>(n);
    boughtStamp = 0;
  }
}

function markIds(marks: StaticArray<i32>, stamp: i32): bool {
  const n = readI32();
  if (n < 0) return false;
  for (let k = 0; k < n; k++) {
    const id = readI32();
    if (id > 0 && id < marks.length) unchecked((marks[id] = stamp));
  }
  return true;
}

/** Reads the receipt and snapshot; returns a status (OK or the first limit broken). */
export function readReceipt(ptr: usize, count: i32): i32 {
  errorLine = -1;
  beginRead(ptr, count);
  if (readI32() != RECEIPT_LAYOUT) return ERR_MALFORMED;
  lineCount = readI32();
  if (lineCount < 1 || lineCount > MAX_LINES) return ERR_LINES;
  shipping = readI64();
  if (shipping < 0 || shipping > MAX_SHIPPING) return ERR_SHIPPING;
  redeemRequest = readI64();
  if (redeemRequest < -1 || redeemRequest > MAX_POINTS) return ERR_REDEEM;
  atMs = readF64();
  weekday = readI32();
  minuteOfDay = readI32();
  localDay = readI64();
  balance = readI64();
  spend = readI64();
  orders = readI64();
  member = readI32() != 0;
  hasBirthday = readI32() != 0;
  for (let k = 0; k < 3; k++) unchecked((birthdays[k] = readI64()));
  if (balance < -MAX_POINTS || balance > MAX_POINTS || spend < 0 || spend > MAX_POINTS || orders < 0) {
    return ERR_SNAPSHOT;
  }
  stringCount = readI32();
  if (stringCount < 0 || stringCount > 10_000_000) return ERR_MALFORMED;

  poolSize = 0;
  subtotal = 0;
  for (let i = 0; i < lineCount; i++) {
    unchecked((sku[i] = readI32()));
    const p = readI64();
    const q = readI64();
    if (p < 0 || p > MAX_PRICE) return fail(ERR_PRICE, i);
    if (q < 1 || q > MAX_QTY) return fail(ERR_QTY, i);
    const a = p * q; // ≤ 10^18, fits i64
    subtotal += a;
    if (a > MAX_SUBTOTAL || subtotal > MAX_SUBTOTAL) return fail(ERR_SUBTOTAL, i);
    unchecked((price[i] = p));
    unchecked((qty[i] = q));
    unchecked((amount[i] = a));
    unchecked((remaining[i] = a));
    unchecked((pointsPaid[i] = 0));
    unchecked((pointsEarned[i] = 0));
    unchecked((multiplier[i] = 10000));
    unchecked((claimed[i] = false));
    let n = readI32();
    unchecked((catStart[i] = poolSize));
    unchecked((catCount[i] = n));
    if (!appendIds(n)) return ERR_MALFORMED;
    n = readI32();
    unchecked((tagStart[i] = poolSize));
    unchecked((tagCount[i] = n));
    if (!appendIds(n)) return ERR_MALFORMED;
  }

  const codeCount = readI32();
  if (codeCount < 0 || codeCount > 1000) return ERR_MALFORMED;
  if (codes.length < codeCount) codes = new StaticArray<i32>(codeCount);
  codesLength = codeCount;
  for (let k = 0; k < codeCount; k++) unchecked((codes[k] = readI32()));

  ensureMarks(stringCount + 1);
  boughtStamp++;
  if (!markIds(boughtSkuMark, boughtStamp)) return ERR_MALFORMED;
  if (!markIds(boughtCategoryMark, boughtStamp)) return ERR_MALFORMED;

  const n = campaigns.length;
  if (campaignUses.length < n) {
    campaignUses = new StaticArray<i64>(n);
    usesLeft = new StaticArray<i64>(n);
    budgetLeft = new StaticArray<i64>(n);
  }
  for (let c = 0; c < n; c++) {
    unchecked((campaignUses[c] = readI64()));
    unchecked((usesLeft[c] = readI64()));
    unchecked((budgetLeft[c] = readI64()));
  }
  return readFailed ? ERR_MALFORMED : OK;
}

export let codesLength: i32 = 0;
