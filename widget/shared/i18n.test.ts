/**
 * Russian and English: plural forms ("1 балл, 2 балла, 5 баллов"), money in the program's currency through
 * Intl.NumberFormat, dates in the program's time zone, and the language taken from the element, its ancestors or
 * the document — followed when the document's language changes.
 */
import "../index.ts";
import { clearStorage, createShop, equal, includes, mount, text, unmountAll } from "../test/helpers.ts";
import { langOf, Locale } from "./i18n.ts";

const nbsp = (s: string) => s.replace(/\u00a0|\u202f/g, " ");

describe("i18n", () => {
  it("Russian plural forms of points", () => {
    const ru = new Locale("ru");
    const cases: [number, string][] = [
      [0, "0 баллов"], [1, "1 балл"], [2, "2 балла"], [4, "4 балла"], [5, "5 баллов"], [11, "11 баллов"],
      [12, "12 баллов"], [14, "14 баллов"], [21, "21 балл"], [22, "22 балла"], [25, "25 баллов"], [101, "101 балл"],
      [111, "111 баллов"], [1000, "1 000 баллов"], [1001, "1 001 балл"], [1_000_002, "1 000 002 балла"],
    ];
    for (const [n, expected] of cases) equal(nbsp(ru.points(n)), expected, `ru ${n}`);
  });

  it("English plural forms of points", () => {
    const en = new Locale("en");
    equal(en.points(0), "0\u00a0points");
    equal(en.points(1), "1\u00a0point");
    equal(en.points(2), "2\u00a0points");
    equal(en.points(1500), "1,500\u00a0points");
  });

  it("money in minor units of the program's currency; kopecks only when there are some", () => {
    const ru = new Locale("ru", "RUB");
    equal(nbsp(ru.money(150000)), "1 500 ₽");
    equal(nbsp(ru.money(150050)), "1 500,50 ₽");
    equal(nbsp(ru.money(0)), "0 ₽");
    const en = new Locale("en", "RUB");
    equal(en.money(150000), "₽1,500");
    equal(new Locale("en", "EUR").money(1999), "€19.99");
    // Currencies without minor units: the amount is already whole.
    equal(nbsp(new Locale("ru", "JPY").money(1500)), "1 500 ¥");
    equal(nbsp(ru.percent(1000)), "10 %");
    equal(new Locale("en").percent(1250), "12.5%");
  });

  it("dates in the program's time zone", () => {
    // 21:30 UTC on 31 December is already New Year's Day in Moscow.
    equal(new Locale("ru", "RUB", "Europe/Moscow").date("2026-12-31T21:30:00Z"), "1 января 2027 г.");
    equal(new Locale("en", "RUB", "Europe/Moscow").date("2026-12-31T21:30:00Z"), "1 January 2027");
    equal(new Locale("en", "RUB", "America/New_York").date("2026-12-31T21:30:00Z"), "31 December 2026");
  });

  it("takes the language from the element, then its ancestors, then the document", () => {
    const outer = document.createElement("div");
    outer.lang = "en-GB";
    const inner = document.createElement("span");
    outer.append(inner);
    document.body.append(outer);
    try {
      equal(langOf(inner), "en", "from the ancestor");
      inner.lang = "ru-RU";
      equal(langOf(inner), "ru", "its own");
      outer.removeAttribute("lang");
      inner.removeAttribute("lang");
      document.documentElement.lang = "ru";
      equal(langOf(inner), "ru", "the document's");
      document.documentElement.lang = "de";
      equal(langOf(inner), "en", "anything else is English");
    } finally {
      outer.remove();
      document.documentElement.removeAttribute("lang");
    }
  });
});

describe("<kopilka-widget> in two languages", () => {
  beforeEach(() => clearStorage());
  afterEach(() => {
    unmountAll();
    document.documentElement.removeAttribute("lang");
  });

  it("follows the document's language, also when it changes", async () => {
    const shop = await createShop();
    document.documentElement.lang = "en";
    const el = await mount(shop);
    el.show();
    await el.updateComplete;
    includes(text(el, "#title"), "Loyalty program");
    includes(text(el, "[part~=hero]"), "Get 500 points for joining");
    includes(text(el, "[part~=program]"), "1 point = ₽1 off your next orders");
    document.documentElement.lang = "ru";
    await new Promise((r) => setTimeout(r, 0));
    await el.updateComplete;
    includes(text(el, "#title"), "Бонусная программа");
    includes(text(el, "[part~=hero]"), "Дарим 500 баллов за вступление");
    // The element's own lang wins over the document's.
    el.setAttribute("lang", "en");
    await el.updateComplete;
    includes(text(el, "#title"), "Loyalty program");
  });
});
