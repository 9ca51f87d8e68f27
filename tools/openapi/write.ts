/**
 * `npm run build:openapi`: writes docs/openapi.json and docs/program.schema.json from the Worker's own routes and
 * schemas — the same code that serves `GET /v1/openapi.json` (a test in workerd checks the files match what the
 * Worker answers). The Durable Object modules import `cloudflare:workers`, which Node does not have; the document
 * needs none of their code, so that one import resolves to empty classes here.
 */
import { registerHooks } from "node:module";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const STUB = "data:text/javascript,export class DurableObject{}; export class WorkflowEntrypoint{}; export const env={}; export const exports={};";
registerHooks({
  resolve(specifier, context, next) {
    if (specifier.startsWith("cloudflare:")) return { url: STUB, shortCircuit: true };
    return next(specifier, context);
  },
});

const root = fileURLToPath(new URL("../../", import.meta.url));
const { createApp } = await import("../../worker/http/app.ts");
const app = createApp();
for (const [path, file] of [["/v1/openapi.json", "docs/openapi.json"], ["/v1/program.schema.json", "docs/program.schema.json"]] as const) {
  const response = await app.request(path);
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  writeFileSync(`${root}${file}`, `${JSON.stringify(await response.json(), null, 2)}\n`);
  console.log(`wrote ${file}`);
}
