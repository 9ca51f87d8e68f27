/**
 * What a quote answers and an order stores must fit the platform: a Durable Object's SQLite row (and each value
 * in it) holds at most 2 MB. Within the receipt's limits an evaluation can still be 33 MB (1 000 lines × 1 000
 * campaigns, one discount entry each), so the evaluation and the stored order have byte limits of their own
 * (LIMITS.evaluationBytes, LIMITS.orderBytes; docs/api.md "Sizes"). Both are checked right after evaluating —
 * for quotes too, so that a quote is refused exactly when its order would be — before anything is written.
 */
import { LIMITS } from "../../engine/host/limits.ts";
import type { Evaluation, Receipt } from "../../engine/host/types.ts";
import { refuse } from "../lib/refusal.ts";
import { bookOf } from "./book.ts";

/** The UTF-8 length of a well-formed string, without encoding it. */
export function utf8Bytes(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // 2 bytes below U+0800, a surrogate pair 4 (2 per half), else 3; the length already counts 1 per unit.
    if (c >= 0x80) n += c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 1 : 2;
  }
  return n;
}

const fmt = (n: number) => n.toLocaleString("en-US").replace(/,/g, " ");

/** Refuses (400 invalid_request, path `lines`) an evaluation or an order too large to answer and store. */
export function checkSizes(receipt: Receipt, evaluation: Evaluation): void {
  const evaluationBytes = utf8Bytes(JSON.stringify(evaluation));
  if (evaluationBytes > LIMITS.evaluationBytes) {
    const entries = evaluation.lines.reduce((a, l) => a + l.discounts.length, 0);
    refuse("invalid_request",
      `The evaluation would be ${fmt(evaluationBytes)} bytes of JSON (${fmt(evaluation.lines.length)} lines, ${fmt(entries)} line discounts by ${fmt(evaluation.campaigns.length)} campaigns), at most ${fmt(LIMITS.evaluationBytes)}: split the receipt or let fewer campaigns apply to each line`,
      { path: "lines" });
  }
  const orderBytes = evaluationBytes + utf8Bytes(JSON.stringify(receipt)) + utf8Bytes(JSON.stringify(bookOf(evaluation, receipt.lines)));
  if (orderBytes > LIMITS.orderBytes) {
    refuse("invalid_request",
      `The order would be ${fmt(orderBytes)} bytes to store (its receipt, its evaluation and its lines' ids, skus and categories as JSON), at most ${fmt(LIMITS.orderBytes)}: split the receipt or send fewer categories`,
      { path: "lines" });
  }
}
