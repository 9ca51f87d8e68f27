/**
 * How the CustomerAccount answers: every RPC method returns an AccountResult instead of throwing a business
 * error. Two reasons:
 * - Errors thrown across Durable Object RPC arrive as plain Errors: the message survives, custom fields such
 *   as `status`, `code`, `path` (and the fresh evaluation of a quote conflict) are not guaranteed to.
 * - A throw inside `ctx.blockConcurrencyWhile` terminates and resets the object (Cloudflare docs, state API).
 * The caller turns a failure into the HTTP answer with `unwrap` (throws worker/http.ts's HttpError).
 * Unexpected errors (bugs) are logged inside the object and come back as `internal` (500).
 */
import type { Evaluation, Problem } from "../../engine/host/types.ts";
import { HttpError } from "../http.ts";

/** An api.md error: HTTP status, error code, message, the field at fault; a 409 `conflict` carries the fresh evaluation. */
export interface AccountError {
  status: number;
  code: string;
  message: string;
  path?: string;
  problems?: Problem[];
  evaluation?: Evaluation;
}

export type AccountResult<T> = { ok: true; value: T } | { ok: false; error: AccountError };

/** Thrown inside the object's transactions to roll them back; converted to `{ok: false}` at the RPC boundary. */
export class AccountFailure extends Error {
  readonly error: AccountError;
  constructor(error: AccountError) {
    super(error.message);
    this.name = "AccountFailure";
    this.error = error;
  }
}

export function fail(status: number, code: string, message: string, extra: Partial<AccountError> = {}): never {
  throw new AccountFailure({ status, code, message, ...extra });
}

/** The value of a successful result; a failure becomes an HttpError (the route's onError renders it). */
export function unwrap<T>(result: AccountResult<T>): T {
  if (result.ok) return result.value;
  // Extra members (the fresh `evaluation` of a 409 conflict, `problems`) go into the error body.
  const { status, code, message, path, ...details } = result.error;
  throw new HttpError(status, code, message, path, Object.keys(details).length ? details : undefined);
}
