/**
 * A program that grants the welcome points once the phone is confirmed: registration leads to code entry; a
 * wrong code says how many tries are left; asking again too soon is refused with a countdown; "later" leaves a
 * reminder in the member view; the right code (caught by the test's webhook receiver) grants the points.
 */
import "../index.ts";
import {
  $, axeCheck, clearStorage, createShop, equal, fill, focused, freshPhone, includes, lastCode, mount, ok, recordEvents,
  screenshots, text, unmountAll, waitFor, waitForView, type Shop,
} from "../test/helpers.ts";
import type { KopilkaWidget } from "./kopilka-widget.ts";

describe("<kopilka-widget>: verification", () => {
  let shop: Shop;

  before(async () => {
    shop = await createShop({
      bonuses: { welcome: { points: 500, verify: "phone" }, referral: null, review: 50, rating: 10, survey: 100, birthday: null },
    });
  });

  beforeEach(() => clearStorage());
  afterEach(() => unmountAll());

  async function register(el: KopilkaWidget, phone: string): Promise<void> {
    el.show();
    await el.updateComplete;
    await fill(el, "#join-name", "Анна");
    await fill(el, "#join-phone", phone);
    ($(el, "#join-consent") as HTMLInputElement).click();
    $(el, "[part~=submit]").click();
    await waitForView(el, "verify");
  }

  it("requires the phone the program confirms, then asks for the code sent to it", async () => {
    const el = await mount(shop, { lang: "ru" });
    el.show();
    await el.updateComplete;
    includes(text(el, "[part~=hero]"), "500 баллов за вступление — после подтверждения телефона");
    includes(text(el, "#join-contact-hint"), "Нужен для подтверждения: мы пришлём код на телефон.");
    await fill(el, "#join-name", "Анна");
    await fill(el, "#join-email", "anna-verify@example.ru");
    ($(el, "#join-consent") as HTMLInputElement).click();
    $(el, "[part~=submit]").click();
    await el.updateComplete;
    equal(text(el, "#join-phone-error"), "Укажите телефон", "phone error");
    equal(focused(el), $(el, "#join-phone"), "focused field");
  });

  it("wrong code, too-soon resend, then the right code grants the welcome points", async () => {
    const events = recordEvents(["kopilka-registered", "kopilka-balance-changed", "kopilka-error"]);
    const el = await mount(shop, { lang: "ru" });
    const phone = freshPhone();
    await register(el, phone);
    const registered = events.events.find((e) => e.type === "kopilka-registered");
    equal(registered?.detail.welcomePoints, 0, "welcome points before verification");
    equal(registered?.detail.verification?.channel, "phone", "verification channel");
    includes(text(el, "#verify-sent"), `Мы отправили код из 6 цифр на +7`);
    includes(text(el, "#verify-sent"), phone.slice(-2));
    equal(el.customer?.balance, 0, "balance before verification");
    await axeCheck("the verification view");
    await screenshots("verify");

    // Not six digits: refused on the spot.
    await fill(el, "#code", "12");
    $(el, "[part~=verify] [part~=submit]").click();
    await el.updateComplete;
    equal(text(el, "#code-error"), "Введите 6 цифр кода");
    equal($(el, "#code").getAttribute("aria-describedby"), "verify-sent code-error");

    // A wrong code: the API says how many tries are left.
    const code = await lastCode(shop, el.customer!.id);
    const wrong = code === "000000" ? "111111" : "000000";
    await fill(el, "#code", wrong);
    $(el, "[part~=verify] [part~=submit]").click();
    await waitFor(() => el.codeError?.startsWith("Неверный код"), "the wrong-code message");
    await el.updateComplete;
    includes(text(el, "#code-error"), "Неверный код. Осталось попыток: 4.");
    equal(focused(el), $(el, "#code"), "focus after a wrong code");
    equal(events.events.at(-1)?.detail.code, "invalid_state", "error code");
    await screenshots("verify-wrong-code");

    // A new code right away: one a minute per phone, so the button waits, with a countdown.
    $(el, "[part~=resend]").click();
    await waitFor(() => events.events.some((e) => e.detail.code === "rate_limited"), "the rate_limited error");
    await el.updateComplete;
    ok(($(el, "[part~=resend]") as HTMLButtonElement).disabled, "resend is not disabled");
    includes(text(el, "#resend-wait"), "Новый код можно запросить через");

    await fill(el, "#code", code);
    $(el, "[part~=verify] [part~=submit]").click();
    await waitForView(el, "member");
    equal(el.customer?.balance, 500, "balance after verification");
    includes(text(el, "[role=status]"), "Вам начислено 500 баллов");
    equal(el.customer?.verification?.verified, true, "verified");
    const changed = events.events.filter((e) => e.type === "kopilka-balance-changed").at(-1);
    equal(changed?.detail.balance, 500, "kopilka-balance-changed");
    equal(changed?.detail.previous, 0, "previous balance");
    events.stop();
  });

  it("an expired code (the API's answer, recorded) asks for a new one", async () => {
    const el = await mount(shop, { lang: "ru" });
    await register(el, freshPhone());
    const original = window.fetch;
    window.fetch = (input, init) => /\/v1\/public\/verify$/.test(String(input))
      ? Promise.resolve(Response.json({ error: { code: "invalid_state", message: "The code has expired: ask for a new one", path: "code" } }, { status: 422 }))
      : original(input, init);
    try {
      await fill(el, "#code", "123456");
      $(el, "[part~=verify] [part~=submit]").click();
      await waitFor(() => el.codeError, "the message");
    } finally {
      window.fetch = original;
    }
    await el.updateComplete;
    equal(text(el, "#code-error"), "Этот код больше не действует. Запросите новый.");
  });

  it("'later' shows the member view with a reminder that brings the code entry back", async () => {
    const el = await mount(shop, { lang: "en" });
    await register(el, freshPhone());
    $(el, "[part~=later]").click();
    await waitForView(el, "member");
    includes(text(el, "[part~=verify-reminder]"), "Confirm your phone number to get 500 points.");
    await axeCheck("the member view with a verification reminder");
    await screenshots("verify-reminder");
    // Asking for a new code within the minute is refused: the reminder stays, with the reason.
    $(el, "[part~=verify-reminder] button").click();
    await waitFor(() => el.notice?.kind === "alert", "the refusal");
    await el.updateComplete;
    includes(text(el, "[role=alert]"), "Too many attempts. Try again in");
    equal(el.view, "member", "view");
  });
});
