/**
 * Safe on any page: when the API cannot be reached or answers an error, the widget shows a message with a way
 * to try again and dispatches `kopilka-error` — never an uncaught exception. The error answers below are the
 * API's own bodies (recorded from it); a network failure is a real one (nothing listens on the port).
 */
import "../index.ts";
import {
  $, api, axeCheck, clearStorage, createShop, deepEqual, equal, includes, mount, recordEvents, screenshots, signToken, text,
  unmountAll, waitForView, type Shop,
} from "../test/helpers.ts";

/** Bodies the API answers (docs/api.md's error shape), as recorded. */
const RECORDED = {
  internal: { status: 500, body: { error: { code: "internal", message: "Internal error" } } },
  forbidden: { status: 403, body: { error: { code: "forbidden", message: "This origin is not one of the shop's storefront origins" } } },
};

/** Answers matching requests with `answer` while `body` runs; other requests go through. */
async function stubbed(match: RegExp, answer: () => Response, body: () => Promise<void>): Promise<void> {
  const original = window.fetch;
  window.fetch = (input, init) => (match.test(String(input)) ? Promise.resolve(answer()) : original(input, init));
  try {
    await body();
  } finally {
    window.fetch = original;
  }
}

async function noUncaught(body: () => Promise<void>): Promise<void> {
  const seen: string[] = [];
  const onError = (e: ErrorEvent) => seen.push(e.message);
  const onRejection = (e: PromiseRejectionEvent) => seen.push(String(e.reason));
  window.addEventListener("error", onError);
  window.addEventListener("unhandledrejection", onRejection);
  try {
    await body();
    await new Promise((r) => setTimeout(r, 100));
  } finally {
    window.removeEventListener("error", onError);
    window.removeEventListener("unhandledrejection", onRejection);
  }
  deepEqual(seen, []);
}

describe("<kopilka-widget>: failures", () => {
  let shop: Shop;

  before(async () => {
    shop = await createShop();
  });

  beforeEach(() => clearStorage());
  afterEach(() => unmountAll());

  it("no answer from the API: a message, a retry, and kopilka-error", () => noUncaught(async () => {
    const events = recordEvents(["kopilka-error"]);
    const el = document.createElement("kopilka-widget");
    el.setAttribute("publishable-key", shop.publishableKey);
    el.setAttribute("api", "http://127.0.0.1:9");
    el.setAttribute("lang", "ru");
    document.body.append(el);
    await waitForView(el, "failed");
    events.stop();
    equal(events.events[0]?.detail.code, "network", "code");
    equal(events.events[0]?.detail.operation, "program", "operation");
    el.show();
    await el.updateComplete;
    includes(text(el, "[role=alert]"), "Не удалось загрузить бонусную программу. Нет связи с сервером.");
    await axeCheck("the failed state");
    await screenshots("failed");
    // The API comes back: "Try again" loads it.
    el.setAttribute("api", await api());
    await waitForView(el, "anonymous");
  }));

  it("an error answer when loading the account: a message and a retry that works", async () => {
    const customerId = `c-${crypto.randomUUID().slice(0, 8)}`;
    const token = await signToken(shop, customerId);
    await noUncaught(async () => {
      let el!: HTMLElementTagNameMap["kopilka-widget"];
      const events = recordEvents(["kopilka-error"]);
      await stubbed(/\/v1\/public\/me$/, () => Response.json(RECORDED.internal.body, { status: 500 }), async () => {
        el = await mount(shop, { lang: "en", "customer-token": token });
      });
      events.stop();
      equal(el.view, "failed", "view");
      deepEqual({ ...events.events[0]?.detail }, { code: "internal", message: "Internal error", status: 500, operation: "me" });
      el.show();
      await el.updateComplete;
      includes(text(el, "[role=alert]"), "The loyalty program could not be loaded. Something went wrong. Try again.");
      $(el, "[part~=button]").click();
      // Not a member yet (404): the anonymous state.
      await waitForView(el, "anonymous");
    });
  });

  it("a page that is not a shop's storefront (403) and an answer that is not JSON", () => noUncaught(async () => {
    // Fresh shops: the program of `shop` is already loaded (one request per page and key).
    const [one, two] = [await createShop(), await createShop()];
    const events = recordEvents(["kopilka-error"]);
    await stubbed(/\/v1\/public\/program$/, () => Response.json(RECORDED.forbidden.body, { status: 403 }), async () => {
      const el = await mount(one, { lang: "en" });
      equal(el.view, "failed", "view");
      el.show();
      await el.updateComplete;
      includes(text(el, "[role=alert]"), "The loyalty program is unavailable on this site.");
      includes(text(el, "[role=alert] [part~=hint]"), `this site (${location.origin}) is not registered with the shop: add it to the shop's origins — PATCH /v1/shop`);
      el.remove();
    });
    await stubbed(/\/v1\/public\/program$/, () => new Response("<html>Bad gateway</html>", { status: 502 }), async () => {
      const el = await mount(two, { lang: "en" });
      equal(el.view, "failed", "view");
    });
    events.stop();
    deepEqual(events.events.map((e) => [e.detail.code, e.detail.status]), [["origin_not_allowed", 403], ["internal", 502]]);
  }));
});
