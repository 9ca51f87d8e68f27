/**
 * Rules that span fields. zod skips ordinary refinements once a field inside has failed; these run anyway so
 * that every problem is reported in one go. They see the value as parsed so far — a field that failed may be
 * missing or still hold its wrong value, so they check types before using one — and `failed(path)` tells
 * whether something under `path` (or, with `exact`, at `path` itself) already failed, to avoid a second,
 * derived problem about the same thing.
 */
import type { z } from "zod";
import type { Path } from "./problems.ts";

type Report = (path: Path, message: string) => void;
type Failed = (path: Path, exact?: boolean) => boolean;

export function crossCheck<T extends z.ZodType>(schema: T, check: (value: unknown, report: Report, failed: Failed) => void): T {
  return schema.superRefine(
    (value, ctx) => {
      const failed: Failed = (path, exact = false) =>
        ctx.issues.some((issue) => {
          const at = issue.path ?? [];
          return (!exact || at.length === path.length) && path.every((key, i) => at[i] === key);
        });
      check(value, (path, message) => ctx.addIssue({ code: "custom", path, message, input: value }), failed);
    },
    { when: () => true },
  );
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export const field = (value: unknown, key: string): unknown => (isRecord(value) ? value[key] : undefined);
export const items = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Reports every repeated `id` in a list, at the later item. */
export function reportDuplicateIds(list: unknown, report: Report, what: string): void {
  const first = new Map<string, number>();
  items(list).forEach((item, index) => {
    const itemId = field(item, "id");
    if (typeof itemId !== "string") return;
    const seen = first.get(itemId);
    if (seen === undefined) first.set(itemId, index);
    else report([index, "id"], `duplicate ${what} id "${itemId}" (already used at index ${seen})`);
  });
}
