/**
 * Encodes a receipt, customer snapshot and shop-wide counters into the form the engine reads
 * (engine/assembly/receipt.ts): numbers as f64 (exact integers), then string ids as i32, straight into the
 * Wasm memory. Strings the program does not know get per-quote ids after the program's, so equal strings
 * still compare equal inside the engine. Every value is checked as it is written; the first bad one is
 * reported as a problem with its path (the caller then collects every problem).
 */
import { LIMITS } from "./limits.ts";
import { RECEIPT_CAMPAIGN_SLOTS, RECEIPT_HEADER_SLOTS, RECEIPT_LAYOUT, RECEIPT_LINE_SLOTS } from "../layout.ts";
import { AT_BEFORE_MS, AT_FROM_MS, AT_RANGE_MESSAGE, birthdayDays, isCalendarDate, isDateText, localTime } from "./calendar.ts";
import { normalizeCode, REWARD_PREFIX, type CompiledProgram } from "./compile.ts";
import type { CampaignCounters, CustomerSnapshot, Problem, Receipt } from "./types.ts";

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const MAX_STRING = 200;

export class EncodeProblem extends Error {
  readonly problem: Problem;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.problem = { path, message };
  }
}

function int(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new EncodeProblem(path, `must be an integer between ${min} and ${max}`);
  }
  return v;
}

function text(v: unknown, path: string): string {
  if (typeof v !== "string" || v.length < 1 || v.length > MAX_STRING) {
    throw new EncodeProblem(path, `must be a string of 1 to ${MAX_STRING} characters`);
  }
  return v;
}

function texts(v: unknown, path: string, max: number): readonly string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length > max) throw new EncodeProblem(path, `must be a list of at most ${max} strings`);
  for (let i = 0; i < v.length; i++) text(v[i], `${path}[${i}]`);
  return v as string[];
}

/** Epoch milliseconds of an RFC 3339 date-time with offset; NaN when it is not one. */
export function parseInstant(at: unknown): number {
  if (typeof at !== "string") return NaN;
  const m = RFC3339.exec(at);
  if (!m || !isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]))) return NaN;
  return Date.parse(at);
}

export function isDate(v: unknown): v is string {
  return isDateText(v);
}

export interface EncodedSize {
  numbers: number;
  ids: number;
}

export class ReceiptEncoder {
  private readonly compiled: CompiledProgram;
  private readonly local = new Map<string, number>();
  private readonly lineIds = new Set<string>();
  private next = 0;

  constructor(compiled: CompiledProgram) {
    this.compiled = compiled;
  }

  private id(s: string): number {
    const known = this.compiled.strings.get(s);
    if (known !== undefined) return known;
    let id = this.local.get(s);
    if (id === undefined) {
      id = ++this.next;
      this.local.set(s, id);
    }
    return id;
  }

  /** Slots the receipt needs: f64 numbers, then i32 ids. */
  size(receipt: Receipt, customer: CustomerSnapshot): EncodedSize {
    const lines = receipt.lines;
    if (!Array.isArray(lines)) throw new EncodeProblem("lines", "must be a list of lines");
    let ids = 3 + (Array.isArray(receipt.codes) ? receipt.codes.length : 0);
    ids += (Array.isArray(customer.boughtSkus) ? customer.boughtSkus.length : 0);
    ids += (Array.isArray(customer.boughtCategories) ? customer.boughtCategories.length : 0);
    for (const line of lines) {
      ids += 3;
      if (Array.isArray(line?.categories)) ids += line.categories.length;
      if (Array.isArray(line?.tags)) ids += line.tags.length;
    }
    const numbers = RECEIPT_HEADER_SLOTS + RECEIPT_CAMPAIGN_SLOTS * this.compiled.campaigns.length
      + RECEIPT_LINE_SLOTS * lines.length;
    return { numbers, ids };
  }

  /** Writes the receipt into `numbers` and `ids`; returns how many ids were written. */
  encode(
    numbers: Float64Array, ids: Int32Array, receipt: Receipt, customer: CustomerSnapshot,
    counters: CampaignCounters | undefined, rewards: readonly string[] = [],
  ): number {
    this.local.clear();
    this.lineIds.clear();
    this.next = this.compiled.strings.size;
    const program = this.compiled.program;
    const at = parseInstant(receipt.at);
    if (Number.isNaN(at)) throw new EncodeProblem("at", "must be an RFC 3339 date-time with an offset");
    if (at < AT_FROM_MS || at >= AT_BEFORE_MS) throw new EncodeProblem("at", AT_RANGE_MESSAGE);
    if (receipt.customerId !== undefined) text(receipt.customerId, "customerId");
    const local = localTime(program.timezone, at);
    const lines = receipt.lines;
    if (lines.length < 1 || lines.length > LIMITS.lines) throw new EncodeProblem("lines", `must have 1 to ${LIMITS.lines} lines`);
    const redeem = receipt.redeemPoints ?? 0;
    const birthday = customer.birthday;
    if (birthday !== undefined && birthday !== null && !isDate(birthday)) {
      throw new EncodeProblem("customer.birthday", "must be a date YYYY-MM-DD");
    }
    const days = typeof birthday === "string" ? birthdayDays(birthday, local.year) : [0, 0, 0];
    let n = 0;
    numbers[n++] = RECEIPT_LAYOUT;
    numbers[n++] = lines.length;
    numbers[n++] = int(receipt.shipping ?? 0, "shipping", 0, LIMITS.shipping);
    numbers[n++] = redeem === "max" ? -1 : int(redeem, "redeemPoints", 0, LIMITS.points);
    numbers[n++] = at;
    numbers[n++] = local.weekday;
    numbers[n++] = local.minuteOfDay;
    numbers[n++] = local.day;
    numbers[n++] = int(customer.balance ?? 0, "customer.balance", -LIMITS.points, LIMITS.points);
    numbers[n++] = int(customer.spend ?? 0, "customer.spend", 0, LIMITS.spend);
    numbers[n++] = int(customer.orders ?? 0, "customer.orders", 0, 1e9);
    numbers[n++] = customer.member ? 1 : 0;
    numbers[n++] = typeof birthday === "string" ? 1 : 0;
    numbers[n++] = days[0]!;
    numbers[n++] = days[1]!;
    numbers[n++] = days[2]!;
    const stringsSlot = n++;
    const uses = customer.campaignUses ?? {};
    for (const c of this.compiled.campaigns) {
      const counter = counters?.[c.id];
      numbers[n++] = int(uses[c.id] ?? 0, `customer.campaignUses.${c.id}`, 0, 1e9);
      numbers[n++] = c.limits?.totalUses !== undefined ? Math.max(0, counter?.usesLeft ?? c.limits.totalUses) : -1;
      numbers[n++] = c.limits?.budget !== undefined ? Math.max(0, counter?.budgetLeft ?? c.limits.budget) : -1;
      numbers[n++] = c.id.startsWith(REWARD_PREFIX) && rewards.includes(c.id.slice(REWARD_PREFIX.length)) ? 1 : 0;
    }
    for (let i = 0; i < rewards.length; i++) {
      if (!this.compiled.campaigns.some((c) => c.id === `${REWARD_PREFIX}${rewards[i]}`)) {
        throw new EncodeProblem(`rewards[${i}]`, "is not a reward of the program");
      }
    }
    let k = 0;
    const codes = texts(receipt.codes, "codes", 20);
    ids[k++] = codes.length;
    for (const c of codes) ids[k++] = this.id(normalizeCode(c));
    const boughtSkus = texts(customer.boughtSkus, "customer.boughtSkus", 10_000);
    ids[k++] = boughtSkus.length;
    for (const s of boughtSkus) ids[k++] = this.id(s);
    const boughtCategories = texts(customer.boughtCategories, "customer.boughtCategories", 10_000);
    ids[k++] = boughtCategories.length;
    for (const s of boughtCategories) ids[k++] = this.id(s);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (typeof line !== "object" || line === null) throw new EncodeProblem(`lines[${i}]`, "must be an object");
      const lineId = text(line.id, `lines[${i}].id`);
      if (this.lineIds.has(lineId)) throw new EncodeProblem(`lines[${i}].id`, "must be unique in the receipt");
      this.lineIds.add(lineId);
      numbers[n++] = int(line.price, `lines[${i}].price`, 0, LIMITS.price);
      numbers[n++] = int(line.qty, `lines[${i}].qty`, 1, LIMITS.qty);
      ids[k++] = line.sku === undefined ? 0 : this.id(text(line.sku, `lines[${i}].sku`));
      const categories = texts(line.categories, `lines[${i}].categories`, 50);
      ids[k++] = categories.length;
      for (const c of categories) ids[k++] = this.id(c);
      const tags = texts(line.tags, `lines[${i}].tags`, 50);
      ids[k++] = tags.length;
      for (const t of tags) ids[k++] = this.id(t);
    }
    numbers[stringsSlot] = this.next;
    return k;
  }
}
