/**
 * `<kopilka-earn-preview>` computes in the browser what the server's quote says, for the same cart at the same
 * moment: for a visitor and for a signed-in member (their tier's rate), with a campaign on coffee, a line that
 * earns nothing and a line whose points are doubled. Changing the price recomputes without a request.
 */
import "../index.ts";
import {
  api, buy, clearStorage, createShop, deepEqual, equal, includes, mount, ok, shopCall, signToken, unmountAll, waitFor,
  type Shop,
} from "../test/helpers.ts";
import type { ReceiptLine } from "../../engine/host/types.ts";
import { CART } from "../test/carts.ts";
import type { KopilkaEarnPreview } from "./earn-preview.ts";

/** The demo program plus a campaign that always applies: double points on coffee. */
const DOUBLE_COFFEE = {
  campaigns: [
    {
      id: "happy-hours", name: "Счастливые часы", priority: 10,
      when: { weekdays: [1, 2, 3, 4, 5], hours: { from: "12:00", to: "15:00" } }, effect: { discountBps: 1000 },
    },
    { id: "free-shipping-3000", name: "Бесплатная доставка", when: { minSubtotal: 300000 }, effect: { freeShipping: true } },
    { id: "coffee-x2", name: "Двойные баллы за кофе", target: { categories: ["coffee"] }, effect: { pointsMultiplierBps: 20000 } },
  ],
};

type Quote = Record<string, unknown> & { pointsEarned: number };

/** The server's quote of the preview's receipt (same lines, same `at`), as the shop's checkout would ask for it. */
async function serverQuote(shop: Shop, preview: KopilkaEarnPreview, customerId?: string): Promise<Quote> {
  const receipt = preview.receipt!;
  const answer = await shopCall<Quote>(shop, "POST", "/v1/checkout/quote", { ...receipt, ...(customerId ? { customerId } : {}) });
  equal(answer.status, 200, `quote: ${JSON.stringify(answer.body)}`);
  // The quote's own fields (its program version, id and the currency its amounts are in) are not the evaluation's.
  const { programVersion: _v, quoteId: _q, currency: _c, ...evaluation } = answer.body;
  return evaluation as Quote;
}

async function preview(attributes: Record<string, string>, lines?: ReceiptLine[]): Promise<KopilkaEarnPreview> {
  const el = document.createElement("kopilka-earn-preview");
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  if (lines) el.lines = lines;
  document.body.append(el);
  await waitFor(() => el.evaluation || el.failed, "the preview");
  await el.updateComplete;
  return el;
}

describe("<kopilka-earn-preview>", () => {
  let shop: Shop;

  before(async () => {
    shop = await createShop(DOUBLE_COFFEE);
  });

  beforeEach(() => clearStorage());
  afterEach(() => unmountAll());

  it("shows the points a product earns, and equals the server's quote for it", async () => {
    const el = await preview({
      "publishable-key": shop.publishableKey, api: await api(), lang: "ru", price: "89000", qty: "2", sku: "beans-ethiopia",
      categories: "coffee",
    });
    const quote = await serverQuote(shop, el);
    deepEqual(JSON.parse(JSON.stringify(el.evaluation)), quote);
    ok(quote.pointsEarned > 0, "nothing earned");
    includes(el.shadowRoot!.textContent, `Вы получите ${quote.pointsEarned}`);
  });

  it("equals the server's quote for a whole cart: campaigns, excluded tags, a visitor", async () => {
    const el = await preview({ "publishable-key": shop.publishableKey, api: await api(), lang: "en" }, CART);
    const quote = await serverQuote(shop, el);
    deepEqual(JSON.parse(JSON.stringify(el.evaluation)), quote);
    includes(el.shadowRoot!.textContent, `You will earn ${quote.pointsEarned} points`);
  });

  it("equals the server's quote for a signed-in silver member (their rate, known through the page's widget)", async () => {
    const customerId = `silver-${crypto.randomUUID().slice(0, 8)}`;
    await shopCall(shop, "PUT", `/v1/customers/${customerId}`, { name: "Сергей", phone: `+7917${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}` });
    await buy(shop, customerId, 2500000);
    const widget = await mount(shop, { "customer-token": await signToken(shop, customerId) });
    equal(widget.customer?.tier, "silver", "tier");
    // No key of its own: it uses the widget's.
    const el = await preview({}, CART);
    await waitFor(() => el.evaluation?.customer.tier === "silver", "the member's tier in the preview");
    const quote = await serverQuote(shop, el, customerId);
    const evaluation = JSON.parse(JSON.stringify(el.evaluation)) as Quote & { customer: { id: string | null } };
    // The server names the customer; the browser's engine was not told the id.
    deepEqual({ ...evaluation, customer: { ...evaluation.customer, id: customerId } }, quote);
  });

  it("recomputes on every change without a request", async () => {
    // No happy hours here: the numbers must not depend on the time of day.
    const plain = await createShop({ campaigns: [DOUBLE_COFFEE.campaigns[2]] });
    const el = await preview({ "publishable-key": plain.publishableKey, api: await api(), lang: "en", price: "100000" });
    const requests: string[] = [];
    const original = window.fetch;
    window.fetch = (input, init) => {
      requests.push(String(input));
      return original(input, init);
    };
    try {
      const seen: number[] = [];
      for (const price of [100000, 120000, 150000, 199900, 250000]) {
        el.price = price;
        await el.updateComplete;
        seen.push(el.points!);
      }
      deepEqual(seen, [100, 120, 150, 199, 250]);
      el.sku = "beans";
      el.categories = "coffee tea";
      await el.updateComplete;
      equal(el.points, 500, "doubled on coffee");
      el.tags = "no-earn";
      await el.updateComplete;
      equal(el.points, 0, "a no-earn product");
      equal(el.shadowRoot!.textContent!.trim(), "", "nothing shown for 0 points");
    } finally {
      window.fetch = original;
    }
    deepEqual(requests, []);
  });

  it("says so, and fires kopilka-error, when the program cannot be loaded", async () => {
    const errors: CustomEvent[] = [];
    const listener = (e: Event) => errors.push(e as CustomEvent);
    window.addEventListener("kopilka-error", listener);
    try {
      const el = await preview({ "publishable-key": "pk_nosuchshop_0000000000000000000000", api: await api(), lang: "en", price: "100000" });
      equal(el.failed, true, "failed");
      includes(el.shadowRoot!.textContent, "Points unavailable");
      equal(errors[0]?.detail.operation, "preview", "operation");
      // An unknown key is refused before the API knows whose origin this is, so the browser may see no answer at all.
      ok(["unauthorized", "network"].includes(errors[0]?.detail.code ?? ""), `code ${errors[0]?.detail.code}`);
    } finally {
      window.removeEventListener("kopilka-error", listener);
    }
  });
});
