// The receipt being evaluated: per-line working state, read from the flat input the host encodes
// (engine/host/encode.ts). Numbers arrive as f64 (exact integers), string ids as i32 in a second region
// right after the numbers. Arrays are allocated once at the maximum size and reused by every quote.
import {
  ID_BYTES, NUMBER_BYTES, RECEIPT_CAMPAIGN_SLOTS, RECEIPT_HEADER_SLOTS, RECEIPT_LAYOUT, RECEIPT_LINE_SLOTS,
  STATUS_LINES, STATUS_MALFORMED, STATUS_OK, STATUS_PRICE, STATUS_QTY, STATUS_REDEEM, STATUS_SHIPPING,
  STATUS_SNAPSHOT, STATUS_SUBTOTAL,
} from "../layout";
import { campaigns } from "./program";

export const MAX_LINES: i32 = 1000;
export const MAX_PRICE: i64 = 1_000_000_000_000;
export const MAX_QTY: i64 = 1_000_000;
export const MAX_SUBTOTAL: i64 = 10_000_000_000_000;
export const MAX_SHIPPING: i64 = 1_000_000_000_000;
export const MAX_POINTS: i64 = 1_000_000_000_000_000;

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
export let totalUnits: i64 = 0;

export const sku = new StaticArray<i32>(MAX_LINES);
export const price = new StaticArray<i64>(MAX_LINES);
export const qty = new StaticArray<i64>(MAX_LINES);
export const amount = new StaticArray<i64>(MAX_LINES);
export const remaining = new StaticArray<i64>(MAX_LINES);
export const pointsPaid = new StaticArray<i64>(MAX_LINES);
export const pointsEarned = new StaticArray<i64>(MAX_LINES);
export const multiplier = new StaticArray<i64>(MAX_LINES);
export const claimed = new StaticArray<bool>(MAX_LINES);
/** Per line: TAG_NO_EARN | TAG_NO_REDEEM from its tags. */
export const lineFlags = new StaticArray<u8>(MAX_LINES);
/** Address and number of each line's category ids and tag ids (i32s in the input). */
export const catPtr = new StaticArray<usize>(MAX_LINES);
export const catCount = new StaticArray<i32>(MAX_LINES);
export const tagPtr = new StaticArray<usize>(MAX_LINES);
export const tagCount = new StaticArray<i32>(MAX_LINES);

export let codes: usize = 0;
export let codesLength: i32 = 0;
/** Per campaign (compiled order): this customer's uses, shop-wide uses left and budget left (-1 = no limit), granted. */
export let campaignUses = new StaticArray<i64>(0);
export let usesLeft = new StaticArray<i64>(0);
export let budgetLeft = new StaticArray<i64>(0);
/** Per campaign: granted to this quote (reward coupons presented by the customer). */
export let granted = new StaticArray<bool>(0);

/** Number of distinct string ids in this quote (program strings first, then the receipt's own). */
export let stringCount: i32 = 0;
/** Marks by string id; a mark equal to the current stamp means "bought before". */
export let boughtSkuMark = new StaticArray<i32>(0);
export let boughtCategoryMark = new StaticArray<i32>(0);
let boughtStamp: i32 = 0;
export function currentBoughtStamp(): i32 {
  return boughtStamp;
}

let numbers: usize = 0; // next f64 to read
let numbersEnd: usize = 0;
let ids: usize = 0; // next i32 to read
let idsEnd: usize = 0;
let bad = false;
const MAX_SAFE: f64 = 9007199254740991;

/** The next number as an exact integer; flags `bad` for a fraction, NaN or |x| > 2^53. */
function next(): i64 {
  const v = load<f64>(numbers);
  numbers += NUMBER_BYTES;
  const i = <i64>v;
  if (<f64>i != v || !(v >= -MAX_SAFE && v <= MAX_SAFE)) bad = true;
  return i;
}

/** Reserves `n` ids; returns their address, or 0 when the input is too short. */
function takeIds(n: i32): usize {
  const at = ids;
  const after = ids + <usize>n * ID_BYTES;
  if (n < 0 || after > idsEnd) {
    bad = true;
    return 0;
  }
  ids = after;
  return at;
}

function ensureMarks(n: i32): void {
  if (boughtSkuMark.length < n) {
    boughtSkuMark = new StaticArray<i32>(n);
    boughtCategoryMark = new StaticArray<i32>(n);
    boughtStamp = 0;
  }
}

function markIds(marks: StaticArray<i32>, stamp: i32): void {
  const at = takeIds(1);
  if (at == 0) return;
  const n = load<i32>(at);
  const list = takeIds(n);
  const size = <u32>marks.length;
  for (let k = 0; k < n; k++) {
    const id = load<i32>(list + <usize>k * ID_BYTES);
    if (<u32>id < size) unchecked((marks[id] = stamp));
  }
}

/**
 * Reads everything but the lines: header, shop-wide counters, codes, purchase history.
 * `ptr` holds `numberCount` f64 slots followed by `idCount` i32 slots.
 */
export function readHeader(ptr: usize, numberCount: i32, idCount: i32): i32 {
  errorLine = -1;
  bad = false;
  numbers = ptr;
  numbersEnd = ptr + <usize>numberCount * NUMBER_BYTES;
  ids = numbersEnd;
  idsEnd = ids + <usize>idCount * ID_BYTES;
  const n = campaigns.length;
  if (numberCount < RECEIPT_HEADER_SLOTS + RECEIPT_CAMPAIGN_SLOTS * n) return STATUS_MALFORMED;
  if (<i32>next() != RECEIPT_LAYOUT) return STATUS_MALFORMED;
  lineCount = <i32>next();
  if (lineCount < 1 || lineCount > MAX_LINES) return STATUS_LINES;
  if (numberCount != RECEIPT_HEADER_SLOTS + RECEIPT_CAMPAIGN_SLOTS * n + RECEIPT_LINE_SLOTS * lineCount) {
    return STATUS_MALFORMED;
  }
  shipping = next();
  if (shipping < 0 || shipping > MAX_SHIPPING) return STATUS_SHIPPING;
  redeemRequest = next();
  if (redeemRequest < -1 || redeemRequest > MAX_POINTS) return STATUS_REDEEM;
  atMs = load<f64>(numbers);
  numbers += NUMBER_BYTES;
  weekday = <i32>next();
  minuteOfDay = <i32>next();
  localDay = next();
  balance = next();
  spend = next();
  orders = next();
  member = next() != 0;
  hasBirthday = next() != 0;
  for (let k = 0; k < 3; k++) unchecked((birthdays[k] = next()));
  if (balance < -MAX_POINTS || balance > MAX_POINTS || spend < 0 || spend > MAX_POINTS || orders < 0) {
    return STATUS_SNAPSHOT;
  }
  stringCount = <i32>next();
  if (bad || stringCount < 0 || stringCount > 10_000_000) return STATUS_MALFORMED;
  if (campaignUses.length < n) {
    campaignUses = new StaticArray<i64>(n);
    usesLeft = new StaticArray<i64>(n);
    budgetLeft = new StaticArray<i64>(n);
    granted = new StaticArray<bool>(n);
  }
  for (let c = 0; c < n; c++) {
    unchecked((campaignUses[c] = next()));
    unchecked((usesLeft[c] = next()));
    unchecked((budgetLeft[c] = next()));
    unchecked((granted[c] = next() != 0));
  }
  const at = takeIds(1);
  if (at == 0) return STATUS_MALFORMED;
  codesLength = load<i32>(at);
  codes = takeIds(codesLength);
  ensureMarks(stringCount + 1);
  boughtStamp++;
  markIds(boughtSkuMark, boughtStamp);
  markIds(boughtCategoryMark, boughtStamp);
  return bad ? STATUS_MALFORMED : STATUS_OK;
}

function fail(status: i32, line: i32): i32 {
  errorLine = line;
  return status;
}

/**
 * Reads the lines; `onLine(i)` runs as each line is read (target matching), while its ids are at hand.
 */
export function readLines(onLine: (i: i32) => void): i32 {
  let total: i64 = 0;
  let units: i64 = 0;
  let p = numbers;
  for (let i = 0; i < lineCount; i++) {
    const vp = load<f64>(p);
    const vq = load<f64>(p, NUMBER_BYTES);
    p += RECEIPT_LINE_SLOTS * NUMBER_BYTES;
    const price_ = <i64>vp;
    const qty_ = <i64>vq;
    if (<f64>price_ != vp || price_ < 0 || price_ > MAX_PRICE) return fail(STATUS_PRICE, i);
    if (<f64>qty_ != vq || qty_ < 1 || qty_ > MAX_QTY) return fail(STATUS_QTY, i);
    const a = price_ * qty_; // ≤ 10^18, fits i64
    total += a;
    if (total > MAX_SUBTOTAL) return fail(STATUS_SUBTOTAL, i);
    units += qty_;
    unchecked((price[i] = price_));
    unchecked((qty[i] = qty_));
    unchecked((amount[i] = a));
    unchecked((remaining[i] = a));
    unchecked((multiplier[i] = 10000));
    unchecked((claimed[i] = false));
    const head = takeIds(2);
    if (head == 0) return STATUS_MALFORMED;
    unchecked((sku[i] = load<i32>(head)));
    const cats = load<i32>(head, 4);
    const catAt = takeIds(cats + 1);
    if (catAt == 0) return STATUS_MALFORMED;
    const tags = load<i32>(catAt + <usize>cats * ID_BYTES);
    const tagAt = takeIds(tags);
    if (tagAt == 0 && tags > 0) return STATUS_MALFORMED;
    unchecked((catPtr[i] = catAt));
    unchecked((catCount[i] = cats));
    unchecked((tagPtr[i] = tagAt));
    unchecked((tagCount[i] = tags));
    onLine(i);
  }
  subtotal = total;
  totalUnits = units;
  return bad ? STATUS_MALFORMED : STATUS_OK;
}
