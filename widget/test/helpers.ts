/**
 * Helpers of the widget's browser tests: assertions, the real API's test shops (created by the Node side,
 * web-test-runner.config.mjs), mounting the widget, waiting for its state, keyboard input, an axe check, and
 * screenshots into widget/test/artifacts/. It does not define the elements: a test imports `../index.ts` (the
 * sources) or loads the bundle.
 */
import { executeServerCommand, sendKeys, setViewport } from "@web/test-runner-commands";
import type { KopilkaWidget } from "../kopilka-widget/kopilka-widget.ts";
import type { View } from "../kopilka-widget/kopilka-widget.ts";
import { fail } from "../../engine/test/assert.ts";

declare global {
  function describe(name: string, body: () => void): void;
  function it(name: string, body: () => void | Promise<void>): void;
  function before(body: () => void | Promise<void>): void;
  function beforeEach(body: () => void | Promise<void>): void;
  function afterEach(body: () => void | Promise<void>): void;
  function after(body: () => void | Promise<void>): void;
}

// ---- assertions ----------------------------------------------------------------------------------

export { deepEqual, fail, ok } from "../../engine/test/assert.ts";

export function equal<T>(actual: T, expected: T, what = "value"): void {
  if (!Object.is(actual, expected)) fail(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

/** `text` contains `part`, any run of whitespace (no-break spaces included) counting as one space. */
export function includes(text: string | null | undefined, part: string, what = "text"): void {
  const norm = (s: string) => s.replace(/\s+/g, " ");
  if (text === null || text === undefined || !norm(text).includes(norm(part))) fail(`${what}: expected to contain ${JSON.stringify(part)}, got ${JSON.stringify(text)}`);
}

/** Polls until `check` returns a truthy value (or throws the last failure after `timeout`). */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeout = 8000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  fail(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

// ---- the real API ---------------------------------------------------------------------------------

export interface Shop {
  shopId: string;
  publishableKey: string;
}

let apiBase: Promise<string> | undefined;

/** The local API's origin (wrangler dev started by the test runner). */
export function api(): Promise<string> {
  apiBase ??= fetch("/__kopilka__/env.json").then(async (r) => {
    const env = (await r.json()) as { api: string | null };
    if (!env.api) throw new Error("the test runner did not start the API");
    return env.api;
  });
  return apiBase;
}

/** A new shop with the demo program (or changes to it), allowing this page's origin. */
export async function createShop(program?: Record<string, unknown>): Promise<Shop> {
  return (await executeServerCommand("kopilka-shop", { program })) as Shop;
}

/** A secret-key call, made by the Node side as a shop's backend would. */
export async function shopCall<T = unknown>(shop: Shop, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  return (await executeServerCommand("kopilka-call", { shopId: shop.shopId, method, path, body })) as { status: number; body: T };
}

/** The last verification code the shop's webhook received for the customer. */
export async function lastCode(shop: Shop, customerId: string): Promise<string> {
  return (await executeServerCommand("kopilka-code", { shopId: shop.shopId, customerId })) as string;
}

/** A customer token the shop's backend signed. */
export async function signToken(shop: Shop, customerId: string, exp = Math.floor(Date.now() / 1000) + 3600): Promise<string> {
  return (await executeServerCommand("kopilka-sign", { shopId: shop.shopId, customerId, exp })) as string;
}

let phone = Math.floor(Math.random() * 9_000_000);
/** A phone number no other test of this run uses. */
export function freshPhone(): string {
  phone = (phone + 1) % 10_000_000;
  return `+7916${String(phone).padStart(7, "0")}`;
}

/** Places and confirms an order for a customer (the shop's checkout), answering the confirmed order. */
export async function buy(shop: Shop, customerId: string, price: number, options: { redeemPoints?: number | "max"; orderId?: string } = {}) {
  const orderId = options.orderId ?? `o-${crypto.randomUUID()}`;
  const placed = await shopCall(shop, "POST", "/v1/orders", {
    orderId, customerId, store: "Тверская, 7", redeemPoints: options.redeemPoints ?? 0,
    lines: [{ id: "1", sku: "beans", categories: ["coffee"], price, qty: 1 }],
  });
  if (placed.status !== 201) fail(`order: ${placed.status} ${JSON.stringify(placed.body)}`);
  const confirmed = await shopCall(shop, "POST", `/v1/orders/${orderId}/confirm`);
  if (confirmed.status !== 200) fail(`confirm: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
  return confirmed.body as { orderId: string; evaluation: { pointsEarned: number; pointsSpent: number } };
}

// ---- the widget -----------------------------------------------------------------------------------

export function clearStorage(): void {
  localStorage.clear();
}

/** Mounts a `<kopilka-widget>` for the shop and waits until it has loaded. */
export async function mount(shop: Shop, attributes: Record<string, string> = {}): Promise<KopilkaWidget> {
  const el = document.createElement("kopilka-widget");
  el.setAttribute("publishable-key", shop.publishableKey);
  el.setAttribute("api", await api());
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  document.body.append(el);
  await waitFor(() => el.view !== "loading", "the widget to load");
  await el.updateComplete;
  return el;
}

export function unmountAll(): void {
  for (const el of document.querySelectorAll("kopilka-widget, kopilka-earn-preview")) el.remove();
}

export async function waitForView(el: KopilkaWidget, view: View): Promise<void> {
  await waitFor(() => el.view === view, `view "${view}" (now "${el.view}")`);
  await el.updateComplete;
}

/** One element of the widget's shadow root (fails when missing). */
export function $(el: HTMLElement, selector: string): HTMLElement {
  const found = el.shadowRoot!.querySelector<HTMLElement>(selector);
  if (!found) fail(`no ${selector} in <${el.localName}>`);
  return found;
}

export function $$(el: HTMLElement, selector: string): HTMLElement[] {
  return [...el.shadowRoot!.querySelectorAll<HTMLElement>(selector)];
}

/** The visible text of a part of the widget, whitespace collapsed. */
export function text(el: HTMLElement, selector: string): string {
  return $(el, selector).innerText.replace(/\s+/g, " ").trim();
}

/** The focused element inside the widget (or the page's). */
export function focused(el: HTMLElement): Element | null {
  return el.shadowRoot!.activeElement ?? document.activeElement;
}

/** Presses a key; `Shift+Tab` style chords hold the modifier. */
export async function press(key: string): Promise<void> {
  const [modifier, main] = key.includes("+") ? key.split("+") : [null, key];
  if (modifier) await sendKeys({ down: modifier });
  await sendKeys({ press: main! });
  if (modifier) await sendKeys({ up: modifier });
}

export async function type(textToType: string): Promise<void> {
  await sendKeys({ type: textToType });
}

/** Types into a field of the widget as a person would: focus, select what is there, type. */
export async function fill(el: KopilkaWidget, selector: string, value: string): Promise<void> {
  const input = $(el, selector) as HTMLInputElement;
  input.focus();
  input.select();
  if (value === "") await press("Backspace");
  else await type(value);
  await el.updateComplete;
}

/** Collects the events of `types` dispatched on `target` (they bubble and are composed: the window sees them). */
export function recordEvents(types: string[], target: EventTarget = window): { events: CustomEvent[]; stop(): void } {
  const events: CustomEvent[] = [];
  const listener = (e: Event) => events.push(e as CustomEvent);
  for (const t of types) target.addEventListener(t, listener);
  return { events, stop: () => types.forEach((t) => target.removeEventListener(t, listener)) };
}

// ---- accessibility and screenshots ----------------------------------------------------------------

interface AxeResult {
  violations: { id: string; impact: string; help: string; nodes: { target: unknown[]; failureSummary: string }[] }[];
}

let axeLoaded: Promise<void> | undefined;

function loadAxe(): Promise<void> {
  axeLoaded ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = "/node_modules/axe-core/axe.min.js";
    script.onload = () => resolve();
    script.onerror = () => reject(new Error("axe-core did not load"));
    document.head.append(script);
  });
  return axeLoaded;
}

/** axe-core's WCAG 2.1 A/AA rules (and best practices) on the page, shadow roots included; fails listing every violation. */
export async function axeCheck(what: string): Promise<void> {
  await loadAxe();
  const axe = (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<AxeResult> } }).axe;
  const result = await axe.run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    // The test page itself has no <main>/<h1>/title: only the components are under test.
    rules: { region: { enabled: false }, "page-has-heading-one": { enabled: false }, "landmark-one-main": { enabled: false },
      "document-title": { enabled: false }, "html-has-lang": { enabled: false } },
  });
  if (result.violations.length > 0) {
    const lines = result.violations.map((v) =>
      `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${JSON.stringify(n.target)} ${n.failureSummary}`).join("\n")}`);
    fail(`accessibility violations in ${what}:\n${lines.join("\n")}`);
  }
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 360, height: 740 };

export async function viewport(size: { width: number; height: number }): Promise<void> {
  await setViewport(size);
}

/** Saves a PNG of the page as widget/test/artifacts/<name>.png. */
export async function screenshot(name: string): Promise<void> {
  // Let transitions and the progress bar settle.
  await new Promise((r) => setTimeout(r, 450));
  await executeServerCommand("kopilka-screenshot", { name });
}

/** Screenshots at desktop and phone sizes: <name>-desktop.png and <name>-360.png. */
export async function screenshots(name: string): Promise<void> {
  await viewport(DESKTOP);
  await screenshot(`${name}-desktop`);
  await viewport(PHONE);
  await screenshot(`${name}-360`);
  await viewport(DESKTOP);
}
