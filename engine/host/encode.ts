/**
 * Encodes a receipt, customer snapshot and shop-wide counters into the flat form the engine reads
 * (engine/assembly/receipt.ts, `readReceipt`), straight into the Wasm memory. Strings the program does not
 * know get per-quote ids after the program's, so equal strings still compare equal inside the engine.
 * Checks every value it writes; the first bad one is reported as a problem with its path.
 */
import { birthdayDays, localTime } from "./calendar.ts";
import { normalizeCode, type CompiledProgram } from "./compile.ts";
import type { CampaignCounters, CustomerSnapshot, Problem, Receipt } from "./types.ts";

export const RECEIPT_LAYOUT = 1;
const HEADER = 17;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

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

function strings(v: unknown, path: string): readonly string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) throw new EncodeProblem(path, "must be a list of strings");
  return v as string[];
}

export class ReceiptEncoder {
  private readonly local = new Map<string, number>();
  private next = 0;

  constructor(private readonly compiled: CompiledProgram) {}

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

  /** Number of f64 slots the receipt needs. */
  size(receipt: Receipt, customer: CustomerSnapshot): number {
    if (!Array.isArray(receipt.lines)) throw new EncodeProblem("lines", "must be a list of lines");
    let n = HEADER + 3 + 3 * this.compiled.campaigns.length;
    for (const line of receipt.lines) n += 5 + (line?.categories?.length ?? 0) + (line?.tags?.length ?? 0);
    n += receipt.codes?.length ?? 0;
    n += (customer.boughtSkus?.length ?? 0) + (customer.boughtCategories?.length ?? 0);
    return n;
  }

  /** Writes the receipt at `view[0…]`; returns the number of slots written. */
  encode(view: Float64Array, receipt: Receipt, customer: CustomerSnapshot, counters: CampaignCounters | undefined): number {
    this.local.clear();
    this.next = this.compiled.strings.size;
    const program = this.compiled.program;
    if (typeof receipt.at !== "string" || !RFC3339.test(receipt.at) || Number.isNaN(Date.parse(receipt.at))) {
      throw new EncodeProblem("at", "must be an RFC 3339 date-time with an offset");
    }
    const at = Date.parse(receipt.at);
    const local = localTime(program.timezone, at);
    const lines = receipt.lines;
    if (lines.length < 1 || lines.length > 1000) throw new EncodeProblem("lines", "must have 1 to 1000 lines");
    const redeem = receipt.redeemPoints ?? 0;
    const birthday = customer.birthday;
    const days = typeof birthday === "string" ? birthdayDays(birthday, local.year) : [0, 0, 0];
    let p = 0;
    view[p++] = RECEIPT_LAYOUT;
    view[p++] = lines.length;
    view[p++] = int(receipt.shipping ?? 0, "shipping", 0, 1e12);
    view[p++] = redeem === "max" ? -1 : int(redeem, "redeemPoints", 0, 1e15);
    view[p++] = at;
    view[p++] = local.weekday;
    view[p++] = local.minuteOfDay;
    view[p++] = local.day;
    view[p++] = int(customer.balance ?? 0, "customer.balance", -1e15, 1e15);
    view[p++] = int(customer.spend ?? 0, "customer.spend", 0, 1e15);
    view[p++] = int(customer.orders ?? 0, "customer.orders", 0, 1e9);
    view[p++] = customer.member ? 1 : 0;
    view[p++] = typeof birthday === "string" ? 1 : 0;
    view[p++] = days[0];
    view[p++] = days[1];
    view[p++] = days[2];
    const stringsSlot = p++;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (typeof line !== "object" || line === null) throw new EncodeProblem(`lines[${i}]`, "must be an object");
      view[p++] = typeof line.sku === "string" ? this.id(line.sku) : 0;
      view[p++] = int(line.price, `lines[${i}].price`, 0, 1e12);
      view[p++] = int(line.qty, `lines[${i}].qty`, 1, 1e6);
      const categories = strings(line.categories, `lines[${i}].categories`);
      view[p++] = categories.length;
      for (const c of categories) view[p++] = this.id(c);
      const tags = strings(line.tags, `lines[${i}].tags`);
      view[p++] = tags.length;
      for (const t of tags) view[p++] = this.id(t);
    }
    const codes = strings(receipt.codes, "codes");
    view[p++] = codes.length;
    for (const c of codes) view[p++] = this.id(normalizeCode(c));
    const boughtSkus = strings(customer.boughtSkus, "customer.boughtSkus");
    view[p++] = boughtSkus.length;
    for (const s of boughtSkus) view[p++] = this.id(s);
    const boughtCategories = strings(customer.boughtCategories, "customer.boughtCategories");
    view[p++] = boughtCategories.length;
    for (const s of boughtCategories) view[p++] = this.id(s);
    const uses = customer.campaignUses ?? {};
    for (const c of this.compiled.campaigns) {
      const counter = counters?.[c.id];
      view[p++] = int(uses[c.id] ?? 0, `customer.campaignUses.${c.id}`, 0, 1e9);
      view[p++] = c.limits?.totalUses !== undefined ? Math.max(0, counter?.usesLeft ?? c.limits.totalUses) : -1;
      view[p++] = c.limits?.budget !== undefined ? Math.max(0, counter?.budgetLeft ?? c.limits.budget) : -1;
    }
    view[stringsSlot] = this.next;
    return p;
  }
}
