/**
 * The bundle a shop includes (widget/dist/, built by `npm run build:widget`, which `npm run test:browser` runs
 * first): one ES module within its size budget; two copies on one page do not throw; the engine module and its
 * `.wasm` are fetched only once a preview needs them; and the bundled preview — whose engine skips zod
 * validation — still equals the server's quote.
 */
import { api, clearStorage, createShop, deepEqual, equal, ok, shopCall, unmountAll, waitFor, type Shop } from "./helpers.ts";
import { CART } from "./carts.ts";

const DIST = new URL("../dist/", import.meta.url);

/** Uncaught errors and rejections of the page while `body` runs. */
async function uncaught(body: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const onError = (e: ErrorEvent) => seen.push(`error: ${e.message}`);
  const onRejection = (e: PromiseRejectionEvent) => seen.push(`unhandled rejection: ${String(e.reason)}`);
  window.addEventListener("error", onError);
  window.addEventListener("unhandledrejection", onRejection);
  try {
    await body();
    await new Promise((r) => setTimeout(r, 100));
  } finally {
    window.removeEventListener("error", onError);
    window.removeEventListener("unhandledrejection", onRejection);
  }
  return seen;
}

function addScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.type = "module";
    script.src = src;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`${src} did not load`));
    document.head.append(script);
  });
}

function requested(name: string): boolean {
  return performance.getEntriesByType("resource").some((e) => new URL(e.name).pathname.endsWith(`/${name}`));
}

describe("the bundle", () => {
  let shop: Shop;

  before(async () => {
    shop = await createShop();
  });

  beforeEach(() => clearStorage());
  afterEach(() => unmountAll());

  it("kopilka.js is within 25 KB gzipped", async () => {
    const size = (await (await fetch(new URL("size.json", DIST))).json()) as { budgetGzip: number; "kopilka.js": { gzip: number } };
    equal(size.budgetGzip, 25_000, "budget");
    ok(size["kopilka.js"].gzip <= size.budgetGzip, `kopilka.js is ${size["kopilka.js"].gzip} bytes gzipped`);
    // Measured again here, by the browser's own gzip.
    const body = (await fetch(new URL("kopilka.js", DIST))).body!.pipeThrough(new CompressionStream("gzip"));
    const gzipped = (await new Response(body).arrayBuffer()).byteLength;
    ok(gzipped <= 25_000, `kopilka.js is ${gzipped} bytes with the browser's gzip`);
  });

  it("loads twice without an error, and the engine only when a preview needs it", async () => {
    const errors = await uncaught(async () => {
      await addScript(new URL("kopilka.js", DIST).href);
      // A second copy under another URL is another module instance: its definitions must not throw.
      await addScript(new URL("kopilka.js?copy=2", DIST).href);
    });
    deepEqual(errors, []);
    ok(customElements.get("kopilka-widget"), "kopilka-widget is not defined");
    ok(customElements.get("kopilka-earn-preview"), "kopilka-earn-preview is not defined");

    const widget = document.createElement("kopilka-widget");
    widget.setAttribute("publishable-key", shop.publishableKey);
    widget.setAttribute("api", await api());
    document.body.append(widget);
    await waitFor(() => widget.view === "anonymous", "the bundled widget");
    equal(requested("kopilka-engine.js"), false, "engine module fetched without a preview");
    equal(requested("kopilka-engine.wasm"), false, "wasm fetched without a preview");

    const preview = document.createElement("kopilka-earn-preview");
    preview.lines = CART;
    document.body.append(preview);
    await waitFor(() => preview.evaluation, "the bundled preview");
    ok(requested("kopilka-engine.js"), "engine module not fetched");
    ok(requested("kopilka-engine.wasm"), "wasm not fetched");

    // The bundled engine (without zod) gives exactly the server's evaluation.
    const answer = await shopCall<Record<string, unknown>>(shop, "POST", "/v1/checkout/quote", preview.receipt);
    const { programVersion: _v, quoteId: _q, currency: _c, ...quote } = answer.body;
    deepEqual(JSON.parse(JSON.stringify(preview.evaluation)), quote);
  });
});
