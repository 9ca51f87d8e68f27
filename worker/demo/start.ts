/**
 * `npm start`: runs the Worker under workerd (`wrangler dev`, local state persisted under .wrangler/state),
 * waits until it answers, and prints where it is and the demo shop's local-only keys (.dev.vars).
 * The Worker seeds the demo shop itself on its first request (worker/demo/seed.ts).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const port = process.env.PORT ?? "8787";
const base = `http://127.0.0.1:${port}`;

function devVars(): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(`${root}.dev.vars`, "utf8").split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]!] = m[2]!;
  }
  return vars;
}

const wrangler = spawn(
  `${root}node_modules/.bin/wrangler`,
  // --assets: the demo storefront (`npm run build:storefront`) at `/` instead of wrangler.toml's build/assets —
  // beside the same /widget/<version>/ files and _headers a deployment serves; every other path goes to the Worker.
  ["dev", "worker/demo/local.ts", "--ip", "127.0.0.1", "--port", port, "--persist-to", ".wrangler/state", "--assets", "build/storefront",
    // A shop under development may send its webhooks to a receiver on this machine.
    "--var", "ALLOW_PRIVATE_WEBHOOKS:1",
    // The demo shop's storefront origins: this port's, never a request's Host header (worker/demo/seed.ts).
    "--var", `DEMO_ORIGINS:http://127.0.0.1:${port},http://localhost:${port}`,
    // The demo shop's webhook endpoint delivers every event to the demo receiver in this Worker (worker/demo/receiver.ts).
    "--var", `DEMO_WEBHOOK_URL:http://127.0.0.1:${port}/demo/webhooks`],
  { cwd: root, stdio: "inherit", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => wrangler.kill(signal));
wrangler.on("exit", (code) => process.exit(code ?? 0));

async function ready(): Promise<boolean> {
  for (let attempt = 0; attempt < 240; attempt++) {
    try {
      const res = await fetch(`${base}/v1/health`);
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

if (await ready()) {
  // The first request to a shop route seeds the demo shop; make it now so the banner is true.
  const vars = devVars();
  await fetch(`${base}/v1/program`, { headers: { authorization: `Bearer ${vars.DEMO_SECRET_KEY}` } }).catch(() => {});
  console.log(`
  Kopilka is running at ${base}
    demo shop     ${base}/          (the storefront with the widget)
    health        ${base}/v1/health
    OpenAPI       ${base}/v1/openapi.json
  Demo shop (local only — these keys live in .dev.vars and never in production):
    shop id          ${vars.DEMO_SHOP_ID}
    secret key       ${vars.DEMO_SECRET_KEY}
    publishable key  ${vars.DEMO_PUBLISHABLE_KEY}
    platform token   ${vars.PLATFORM_TOKEN}
  Try:  curl -s ${base}/v1/program -H "authorization: Bearer ${vars.DEMO_SECRET_KEY}"
`);
} else {
  console.error(`Kopilka did not answer on ${base}/v1/health within 60 s`);
}
