/**
 * The contract's shapes against the Worker's own types, checked by `npm run typecheck` (the test itself only
 * runs the check's trivial body): each pair must be assignable both ways, so a field renamed, added or retyped
 * on either side fails the type check. Until the Worker's routes are typed with contract/ directly.
 */
import type { z } from "@hono/zod-openapi";
import { expect, test } from "vitest";
import type { CouponIssued, CouponView, HistoryItem as WorkerHistoryItem, HistoryPage as WorkerHistoryPage } from "../worker/account/types.ts";
import type { couponSchema, customerSchema, historySchema } from "../worker/http/routes/customer-schemas.ts";
import type { errorSchema } from "../worker/http/openapi.ts";
import type { Coupon, Customer, ErrorBody, HistoryItem, HistoryPage, RewardRedeemed } from "./public.ts";

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <A, B>(proof: Same<A, B>): boolean => proof;


test("the contract's shapes are the Worker's", () => {
  expect([
    same<Coupon, CouponView>(true),
    same<Coupon, z.infer<typeof couponSchema>>(true),
    same<Customer, z.infer<typeof customerSchema>>(true),
    same<HistoryItem, WorkerHistoryItem>(true),
    same<HistoryPage, WorkerHistoryPage>(true),
    same<HistoryPage, z.infer<typeof historySchema>>(true),
    same<RewardRedeemed, CouponIssued>(true),
    // The widget reads any code as a string (a newer Worker may answer one it does not know) and ignores the
    // checkout-only details.
    same<ErrorBody["error"], Omit<z.infer<typeof errorSchema>["error"], "code" | "evaluation" | "retryAfterSeconds"> & { code: string }>(true),
  ]).not.toContain(false);
});
