#!/usr/bin/env node
/**
 * `kopilka` — try a loyalty program locally with the same WebAssembly engine the Worker runs (docs/cli.md).
 * Installed, it is `engine/dist/kopilka.js`: this file bundled by `engine/cli/build.ts` (Node ≥ 20, no runtime
 * dependencies) with `engine/build/release.wasm` beside it. Inside the repo, `npm run kopilka` runs this
 * TypeScript directly on the Node 22 from the `node` devDependency.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { quote, validate, type Output } from "./commands.ts";
import { CliError } from "./input.ts";

const USAGE = `kopilka — try a Kopilka loyalty program with the same WebAssembly engine as the Worker

Usage:
  kopilka validate <program.json>
  kopilka quote --program <program.json> --receipt <receipt.json> [--customer <customer.json>]
  kopilka --help
  kopilka --version

Commands:
  validate  Check a program as PUT /v1/program does. Valid: prints a one-line summary.
            Invalid: prints every problem as "path: message", one per line, on stdout.
  quote     Evaluate a receipt under a program and print the evaluation as JSON on stdout
            (the shape POST /v1/checkout/quote returns, without quoteId). The receipt must carry "at".
            The customer snapshot is optional (default: a new customer with nothing).

Exit status: 0 success, 1 invalid or unreadable input (message on stderr; validate's problems on
stdout), 2 usage error.`;

const USAGE_ERROR = 2;

function run(args: string[], io: Output): number {
  try {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
        program: { type: "string" },
        receipt: { type: "string" },
        customer: { type: "string" },
      },
    });
    const [command, ...rest] = positionals;
    if (values.version) {
      io.out(packageVersion());
      return 0;
    }
    if (values.help || command === "help") {
      io.out(USAGE);
      return 0;
    }
    switch (command) {
      case "validate": {
        if (rest.length !== 1) throw usage("validate takes exactly one file: kopilka validate <program.json>");
        if (values.program || values.receipt || values.customer) throw usage("validate takes no options");
        return validate(rest[0]!, io);
      }
      case "quote": {
        if (rest.length > 0) throw usage(`unexpected argument "${rest[0]}"`);
        if (!values.program) throw usage("quote needs --program <program.json>");
        if (!values.receipt) throw usage("quote needs --receipt <receipt.json>");
        return quote({ program: values.program, receipt: values.receipt, customer: values.customer }, io);
      }
      case undefined:
        throw usage("no command given");
      default:
        throw usage(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`kopilka: ${error.message}`);
      if (error.exitCode === USAGE_ERROR) io.err('Run "kopilka --help" for usage.');
      return error.exitCode;
    }
    if (isParseArgsError(error)) {
      io.err(`kopilka: ${error.message}\nRun "kopilka --help" for usage.`);
      return USAGE_ERROR;
    }
    throw error;
  }
}

/** The package's version: package.json sits two folders up from both this file and the bundle. */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return manifest.version;
}

function usage(message: string): CliError {
  return new CliError(message, USAGE_ERROR);
}

function isParseArgsError(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_");
}

process.exitCode = run(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
