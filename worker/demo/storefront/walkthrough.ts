/**
 * `npm run demo:walkthrough`: a new shopper's whole visit to the demo shop in Chromium, as the README promises it —
 * open the storefront, join in the widget (welcome points), put coffee in the cart, check out paying with points,
 * pay, and see balance, tier progress and history change. Screenshots of each step (desktop and 360 px) go to
 * widget/test/artifacts/demo-*.png.
 *
 * Runs against `npm start` when it is up on http://127.0.0.1:8787 (KOPILKA_BASE to change); otherwise builds the
 * storefront and starts `wrangler dev` there itself, on throwaway state. Exit 1 on the first step that fails.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer, { type Page } from "puppeteer-core";
import { buildStorefront } from "./build.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const artifacts = `${root}widget/test/artifacts/`;
const base = process.env.KOPILKA_BASE ?? "http://127.0.0.1:8787";

async function up(): Promise<boolean> {
  try {
    return (await fetch(`${base}/v1/health`)).ok;
  } catch {
    return false;
  }
}

/** `wrangler dev` with the storefront on throwaway state, in its own process group. */
async function startServer(): Promise<{ stop(): void }> {
  await buildStorefront();
  const state = mkdtempSync(join(tmpdir(), "kopilka-demo-"));
  const { port } = new URL(base);
  const child: ChildProcess = spawn(
    process.execPath,
    [join(root, "node_modules/wrangler/bin/wrangler.js"), "dev", "worker/demo/local.ts", "--ip", "127.0.0.1", "--port", port || "8787",
      "--persist-to", state, "--assets", "build/storefront", "--log-level", "warn", "--show-interactive-dev-session=false",
      // As `npm start` runs it (worker/demo/start.ts): the local entry, whose demo shop allows this page's origin.
      "--var", `DEMO_ORIGINS:${new URL(base).origin}`],
    { cwd: root, detached: true, stdio: "ignore", env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" } },
  );
  const stop = () => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // gone already
    }
    rmSync(state, { recursive: true, force: true });
  };
  process.on("exit", stop);
  for (let i = 0; i < 240 && !(await up()); i++) await new Promise((r) => setTimeout(r, 250));
  if (!(await up())) {
    stop();
    throw new Error(`wrangler dev did not answer on ${base}`);
  }
  return { stop };
}

/** axe-core's WCAG 2.1 A/AA rules on the whole page, the widget's shadow root included. */
async function axeCheck(page: Page, what: string): Promise<void> {
  await page.addScriptTag({ path: `${root}node_modules/axe-core/axe.min.js` });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(c: unknown, o: unknown): Promise<{ violations: { id: string; help: string; nodes: { target: unknown }[] }[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return result.violations.map((v) => `${v.id}: ${v.help} ${JSON.stringify(v.nodes.map((n) => n.target))}`);
  });
  if (violations.length > 0) throw new Error(`accessibility violations (${what}):\n${violations.join("\n")}`);
}

function step(name: string): void {
  console.log(`• ${name}`);
}

async function shots(page: Page, name: string): Promise<void> {
  await new Promise((r) => setTimeout(r, 400));
  await page.screenshot({ path: `${artifacts}demo-${name}-desktop.png` });
  await page.setViewport({ width: 360, height: 740 });
  await new Promise((r) => setTimeout(r, 300));
  await page.screenshot({ path: `${artifacts}demo-${name}-360.png` });
  await page.setViewport({ width: 1280, height: 800 });
}

/** A value read inside the page's `<kopilka-widget>`. */
function widgetState(page: Page) {
  return page.evaluate(() => {
    const w = document.querySelector("kopilka-widget")!;
    return { view: w.view, balance: w.customer?.balance ?? null, tier: w.customer?.tier ?? null, spend: w.customer?.spend ?? null, history: w.history?.length ?? null };
  });
}

async function main(): Promise<void> {
  mkdirSync(artifacts, { recursive: true });
  const server = (await up()) ? null : await startServer();
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROME_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run", "--font-render-hinting=none"],
  });
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(String(error)));
    await page.setViewport({ width: 1280, height: 800 });

    step("the storefront opens with the widget and a preview on every product");
    await page.goto(`${base}/`, { waitUntil: "networkidle0" });
    await page.waitForFunction(() => document.querySelector("kopilka-widget")?.view === "anonymous");
    await page.waitForFunction(() => [...document.querySelectorAll("kopilka-earn-preview")].every((p) => p.evaluation));
    await axeCheck(page, "the storefront");
    await shots(page, "home");

    step("a new shopper joins in the widget and gets the welcome points");
    await page.click("#my-bonuses");
    await page.locator("kopilka-widget >>> #join-name").fill("Анна");
    const phone = `+7915${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
    await page.locator("kopilka-widget >>> #join-phone").fill(phone);
    await page.locator("kopilka-widget >>> #join-consent").click();
    await page.locator("kopilka-widget >>> [part~=submit]").click();
    await page.waitForFunction(() => document.querySelector("kopilka-widget")?.view === "member");
    const joined = await widgetState(page);
    if (joined.balance !== 500) throw new Error(`welcome points: ${JSON.stringify(joined)}`);
    await shots(page, "joined");
    await page.keyboard.press("Escape");

    step("coffee and a mug go into the cart; the cart shows the points it will earn");
    await page.click("button[data-sku=beans-kenya]");
    await page.click("button[data-sku=mug]");
    await page.waitForFunction(() => (document.querySelector("#cart-preview") as { points?: number } | null)?.points);

    step("checkout: the quote spends the 500 points (slider at its maximum)");
    await page.click("#start-checkout");
    await page.waitForSelector("#place");
    await axeCheck(page, "the checkout");
    const redeem = await page.$eval("#redeem", (el) => Number((el as HTMLInputElement).value));
    if (redeem !== 500) throw new Error(`points to spend: ${redeem}`);
    await page.$eval("#cart", (el) => el.scrollIntoView());
    await shots(page, "checkout");

    step("the order is placed (points held) and paid");
    await page.click("#place");
    await page.waitForSelector("#pay");
    await page.click("#pay");
    await page.waitForSelector("#checkout .success");
    const paid = await page.$eval("#checkout .success", (el) => el.textContent ?? "");
    await page.waitForFunction(() => (document.querySelector("kopilka-widget")?.customer?.spend ?? 0) > 0);
    const after = await widgetState(page);
    await shots(page, "paid");

    step("the widget shows the new balance, the tier progress and the order in the history");
    await page.click("#my-bonuses");
    await page.waitForFunction(() => (document.querySelector("kopilka-widget")?.history?.length ?? 0) >= 2);
    const history = await page.$eval("kopilka-widget", (w) => w.history!.map((h) => `${h.type} ${h.points}`));
    await axeCheck(page, "the widget after the order");
    await shots(page, "after");

    step("in English: the storefront and the widget switch together");
    await page.keyboard.press("Escape");
    await page.click("#lang");
    await page.waitForFunction(() => document.documentElement.lang === "en");
    await page.click("#my-bonuses");
    await page.waitForFunction(() => document.querySelector("kopilka-widget")?.shadowRoot?.querySelector("#title")?.textContent?.includes("Loyalty program"));
    await shots(page, "english");
    console.log(`  ${paid.trim()}\n  balance ${after.balance}, tier ${after.tier}, spend ${after.spend}; history: ${history.join(", ")}`);
    if (after.balance === null || after.balance <= 0 || after.balance >= 500) throw new Error(`balance after the order: ${after.balance}`);
    if (!history[0]?.startsWith("order")) throw new Error(`history: ${history.join(", ")}`);
    if (problems.length > 0) throw new Error(`errors on the page: ${problems.join("; ")}`);
    console.log(`walkthrough passed; screenshots in ${artifacts.slice(root.length)}demo-*.png`);
  } finally {
    await browser.close();
    server?.stop();
  }
}

try {
  await main();
} catch (error) {
  console.error(`walkthrough failed: ${(error as Error).message}`);
  process.exit(1);
}
