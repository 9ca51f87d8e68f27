/**
 * Bundles the `kopilka` CLI into one ES module, `engine/dist/kopilka.js`, for the published package: everything
 * (zod included) is inlined so the installed package has no runtime dependencies, and the target is Node 20.
 * The bundle sits in `engine/dist/` so that the engine host's `../build/release.wasm` and the CLI's
 * `../../package.json` resolve to the same files as they do from the sources.
 */
import { build } from "esbuild";

await build({
  entryPoints: [new URL("kopilka.ts", import.meta.url).pathname],
  outfile: new URL("../dist/kopilka.js", import.meta.url).pathname,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  legalComments: "none",
  logLevel: "warning",
});
