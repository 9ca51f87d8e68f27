/**
 * The CLI's commands (docs/cli.md). Each returns its exit code and writes through `out`/`err`, so the entry
 * point stays a few lines and every failure path is a CliError with a message that names the input.
 */
import { createEngine, ReceiptInvalidError } from "../host/node.ts";
import type { CustomerSnapshot, Evaluation, Problem, Program } from "../host/types.ts";
import { validateCustomer, validateProgram, validateReceipt } from "../host/validate.ts";
import { CliError, formatProblems, readJsonFile } from "./input.ts";

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

/**
 * `kopilka validate <program.json>`: the problems are the command's answer, so they go to stdout,
 * one `path: message` per line (exit 1); a valid program prints a one-line summary (exit 0).
 */
export function validate(file: string, io: Output): number {
  const result = validateProgram(readJsonFile(file));
  if (!result.ok) {
    io.out(formatProblems(result.problems));
    return 1;
  }
  io.out(`valid: ${summarize(result.program)}`);
  return 0;
}

export interface QuoteFiles {
  program: string;
  receipt: string;
  customer?: string | undefined;
}

/**
 * `kopilka quote`: prints the evaluation (pretty JSON) on stdout. Invalid input is reported on stderr,
 * naming the file, with every problem as `path: message` (exit 1).
 */
export function quote(files: QuoteFiles, io: Output): number {
  const program = validateProgram(readJsonFile(files.program));
  if (!program.ok) throw invalid(files.program, "program", program.problems);
  const receipt = validateReceipt(readJsonFile(files.receipt));
  if (!receipt.ok) throw invalid(files.receipt, "receipt", receipt.problems);
  let customer: CustomerSnapshot | undefined;
  if (files.customer !== undefined) {
    const snapshot = validateCustomer(readJsonFile(files.customer));
    if (!snapshot.ok) throw invalid(files.customer, "customer snapshot", snapshot.problems);
    customer = snapshot.customer;
  }
  let evaluation: Evaluation;
  try {
    evaluation = createEngine(program.program).quote(receipt.receipt, customer);
  } catch (error) {
    // Limits only the engine can check (e.g. the subtotal) surface here, as for the API.
    if (error instanceof ReceiptInvalidError) throw invalid(files.receipt, "receipt", error.problems);
    throw error;
  }
  io.out(JSON.stringify(evaluation, null, 2));
  return 0;
}

function invalid(file: string, what: string, problems: readonly Problem[]): CliError {
  return new CliError(`${file} is not a valid ${what}:\n${formatProblems(problems)}`);
}

/** `RUB, 3 tiers, 12 campaigns, 1 reward` (and `, paused` when the program is paused). */
export function summarize(program: Program): string {
  const parts = [
    program.currency,
    count(program.tiers?.levels.length ?? 0, "tier"),
    count(program.campaigns?.length ?? 0, "campaign"),
    count(program.rewards?.length ?? 0, "reward"),
  ];
  if (program.status === "paused") parts.push("paused");
  return parts.join(", ");
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
