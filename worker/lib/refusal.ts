/**
 * Refusals: the business answers "no" that every layer below the HTTP edge gives — Durable Objects, flows,
 * token and key checks — as a typed code, a message for the caller and the field at fault. Nothing here knows
 * HTTP: the edge (worker/http/http.ts) maps each code to its status with one table and renders the error body.
 *
 * Inside a Durable Object a refusal is thrown to roll a transaction back and comes back over RPC as a value
 * (`Result`): errors thrown across RPC arrive as plain Errors (custom fields are not guaranteed to survive), and a
 * throw inside `ctx.blockConcurrencyWhile` resets the object. `unwrap` throws it again on the caller's side.
 */
import type { Evaluation, Problem } from "../../engine/host/types.ts";

/** Every refusal code the API answers (docs/api.md "Errors"). */
export const REFUSAL_CODES = [
  "invalid_request",
  "unauthorized",
  "forbidden",
  "not_found",
  "method_not_allowed",
  "conflict",
  "idempotency_conflict",
  "duplicate_contact",
  "payload_too_large",
  "insufficient_points",
  "hold_expired",
  "invalid_state",
  "program_invalid",
  "rate_limited",
  "internal",
] as const;

export type RefusalCode = (typeof REFUSAL_CODES)[number];

/** What a refusal says: its code, a message, the field at fault and, for some codes, more. */
export interface Refusal {
  code: RefusalCode;
  message: string;
  /** The field at fault, e.g. `lines[2].price`, `campaigns.summer`. */
  path?: string;
  /** `program_invalid` and `invalid_request` of a whole document: every problem found. */
  problems?: Problem[];
  /** A 409 `conflict` of a stale quote: the fresh evaluation. */
  evaluation?: Evaluation;
  /** `rate_limited`: how long to wait. */
  retryAfterSeconds?: number;
  /** A wrong verification code: the tries left. */
  attemptsLeft?: number;
}

/** A refusal thrown: caught at the RPC boundary of an object (as a `Result`) or by the HTTP edge. */
export class Refused extends Error {
  readonly refusal: Refusal;
  constructor(refusal: Refusal) {
    super(refusal.message);
    this.name = "Refused";
    this.refusal = refusal;
  }

  get code(): RefusalCode {
    return this.refusal.code;
  }

  get path(): string | undefined {
    return this.refusal.path;
  }
}

/** Throws the refusal `code` with its message and extra members (`path`, `problems`, …). */
export function refuse(code: RefusalCode, message: string, extra: Omit<Partial<Refusal>, "code" | "message"> = {}): never {
  throw new Refused({ code, message, ...extra });
}

/** A refusal naming one field, with extra members for its caller if any. */
export function refusal(code: RefusalCode, message: string, path?: string, extra: Omit<Partial<Refusal>, "code" | "message" | "path"> = {}): Refused {
  return new Refused(path === undefined ? { code, message, ...extra } : { code, message, path, ...extra });
}

/** What a Durable Object's RPC method answers: a value, or the refusal it gave. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: Refusal };

/** The value of a result; a refusal is thrown again on the caller's side. */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new Refused(result.error);
}
