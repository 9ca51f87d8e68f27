/**
 * A visitor joins through the widget against the real API: how the program works, inline validation tied to
 * the fields, success with welcome points (the token kept and recognised on the next visit, then forgotten on
 * sign-out), and each error the server gives — a duplicate phone or e-mail, an unknown referral code, too many
 * attempts.
 */
import "../index.ts";
import {
  $, $$, api, axeCheck, clearStorage, createShop, equal, fill, focused, freshPhone, includes, mount, ok, recordEvents,
  screenshots, signToken, text, unmountAll, waitFor, waitForView, type Shop,
} from "../test/helpers.ts";

describe("<kopilka-widget>: joining", () => {
  let shop: Shop;

  before(async () => {
    shop = await createShop();
  });

  beforeEach(() => clearStorage());
  afterEach(() => unmountAll());

  it("shows a visitor how the program works, in Russian, and passes an accessibility check", async () => {
    const el = await mount(shop, { lang: "ru" });
    equal(el.view, "anonymous", "view");
    el.show();
    await el.updateComplete;
    await axeCheck("the anonymous panel");
    includes(text(el, "[part~=hero]"), "Дарим 500 баллов за вступление");
    const how = text(el, "[part~=program]");
    includes(how, "10 % от каждой покупки возвращаются баллами");
    includes(how, "1 балл = 1 ₽");
    includes(how, "Бронза сразу после вступления · 10 % баллами");
    includes(how, "Серебро");
    includes(how, "от 20 000 ₽ покупок");
    includes(how, "Купон −20% на товар");
    includes(text(el, "[part~=launcher]"), "Бонусы");
    includes(text(el, "[part~=submit]"), "Вступить и получить 500 баллов");
    await screenshots("anonymous");
  });

  it("validates inline: every problem tied to its field, focus on the first one", async () => {
    const el = await mount(shop, { lang: "ru" });
    el.show();
    await el.updateComplete;
    $(el, "[part~=submit]").click();
    await el.updateComplete;
    const name = $(el, "#join-name");
    equal(focused(el), name, "focused field");
    equal(name.getAttribute("aria-invalid"), "true", "name aria-invalid");
    equal(name.getAttribute("aria-describedby"), "join-name-error");
    equal(text(el, "#join-name-error"), "Введите имя");
    equal(text(el, "#join-phone-error"), "Укажите телефон или e-mail");
    includes($(el, "#join-phone").getAttribute("aria-describedby"), "join-phone-error");
    equal(text(el, "#join-consent-error"), "Без согласия вступить нельзя");
    equal($(el, "#join-consent").getAttribute("aria-describedby"), "join-consent-error");
    includes(text(el, "[role=alert]"), "Проверьте отмеченные поля");
    await axeCheck("the form with errors");
    await screenshots("form-errors");

    // A bad phone is reported when the field is left; fixing it clears the error as one types.
    await fill(el, "#join-phone", "12345");
    $(el, "#join-email").focus();
    await el.updateComplete;
    equal(text(el, "#join-phone-error"), "Проверьте номер, например +7 999 123-45-67");
    await fill(el, "#join-phone", "8 (916) 123-45-67");
    equal($$(el, "#join-phone-error").length, 0, "phone error after the fix");
    await fill(el, "#join-email", "anna@");
    $(el, "#join-name").focus();
    await el.updateComplete;
    equal(text(el, "#join-email-error"), "Проверьте адрес, например anna@example.ru");
  });

  it("registers: welcome points on the spot, the token kept, recognised on the next visit, forgotten on sign-out", async () => {
    const events = recordEvents(["kopilka-registered", "kopilka-balance-changed", "kopilka-error"]);
    const el = await mount(shop, { lang: "ru" });
    el.show();
    await el.updateComplete;
    await fill(el, "#join-name", "Анна");
    await fill(el, "#join-phone", freshPhone());
    ($(el, "#join-consent") as HTMLInputElement).click();
    $(el, "[part~=submit]").click();
    await waitForView(el, "member");
    events.stop();

    equal(el.customer?.balance, 500, "balance");
    includes(text(el, "[role=status]"), "Добро пожаловать! Вам начислено 500 баллов.");
    includes(text(el, "[part~=balance]"), "500 баллов");
    includes(text(el, "[part~=launcher]"), "500 баллов");
    equal(focused(el), $(el, "#title"), "focus after joining");
    const registered = events.events.find((e) => e.type === "kopilka-registered");
    ok(registered, "no kopilka-registered event");
    equal(registered.bubbles && registered.composed, true, "bubbles and composed");
    equal(registered.detail.welcomePoints, 500, "detail.welcomePoints");
    equal(registered.detail.customer.id, el.customer?.id, "detail.customer.id");
    const changed = events.events.find((e) => e.type === "kopilka-balance-changed");
    equal(changed?.detail.balance, 500, "kopilka-balance-changed balance");
    equal(events.events.filter((e) => e.type === "kopilka-error").length, 0, "errors");
    ok(el.token, "no token in use");
    await waitFor(() => el.history !== null, "the history");
    await axeCheck("the member panel after joining");

    // The next visit: a new element, the same browser.
    const id = el.customer!.id;
    el.remove();
    const again = await mount(shop, { lang: "ru" });
    equal(again.view, "member", "view on the next visit");
    equal(again.customer?.id, id, "recognised customer");

    // Sign-out forgets the token: the visitor is anonymous here and on the next visit.
    again.show();
    await again.updateComplete;
    $(again, "[part~=logout]").click();
    await again.updateComplete;
    equal(again.view, "anonymous", "view after sign-out");
    equal(again.token, null, "token after sign-out");
    again.remove();
    const third = await mount(shop, { lang: "ru" });
    equal(third.view, "anonymous", "view after sign-out, next visit");
  });

  it("says clearly that a phone or an e-mail is already in the program (409 duplicate_contact)", async () => {
    const phone = freshPhone();
    const email = `dup-${crypto.randomUUID().slice(0, 8)}@example.ru`;
    const first = await mount(shop, { lang: "ru" });
    first.show();
    await first.updateComplete;
    await fill(first, "#join-name", "Анна");
    await fill(first, "#join-phone", phone);
    await fill(first, "#join-email", email);
    ($(first, "#join-consent") as HTMLInputElement).click();
    $(first, "[part~=submit]").click();
    await waitForView(first, "member");
    first.logout();
    first.remove();

    const errors = recordEvents(["kopilka-error"]);
    const el = await mount(shop, { lang: "ru" });
    el.show();
    await el.updateComplete;
    await fill(el, "#join-name", "Борис");
    await fill(el, "#join-phone", phone);
    ($(el, "#join-consent") as HTMLInputElement).click();
    $(el, "[part~=submit]").click();
    await waitFor(() => el.shadowRoot!.querySelector("#join-phone-error"), "the phone error");
    await el.updateComplete;
    equal(text(el, "#join-phone-error"), "Этот телефон уже участвует в программе. Укажите другой или войдите в магазине.");
    equal(focused(el), $(el, "#join-phone"), "focused field");
    equal(el.view, "anonymous", "view");
    const error = errors.events.at(-1);
    equal(error?.detail.code, "duplicate_contact", "kopilka-error code");
    equal(error?.detail.path, "phone", "kopilka-error path");
    equal(error?.detail.status, 409, "kopilka-error status");
    await axeCheck("the form with a server error");
    await screenshots("duplicate-phone");

    // The same e-mail with another phone: the error moves to the e-mail field.
    await fill(el, "#join-phone", freshPhone());
    await fill(el, "#join-email", email.toUpperCase());
    $(el, "[part~=submit]").click();
    await waitFor(() => el.shadowRoot!.querySelector("#join-email-error"), "the e-mail error");
    equal(text(el, "#join-email-error"), "Этот e-mail уже участвует в программе. Укажите другой или войдите в магазине.");
    errors.stop();
  });

  it("says so when the shop's customer joined meanwhile elsewhere (409 conflict)", async () => {
    const customerId = `shop-${crypto.randomUUID().slice(0, 8)}`;
    const token = await signToken(shop, customerId);
    const el = await mount(shop, { lang: "ru", "customer-token": token });
    equal(el.view, "anonymous", "view");
    // Another tab joins first, with the same token.
    const other = await fetch(`${await api()}/v1/public/register`, {
      method: "POST",
      headers: { "x-publishable-key": shop.publishableKey, authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Вера", phone: freshPhone(), consent: true }),
    });
    equal(other.status, 201, "the other tab's registration");
    el.show();
    await el.updateComplete;
    await fill(el, "#join-name", "Вера");
    await fill(el, "#join-phone", freshPhone());
    ($(el, "#join-consent") as HTMLInputElement).click();
    const errors = recordEvents(["kopilka-error"]);
    $(el, "[part~=submit]").click();
    await waitFor(() => errors.events.length > 0, "the conflict");
    errors.stop();
    equal(errors.events[0]!.detail.code, "conflict", "code");
    await el.updateComplete;
    includes(text(el, "form [role=alert]"), "Вы уже участник программы.");
  });

  it("prefills a friend's referral code from ?ref= and reports an unknown one on its field", async () => {
    const url = new URL(location.href);
    url.searchParams.set("ref", "NOSUCHCODE");
    history.replaceState(null, "", url);
    try {
      const el = await mount(shop, { lang: "en" });
      el.show();
      await el.updateComplete;
      equal(($(el, "#join-referralCode") as HTMLInputElement).value, "NOSUCHCODE", "prefilled code");
      await fill(el, "#join-name", "Ann");
      await fill(el, "#join-email", `ref-${crypto.randomUUID().slice(0, 8)}@example.com`);
      ($(el, "#join-consent") as HTMLInputElement).click();
      $(el, "[part~=submit]").click();
      await waitFor(() => el.shadowRoot!.querySelector("#join-referralCode-error"), "the code error");
      equal(text(el, "#join-referralCode-error"), "This code is not valid");
      equal(focused(el), $(el, "#join-referralCode"), "focused field");
    } finally {
      url.searchParams.delete("ref");
      history.replaceState(null, "", url);
    }
  });

  it("tells the visitor to wait when the API limits attempts (429 rate_limited)", async () => {
    // Five registrations naming one phone an hour: made here straight against the API, the widget's is the sixth.
    const limited = await createShop();
    const phone = freshPhone();
    for (let i = 0; i < 5; i++) {
      await fetch(`${await api()}/v1/public/register`, {
        method: "POST",
        headers: { "x-publishable-key": limited.publishableKey, "content-type": "application/json" },
        body: JSON.stringify({ name: "Ann", phone, consent: true }),
      });
    }
    const el = await mount(limited, { lang: "en" });
    el.show();
    await el.updateComplete;
    await fill(el, "#join-name", "Ann");
    await fill(el, "#join-phone", phone);
    ($(el, "#join-consent") as HTMLInputElement).click();
    const errors = recordEvents(["kopilka-error"]);
    $(el, "[part~=submit]").click();
    await waitFor(() => errors.events.length > 0, "a kopilka-error");
    errors.stop();
    equal(errors.events[0]!.detail.code, "rate_limited", "code");
    equal(errors.events[0]!.detail.status, 429, "status");
    await el.updateComplete;
    includes(text(el, "[role=alert]"), "Too many attempts. Try again in");
    equal(el.view, "anonymous", "view");
  });
});
