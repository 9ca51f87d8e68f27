/** The SDK's types are generated from the OpenAPI document: the committed file is what the generator writes now. */
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));

describe("sdk/src/schema.ts", () => {
  it("is openapi-typescript's output for docs/openapi.json (`npm run build:openapi` writes both)", () => {
    const out = join(mkdtempSync(join(tmpdir(), "kopilka-sdk-")), "schema.ts");
    execFileSync(process.execPath, [join(root, "node_modules/openapi-typescript/bin/cli.js"), join(root, "docs/openapi.json"), "-o", out,
      "--default-non-nullable", "false", "--root-types"], { stdio: "pipe" });
    expect(readFileSync(out, "utf8")).toBe(readFileSync(join(root, "sdk/src/schema.ts"), "utf8"));
  });
});
