/**
 * Ledger simulation (README.md "Simulation"): streams interleaved over three accounts, with concurrent requests
 * across them — no account's ledger may move another's. 4 × 2 625 = 10 500 steps.
 */
import { describe } from "vitest";
import { streams } from "./streams.ts";

describe("ledger simulation: three accounts", () => streams([5, 6, 7, 8], 2625, 3));
