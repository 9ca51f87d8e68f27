/**
 * zod issues → problems: the JSON path of the field at fault (`lines[2].price`) and one message each.
 * The messages the building blocks give for a missing value and an unknown field live here, because turning
 * unions into problems depends on recognising them.
 */
import type { z } from "zod";
import type { Problem } from "../types.ts";

/** The outcome of a validation: the input with defaults applied, or every problem found. */
export type Validation<K extends string, T> = ({ ok: true } & { [key in K]: T }) | { ok: false; problems: Problem[] };

export type Path = (string | number)[];

/** The message for a missing value. */
export const REQUIRED = "is required";
/** The message for a field the schema does not know. */
export const UNKNOWN_FIELD = "unknown field";

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `["lines", 2, "price"]` → `lines[2].price`; keys that are not identifiers are quoted: `campaignUses["a-b"]`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (IDENTIFIER.test(key)) out += out === "" ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}

const keyOf = (key: PropertyKey): string | number => (typeof key === "symbol" ? String(key.description) : key);

/**
 * A union's branch "fits" the input when it neither finds unknown fields nor misses required ones at the
 * union's own level. Exactly one fitting branch → its precise problems (`orderNumber.eq` out of range);
 * otherwise the union's own message (`{ "eq": 1, "every": 3 }`, `"first"`).
 */
function fittingBranch(branches: readonly (readonly z.core.$ZodIssue[])[]): readonly z.core.$ZodIssue[] | undefined {
  const fitting = branches.filter(
    (issues) =>
      !issues.some(
        (issue) =>
          (issue.code === "unrecognized_keys" && issue.path.length === 0) ||
          (issue.message === REQUIRED && issue.path.length === 1),
      ),
  );
  return fitting.length === 1 ? fitting[0] : undefined;
}

function collectProblems(issues: readonly z.core.$ZodIssue[], prefix: Path, out: Problem[]): void {
  for (const issue of issues) {
    const path = [...prefix, ...issue.path.map(keyOf)];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push({ path: formatPath([...path, key]), message: UNKNOWN_FIELD });
    } else if (issue.code === "invalid_union") {
      const branch = issue.message === REQUIRED ? undefined : fittingBranch(issue.errors);
      if (branch) collectProblems(branch, path, out);
      else out.push({ path: formatPath(path), message: issue.message });
    } else {
      out.push({ path: formatPath(path), message: issue.message });
    }
  }
}

/** zod issues as problems: one per unknown field, unions resolved, repeats (1.5 is both "not an integer" and
 *  maybe "too big" — same message) dropped. */
export function toProblems(issues: readonly z.core.$ZodIssue[]): Problem[] {
  const all: Problem[] = [];
  collectProblems(issues, [], all);
  const seen = new Set<string>();
  return all.filter((problem) => {
    const key = `${problem.path}\u0000${problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
