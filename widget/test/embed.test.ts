/**
 * A shop's page embeds the widget exactly as widget/README.md says: a module script from the Kopilka server's
 * versioned URL (with its SRI hash) and `<kopilka-widget publishable-key=…>`, no `api` attribute. The page is
 * another origin than the Worker's (the test runner's port, not wrangler's), so this is the cross-origin path a
 * real storefront takes: CORS on the widget's files, the preflighted API calls, and — for a site the shop has not
 * registered — the readable refusal that tells the owner what to fix.
 *
 * It does not import the sources: the elements come from the script the Worker serves.
 */
import { executeServerCommand } from "@web/test-runner-commands";
import type { KopilkaWidget } from "../kopilka-widget/kopilka-widget.ts";
import {
  $, api, axeCheck, clearStorage, equal, fill, freshPhone, includes, ok, recordEvents, screenshots, text, waitFor, waitForView,
  type Shop,
} from "./helpers.ts";

interface Env {
  api: string;
  widgetPath: string;
  integrity: Record<string, string>;
}

async function env(): Promise<Env> {
  await api();
  return (await (await fetch("/__kopilka__/env.json")).json()) as Env;
}

/** The snippet of widget/README.md "Embedding", with this shop's key. */
async function embed(shop: Shop): Promise<KopilkaWidget> {
  const { api: base, widgetPath, integrity } = await env();
  if (!customElements.get("kopilka-widget")) {
    const script = document.createElement("script");
    script.type = "module";
    script.src = `${base}${widgetPath}kopilka.js`;
    script.integrity = integrity["kopilka.js"]!;
    script.crossOrigin = "anonymous";
    const loaded = new Promise((resolve, reject) => {
      script.onload = resolve;
      script.onerror = () => reject(new Error(`${script.src} did not load`));
    });
    document.head.append(script);
    await loaded;
  }
  document.body.insertAdjacentHTML("beforeend", `<kopilka-widget publishable-key="${shop.publishableKey}" lang="en"></kopilka-widget>`);
  const el = document.body.lastElementChild as KopilkaWidget;
  await waitFor(() => el.view !== undefined && el.view !== "loading", "the widget to load");
  await el.updateComplete;
  return el;
}

describe("embedding on another origin", () => {
  beforeEach(() => clearStorage());
  afterEach(() => {
    for (const el of document.querySelectorAll("kopilka-widget")) el.remove();
  });

  it("serves the versioned files with CORS for any page and a year's immutable cache", async () => {
    const { api: base, widgetPath } = await env();
    ok(new URL(base).origin !== location.origin, "the page must be another origin than the Worker");
    for (const file of ["kopilka.js", "kopilka-engine.js", "kopilka-engine.wasm"]) {
      const response = await fetch(`${base}${widgetPath}${file}`, { mode: "cors" });
      equal(response.status, 200, `${file} status`);
      equal(response.headers.get("cache-control"), "public, max-age=31536000, immutable", `${file} cache-control`);
    }
    // The API beside them is never cached (and never shadowed by the assets).
    const shop = (await executeServerCommand("kopilka-shop", {})) as Shop;
    const program = await fetch(`${base}/v1/public/program`, { headers: { "x-publishable-key": shop.publishableKey } });
    equal(program.status, 200, "program status");
    equal(program.headers.get("cache-control"), "no-store", "the API's cache-control");
  });

  it("loads from the Worker's URL with its SRI hash, registers a shopper and shows the balance", async () => {
    const shop = (await executeServerCommand("kopilka-shop", {})) as Shop;
    const events = recordEvents(["kopilka-registered", "kopilka-error"]);
    const el = await embed(shop);
    equal(el.view, "anonymous", "view");
    el.show();
    await el.updateComplete;
    await axeCheck("the embedded widget");
    await fill(el, "#join-name", "Anna");
    await fill(el, "#join-phone", freshPhone());
    ($(el, "#join-consent") as HTMLInputElement).click();
    $(el, "[part~=submit]").click();
    await waitForView(el, "member");
    events.stop();
    equal(events.events.filter((e) => e.type === "kopilka-error").length, 0, "errors");
    equal(events.events.filter((e) => e.type === "kopilka-registered").length, 1, "kopilka-registered");
    includes(text(el, "[part~=balance]"), "500 points");
    includes(text(el, "[part~=launcher]"), "500");
    await screenshots("embed-member");
  });

  it("on a site the shop has not registered, tells the owner what to fix, and emits origin_not_allowed", async () => {
    const shop = (await executeServerCommand("kopilka-shop", { origins: ["https://coffee.example"] })) as Shop;
    const events = recordEvents(["kopilka-error"]);
    const el = await embed(shop);
    events.stop();
    equal(el.view, "failed", "view");
    el.show();
    await el.updateComplete;
    await axeCheck("the owner's message");
    includes(text(el, "[role=alert]"), "The loyalty program is unavailable on this site.");
    includes(
      text(el, "[role=alert] [part~=hint]"),
      `For the shop owner: this site (${location.origin}) is not registered with the shop: add it to the shop's origins — PATCH /v1/shop`,
    );
    equal(events.events.length, 1, "kopilka-error events");
    equal(events.events[0]!.detail.code, "origin_not_allowed", "code");
    equal(events.events[0]!.detail.status, 403, "status");
    await screenshots("embed-origin-not-registered");

    // In Russian too.
    el.remove();
    document.body.insertAdjacentHTML("beforeend", `<kopilka-widget publishable-key="${shop.publishableKey}" lang="ru"></kopilka-widget>`);
    const ru = document.body.lastElementChild as KopilkaWidget;
    await waitFor(() => ru.view === "failed", "the Russian widget to fail");
    ru.show();
    await ru.updateComplete;
    includes(text(ru, "[role=alert]"), "Бонусная программа на этом сайте недоступна.");
    includes(text(ru, "[role=alert] [part~=hint]"), `Владельцу магазина: этот сайт (${location.origin}) не зарегистрирован в магазине`);
    await screenshots("embed-origin-not-registered-ru");
  });
});
