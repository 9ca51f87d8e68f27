/**
 * The demo storefront's page script: the catalogue with an earn preview on every card, the cart (with a preview
 * for the whole cart), and a checkout that goes through the demo shop's backend (worker/demo/shop-backend.ts):
 * a quote with points to spend on a slider, the order (points held), then the demo "payment".
 * The widget is the page's `<kopilka-widget>`; this script only reads its customer token and asks it to refresh.
 */
import type { KopilkaWidget } from "../../../widget/index.ts";
import { CATEGORIES, PRODUCTS, productBySku, receiptLine, type Product } from "./catalog.ts";
import { TEXTS, type Lang, type Texts } from "./texts.ts";

interface Evaluation {
  subtotal: number;
  discount: number;
  pointsSpent: number;
  pointsSpentAmount: number;
  maxRedeemablePoints: number;
  shipping: number;
  total: number;
  pointsEarned: number;
  freeShipping: boolean;
  campaigns: { id: string; discount: number; points: number }[];
  nudges: ({ type: "tier"; tier: string; amountLeft: number } | { type: "campaign" | "freeShipping"; campaign: string; amountLeft: number; qtyLeft: number })[];
}

interface Order {
  orderId: string;
  status: string;
  evaluation: Evaluation;
  holdExpiresAt: string | null;
}

type Checkout =
  | { step: "cart" }
  | { step: "join" }
  | { step: "quote"; evaluation: Evaluation | null; redeem: number; error?: string }
  | { step: "placed"; order: Order; error?: string }
  | { step: "paid"; order: Order };

const CART_KEY = "zerno:cart";

/** Drawings that stand in for product photos, one per category. */
const PICTURES: Record<Product["category"], string> = {
  coffee: `<svg viewBox="0 0 64 64" width="64" height="64"><ellipse cx="24" cy="34" rx="13" ry="18" transform="rotate(-25 24 34)" fill="#6b3e26"/><path d="M16 20c8 6 8 22 16 28" stroke="#f3ebe3" stroke-width="3" fill="none" transform="rotate(-25 24 34)"/><ellipse cx="43" cy="30" rx="12" ry="17" transform="rotate(20 43 30)" fill="#8a5535"/><path d="M36 16c7 6 7 21 14 27" stroke="#f3ebe3" stroke-width="3" fill="none" transform="rotate(20 43 30)"/></svg>`,
  tea: `<svg viewBox="0 0 64 64" width="64" height="64"><path d="M12 50C12 24 30 10 54 10c0 26-16 42-42 40Z" fill="#5d7d3a"/><path d="M14 48C24 36 34 26 48 16" stroke="#e8f0dc" stroke-width="3" fill="none"/></svg>`,
  accessories: `<svg viewBox="0 0 64 64" width="64" height="64"><rect x="12" y="18" width="30" height="34" rx="5" fill="#b5651d"/><path d="M42 26h5a7 7 0 0 1 0 14h-5" stroke="#b5651d" stroke-width="5" fill="none"/><path d="M20 8c0 4 4 4 4 8M30 8c0 4 4 4 4 8" stroke="#8c8076" stroke-width="2.5" fill="none" stroke-linecap="round"/></svg>`,
};
const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

let lang: Lang = document.documentElement.lang === "en" ? "en" : "ru";
let t: Texts = TEXTS[lang];
let cart: Map<string, number> = loadCart();
let checkout: Checkout = { step: "cart" };
let checkoutId = newCheckoutId();
let quoteTimer: ReturnType<typeof setTimeout> | undefined;

const widget = () => document.querySelector("kopilka-widget") as KopilkaWidget | null;

function loadCart(): Map<string, number> {
  try {
    const saved = JSON.parse(localStorage.getItem(CART_KEY) ?? "[]") as [string, number][];
    return new Map(saved.filter(([sku, qty]) => productBySku(sku) && Number.isInteger(qty) && qty > 0));
  } catch {
    return new Map();
  }
}

function saveCart(): void {
  try {
    localStorage.setItem(CART_KEY, JSON.stringify([...cart]));
  } catch {
    // the cart lives for this page only
  }
}

function newCheckoutId(): string {
  return crypto.randomUUID();
}

function money(minor: number): string {
  return new Intl.NumberFormat(lang === "ru" ? "ru-RU" : "en-GB", {
    style: "currency", currency: "RUB", currencyDisplay: "narrowSymbol", maximumFractionDigits: minor % 100 === 0 ? 0 : 2,
  }).format(minor / 100);
}

function points(n: number): string {
  const forms = lang === "ru" ? { one: "балл", few: "балла", many: "баллов", other: "балла" } : { one: "point", other: "points" };
  const form = new Intl.PluralRules(lang).select(n) as keyof typeof forms;
  return `${n.toLocaleString(lang === "ru" ? "ru-RU" : "en-GB")}\u00a0${forms[form] ?? forms.other}`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function cartLines() {
  return [...cart].map(([sku, qty], i) => receiptLine(productBySku(sku)!, qty, String(i + 1)));
}

// ---- catalogue -----------------------------------------------------------------------------------

function renderCatalog(): void {
  const groups = (Object.keys(CATEGORIES) as Product["category"][]).map((category) => {
    const products = PRODUCTS.filter((p) => p.category === category);
    return `
      <section class="category" aria-labelledby="cat-${category}">
        <h3 id="cat-${category}">${CATEGORIES[category][lang]}</h3>
        <ul class="products">
          ${products.map((p) => `
            <li class="product">
              <div class="picture" aria-hidden="true">${PICTURES[p.category]}</div>
              <h4 id="p-${p.sku}">${escape(p.name[lang])}</h4>
              <p class="price">${money(p.price)}</p>
              <kopilka-earn-preview price="${p.price}" sku="${p.sku}" categories="${p.category}" tags="${(p.tags ?? []).join(" ")}"></kopilka-earn-preview>
              <button type="button" class="add" data-sku="${p.sku}" aria-describedby="p-${p.sku}">
                ${cart.has(p.sku) ? `${t.added} · ${cart.get(p.sku)}` : t.addToCart}
              </button>
            </li>`).join("")}
        </ul>
      </section>`;
  });
  $("#catalog").innerHTML = groups.join("");
}

// ---- cart and checkout ---------------------------------------------------------------------------

function renderCart(): void {
  $("#cart-count").textContent = String([...cart.values()].reduce((a, b) => a + b, 0));
  const body = $("#cart-body");
  if (cart.size === 0) {
    body.innerHTML = `<p class="muted">${t.cartEmpty}</p>`;
    if (checkout.step !== "paid") $("#checkout").innerHTML = "";
    if (checkout.step !== "paid") return;
    renderCheckout();
    return;
  }
  const subtotal = cartLines().reduce((sum, l) => sum + l.price * l.qty, 0);
  const locked = checkout.step === "placed";
  body.innerHTML = `
    <ul class="cart-lines">
      ${[...cart].map(([sku, qty]) => {
        const p = productBySku(sku)!;
        return `
          <li class="cart-line">
            <span class="name">${escape(p.name[lang])}</span>
            <span class="qty" role="group" aria-label="${escape(t.qtyOf(p.name[lang]))}">
              <button type="button" data-dec="${sku}" aria-label="${t.less}" ${locked ? "disabled" : ""}>−</button>
              <output aria-live="polite">${qty}</output>
              <button type="button" data-inc="${sku}" aria-label="${t.more}" ${locked ? "disabled" : ""}>+</button>
            </span>
            <span class="sum">${money(p.price * qty)}</span>
          </li>`;
      }).join("")}
    </ul>
    <p class="row"><span>${t.subtotal}</span><strong>${money(subtotal)}</strong></p>
    ${checkout.step === "cart" || checkout.step === "join"
      ? `<p class="cart-preview"><kopilka-earn-preview id="cart-preview"></kopilka-earn-preview></p>` : ""}
  `;
  // Before checkout the preview says what the cart earns; the quote then says it exactly, points spent included.
  const preview = document.querySelector("#cart-preview") as HTMLElementTagNameMap["kopilka-earn-preview"] | null;
  if (preview) preview.lines = cartLines();
  renderCheckout();
}

function renderCheckout(): void {
  const box = $("#checkout");
  switch (checkout.step) {
    case "cart":
      box.innerHTML = `<button type="button" class="primary" id="start-checkout">${t.checkout}</button>`;
      return;
    case "join":
      box.innerHTML = `<p class="note">${t.joinFirst}</p><button type="button" class="primary" id="join">${t.join}</button>`;
      return;
    case "quote":
      box.innerHTML = renderQuote(checkout);
      return;
    case "placed": {
      const until = checkout.order.holdExpiresAt
        ? new Date(checkout.order.holdExpiresAt).toLocaleTimeString(lang === "ru" ? "ru-RU" : "en-GB", { hour: "2-digit", minute: "2-digit" })
        : "—";
      box.innerHTML = `
        ${summary(checkout.order.evaluation)}
        <p class="note" role="status">${escape(t.placed(checkout.order.orderId, until))}</p>
        ${checkout.error ? `<p class="error" role="alert">${escape(checkout.error)}</p>` : ""}
        <button type="button" class="primary" id="pay">${t.pay(money(checkout.order.evaluation.total))}</button>`;
      return;
    }
    case "paid":
      box.innerHTML = `<p class="success" role="status">${escape(t.paid(points(checkout.order.evaluation.pointsEarned)))}</p>`;
      return;
  }
}

function campaignName(id: string): string {
  const program = widget()?.program?.program;
  if (id.startsWith("tier:")) return t.tierDiscount;
  return program?.campaigns?.find((c) => c.id === id)?.name ?? program?.rewards?.find((r) => `reward:${r.id}` === id)?.name ?? t.discount;
}

function tierName(id: string): string {
  return widget()?.program?.program.tiers?.levels.find((l) => l.id === id)?.name ?? id;
}

function summary(e: Evaluation): string {
  const discounts = e.campaigns.filter((c) => c.discount > 0);
  return `
    <h3 tabindex="-1">${t.quoteTitle}</h3>
    <dl class="summary">
      <div class="row"><dt>${t.subtotal}</dt><dd>${money(e.subtotal)}</dd></div>
      ${discounts.map((c) => `<div class="row discount"><dt>${escape(campaignName(c.id))}</dt><dd>−${money(c.discount)}</dd></div>`).join("")}
      ${e.pointsSpent > 0 ? `<div class="row discount"><dt>${t.points} (${points(e.pointsSpent)})</dt><dd>−${money(e.pointsSpentAmount)}</dd></div>` : ""}
      <div class="row"><dt>${t.shipping}</dt><dd>${e.freeShipping ? t.free : money(e.shipping)}</dd></div>
      <div class="row total"><dt>${t.total}</dt><dd>${money(e.total)}</dd></div>
    </dl>
    <p class="earn">${t.willEarn(points(e.pointsEarned))}</p>
    ${e.nudges.map((n) => n.type === "freeShipping" && n.amountLeft > 0 ? `<p class="nudge">${t.freeShippingLeft(money(n.amountLeft))}</p>`
      : n.type === "tier" ? `<p class="nudge">${escape(t.tierLeft(money(n.amountLeft), tierName(n.tier)))}</p>` : "").join("")}`;
}

function renderQuote(state: Extract<Checkout, { step: "quote" }>): string {
  const e = state.evaluation;
  if (!e) return `<p class="muted" role="status">${t.loading}</p>${state.error ? `<p class="error" role="alert">${escape(state.error)}</p>` : ""}`;
  const max = e.maxRedeemablePoints;
  return `
    ${summary(e)}
    <div class="points-field">
      ${max > 0 ? `
        <label for="redeem">${t.payWithPoints}</label>
        <div class="points-inputs">
          <input type="range" id="redeem-range" min="0" max="${max}" step="1" value="${state.redeem}" aria-label="${t.payWithPoints}" aria-describedby="redeem-hint">
          <input type="number" id="redeem" min="0" max="${max}" step="1" value="${state.redeem}" inputmode="numeric" aria-describedby="redeem-hint">
        </div>
        <p class="muted" id="redeem-hint">${t.pointsHint(max)}</p>` : `<p class="muted">${t.noPoints}</p>`}
    </div>
    ${state.error ? `<p class="error" role="alert">${escape(state.error)}</p>` : ""}
    <button type="button" class="primary" id="place">${t.placeOrder}</button>`;
}

// ---- the demo shop's backend ---------------------------------------------------------------------

async function backend<T>(method: string, path: string, body?: unknown): Promise<T> {
  const token = widget()?.token;
  const response = await fetch(path, {
    method,
    headers: { "content-type": "application/json", ...(token ? { "x-customer-token": token } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = (await response.json().catch(() => ({}))) as T & { error?: { message?: string } };
  if (!response.ok) throw new Error(data.error?.message ?? `${response.status}`);
  return data;
}

function cartBody(redeem: number | "max") {
  return { lines: [...cart].map(([sku, qty]) => ({ sku, qty })), redeemPoints: redeem };
}

async function quote(redeem: number | "max"): Promise<void> {
  const requested = redeem;
  try {
    const evaluation = await backend<Evaluation>("POST", "/demo/api/quote", cartBody(requested));
    if (checkout.step !== "quote") return;
    checkout = { step: "quote", evaluation, redeem: evaluation.pointsSpent };
  } catch (error) {
    if (checkout.step !== "quote") return;
    checkout = { ...checkout, error: `${t.failed}: ${(error as Error).message}` };
  }
  renderCheckout();
}

async function startCheckout(): Promise<void> {
  if (!widget()?.token) {
    checkout = { step: "join" };
    renderCheckout();
    return;
  }
  checkout = { step: "quote", evaluation: null, redeem: 0 };
  renderCart();
  await quote("max");
  $<HTMLElement>("#checkout h3")?.focus();
}

async function place(): Promise<void> {
  if (checkout.step !== "quote") return;
  const state = checkout;
  try {
    const order = await backend<Order>("POST", "/demo/api/orders", { ...cartBody(state.redeem), checkoutId });
    checkout = { step: "placed", order };
    renderCart();
    $<HTMLButtonElement>("#pay").focus();
  } catch (error) {
    checkout = { ...state, error: `${t.failed}: ${(error as Error).message}` };
    renderCheckout();
  }
}

async function pay(): Promise<void> {
  if (checkout.step !== "placed") return;
  const state = checkout;
  try {
    const order = await backend<Order>("POST", `/demo/api/orders/${encodeURIComponent(state.order.orderId)}/confirm`);
    checkout = { step: "paid", order };
    cart = new Map();
    saveCart();
    checkoutId = newCheckoutId();
    renderCatalog();
    renderCart();
    $<HTMLElement>("#checkout .success").setAttribute("tabindex", "-1");
    $<HTMLElement>("#checkout .success").focus();
    await widget()?.refresh();
  } catch (error) {
    checkout = { ...state, error: `${t.failed}: ${(error as Error).message}` };
    renderCheckout();
  }
}

function changeCart(sku: string, delta: number): void {
  const qty = (cart.get(sku) ?? 0) + delta;
  if (qty <= 0) cart.delete(sku);
  else cart.set(sku, Math.min(qty, 99));
  saveCart();
  if (checkout.step !== "cart") checkout = { step: "cart" };
  checkoutId = newCheckoutId();
  renderCatalog();
  renderCart();
}

// ---- language and events -------------------------------------------------------------------------

function applyLang(next: Lang): void {
  lang = next;
  t = TEXTS[lang];
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll<HTMLElement>("[data-t]")) el.textContent = t[el.dataset.t as keyof Texts] as string;
  for (const el of document.querySelectorAll<HTMLElement>("[data-t-label]")) el.setAttribute("aria-label", t[el.dataset.tLabel as keyof Texts] as string);
  const toggle = $("#lang");
  toggle.textContent = t.switchLang;
  toggle.setAttribute("lang", lang === "ru" ? "en" : "ru");
  renderCatalog();
  renderCart();
}

document.addEventListener("click", (event) => {
  const target = (event.target as HTMLElement).closest("button");
  if (!target) return;
  if (target.dataset.sku) changeCart(target.dataset.sku, 1);
  else if (target.dataset.inc) changeCart(target.dataset.inc, 1);
  else if (target.dataset.dec) changeCart(target.dataset.dec, -1);
  else if (target.id === "start-checkout") void startCheckout();
  else if (target.id === "join" || target.id === "my-bonuses") widget()?.show();
  else if (target.id === "place") void place();
  else if (target.id === "pay") void pay();
  else if (target.id === "lang") applyLang(lang === "ru" ? "en" : "ru");
});

document.addEventListener("input", (event) => {
  const input = event.target as HTMLInputElement;
  if ((input.id !== "redeem" && input.id !== "redeem-range") || checkout.step !== "quote") return;
  const max = Number(input.max);
  const value = Math.max(0, Math.min(max, Math.floor(Number(input.value) || 0)));
  const other = $<HTMLInputElement>(input.id === "redeem" ? "#redeem-range" : "#redeem");
  other.value = String(value);
  checkout = { ...checkout, redeem: value };
  clearTimeout(quoteTimer);
  // Re-quote when the slider rests: the summary then shows exactly what the order will be.
  quoteTimer = setTimeout(() => {
    void quote(value).then(() => $<HTMLInputElement>(`#${input.id}`)?.focus());
  }, 300);
});

// Joining in the widget (or signing out) changes what checkout can do.
for (const type of ["kopilka-registered", "kopilka-balance-changed"] as const) {
  document.addEventListener(type, () => {
    if (checkout.step === "join") void startCheckout();
  });
}

applyLang(lang);
