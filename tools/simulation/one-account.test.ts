/** Ledger simulation (README.md "Simulation"): long streams against one account. 4 × 2 625 = 10 500 steps. */
import { describe } from "vitest";
import { streams } from "./streams.ts";

describe("ledger simulation: one account", () => streams([1, 2, 3, 4], 2625, 1));
