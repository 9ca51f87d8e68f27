/** Reading the CLI's input files: every failure becomes a CliError that names the file. */
import { readFileSync } from "node:fs";
import type { Problem } from "../host/types.ts";

/** A failure the CLI reports as a plain message (no stack trace) with its exit code. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/** Reads and parses a JSON file; unreadable files and bad JSON are CliErrors naming the file. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${describeFsError(error)}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(`${file} is not valid JSON: ${reason}`);
  }
}

/** `path: message`, one problem per line — the format `kopilka validate` promises. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((problem) => `${problem.path || "(root)"}: ${problem.message}`).join("\n");
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "it is a directory";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  return error instanceof Error ? error.message : String(error);
}
