/**
 * The host's two entries: engine/host/engine.ts (the Engine, no zod, for the storefront's engine module) and
 * engine/host/index.ts (createEngine: validation first, every problem of a refused receipt listed).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { createEngine } from "../host/node.ts";
import { Engine, registeredEngineModule } from "../host/engine.ts";
import type { Receipt } from "../host/types.ts";
import { campaign, line, program, receipt, problemsOf } from "./builders.ts";


function bare(): Engine {
  const module = registeredEngineModule();
  if (!module) throw new Error("node.ts did not register the engine module");
  return new Engine(program({ campaigns: [campaign()] }), module);
}

/** Two bad lines and a bad snapshot field: the encoder stops at the first, the schema finds all three. */
const BAD: Receipt = receipt({ lines: [line({ price: -1 }), line({ price: 100, qty: 0 })] });

describe("the host's entries", () => {
  test("the Engine without validation quotes as createEngine does", () => {
    const validated = createEngine(program({ campaigns: [campaign()] }));
    const r = receipt({ lines: [line({ price: 12_345, qty: 3 }), line({ price: 999 })] });
    expect(bare().quote(r, { balance: 500 })).toEqual(validated.quote(r, { balance: 500 }));
  });

  test("createEngine lists every problem of a refused receipt, with the snapshot's under customer.", () => {
    const paths = problemsOf(() => createEngine(program()).quote(BAD, { spend: -1 })).map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(["lines[0].price", "lines[1].qty", "customer.spend"]));
  });

  test("the Engine without validation reports the encoder's own, first problem", () => {
    // The encoder writes the snapshot before the lines, so the snapshot's field is the one it meets first.
    expect(problemsOf(() => bare().quote(BAD, { spend: -1 }))).toEqual([
      { path: "customer.spend", message: "must be an integer between 0 and 1000000000000000" },
    ]);
    expect(problemsOf(() => bare().quote(BAD))).toEqual([
      { path: "lines[0].price", message: "must be an integer between 0 and 1000000000000" },
    ]);
  });

  test("engine.ts and what it imports never reach zod or validate.ts", () => {
    const seen = new Set<string>();
    const visit = (url: URL): void => {
      const path = fileURLToPath(url);
      if (seen.has(path)) return;
      seen.add(path);
      const source = readFileSync(path, "utf8");
      for (const [, spec] of source.matchAll(/^\s*(?:import|export)\b[^;]*?from\s+"([^"]+)"/gm)) {
        expect(spec, `${path} imports ${spec}`).not.toMatch(/^zod|validate/);
        if (spec!.startsWith(".")) visit(new URL(spec!, url));
      }
    };
    visit(new URL("../host/engine.ts", import.meta.url));
    expect(seen.size).toBeGreaterThan(3);
  });
});
