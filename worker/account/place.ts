/**
 * Placing an order as the Worker does it (worker/README.md "Placing and settling an order"): the program by its
 * version only, and the limited campaigns reserved by the account itself between evaluating and holding, so that
 * one call evaluates once. Runs inside the account's `serialized` (its lock), after `advance(now)`.
 */
import type { Program } from "../../engine/host/types.ts";
import { releaseReservations, reserveLimited } from "../counters/reservations.ts";
import { knownProgram, rememberProgram } from "../lib/engine-cache.ts";
import { evaluateOrder, holdOrder, planOrder, type OrderReads, type ResolvedOrderInput } from "./orders.ts";
import { refuse } from "../lib/refusal.ts";
import type { OrderView, PlaceOrderInput } from "./types.ts";

/**
 * The program an order is placed under: the one passed in, else this isolate's copy of that version, else the
 * Shop's (read once per version and isolate: a version's program never changes). 422 `invalid_state` for a
 * version the shop does not have.
 */
export async function programOf(env: Env, input: Pick<PlaceOrderInput, "shopId" | "programVersion" | "program">): Promise<Program> {
  if (input.program) return input.program;
  const known = knownProgram(input.shopId, input.programVersion);
  if (known) return known as Program;
  const stored = await env.SHOP.getByName(input.shopId).getProgram(input.programVersion);
  if (stored === null) refuse("invalid_state", `Program version ${input.programVersion} does not exist`);
  rememberProgram(input.shopId, input.programVersion, stored.program);
  return stored.program as Program;
}

/**
 * Evaluates, reserves the limited campaigns the evaluation applies at their counters (awaited inside the
 * account's lock, so no other request on this account interleaves), and holds exactly that evaluation in one
 * transaction. A replay answers the first answer and reserves nothing. A refusal after reserving (a stale
 * `quoteId`, too few points) releases the reservations.
 */
export async function placeReserving(storage: DurableObjectStorage, env: Env, input: ResolvedOrderInput, reads?: OrderReads): Promise<OrderView> {
  const planned = planOrder(storage.sql, input, reads);
  if ("replay" in planned) return planned.replay;
  const { plan } = planned;
  const reservation = await reserveLimited(env, {
    shopId: input.shopId, orderId: input.orderId, program: input.program, now: input.now,
    expiresAt: input.now + plan.holdMinutes * 60_000,
    evaluate: (counters) => evaluateOrder(plan, counters),
  });
  if (!reservation.ok) refuse("conflict", "Campaign limits kept changing while the order was placed; retry");
  try {
    return storage.transactionSync(() => holdOrder(storage.sql, plan, reservation.evaluation, reservation.counters));
  } catch (e) {
    await releaseReservations(env, input.shopId, input.orderId, reservation.reserved.keys(), input.now);
    throw e;
  }
}
