/**
 * A member, known by a token the shop's backend signed: balance and pending points, tier with progress, points
 * about to expire, ways to earn with the referral link, a reward bought for a coupon code, the history a page at a
 * time, a refresh after an order; and what a refused token does (401: back to the anonymous state).
 */
import "../index.ts";
import {
  $, $$, axeCheck, buy, clearStorage, createShop, equal, fill, focused, freshPhone, includes, mount, ok, recordEvents,
  screenshots, shopCall, signToken, text, unmountAll, waitFor, waitForView, type Shop,
} from "../test/helpers.ts";

describe("<kopilka-widget>: a member", () => {
  let shop: Shop;

  before(async () => {
    // Points that expire within the month, so the widget has some to warn about.
    shop = await createShop({ points: { value: 100, expiryDays: 20, pendingDays: 0 }, campaigns: [] });
  });

  beforeEach(() => clearStorage());
  afterEach(() => unmountAll());

  it("joins with the shop's signed token, then shows balance, tier progress, expiring points and ways to earn", async () => {
    const customerId = `shop-${crypto.randomUUID().slice(0, 8)}`;
    const token = await signToken(shop, customerId);
    const el = await mount(shop, { lang: "ru", "customer-token": token });
    // The shop knows the customer; the program does not yet: the form, and the shop's token is used to join.
    equal(el.view, "anonymous", "view before joining");
    el.show();
    await el.updateComplete;
    await fill(el, "#join-name", "Вера");
    await fill(el, "#join-phone", freshPhone());
    ($(el, "#join-consent") as HTMLInputElement).click();
    $(el, "[part~=submit]").click();
    await waitForView(el, "member");
    equal(el.customer?.id, customerId, "the shop's customer id");
    equal(el.token, token, "the shop's token stays in use");
    equal(localStorage.length, 0, "nothing stored for a shop's customer");
    equal($$(el, "[part~=logout]").length, 0, "no sign-out for a shop's customer");

    // Two orders: 10% back in points; 12 000 ₽ of 20 000 ₽ towards silver.
    await buy(shop, customerId, 500000);
    await buy(shop, customerId, 700000);
    const events = recordEvents(["kopilka-balance-changed"]);
    await el.refresh();
    events.stop();
    equal(el.customer?.balance, 500 + 500 + 700, "balance");
    equal(events.events[0]?.detail.previous, 500, "previous balance in kopilka-balance-changed");
    equal(events.events[0]?.detail.balance, 1700, "balance in kopilka-balance-changed");
    await el.updateComplete;
    includes(text(el, "[part~=balance]"), "1 700 баллов");
    includes(text(el, "[part~=tier-badge]"), "Бронза");
    includes(text(el, "[part~=tier-next]"), "До уровня «Серебро» осталось 8 000 ₽ покупок");
    const progress = $(el, "[role=progressbar]");
    equal(progress.getAttribute("aria-valuenow"), "60", "progress");
    // Welcome points and both orders' points expire on one day (20 days on): one line.
    equal($$(el, "[part~=expiring] li").length, 1, "expiring lines");
    includes(text(el, "[part~=expiring]"), "сгорает 1 700 баллов");
    const earn = text(el, "[part~=earn]");
    includes(earn, "Покупки: 10 % баллами");
    includes(earn, "Отзыв о товаре: +50 баллов");
    includes(earn, "Оценка товара: +10 баллов");
    includes(earn, "Пригласите друга: вам 300 баллов, другу 200 баллов после его первой покупки");

    // The referral link is this page with ?ref=<code>, and copies.
    const link = ($(el, "#referral-link") as HTMLInputElement).value;
    equal(new URL(link).searchParams.get("ref"), el.customer?.referralCode, "ref in the link");
    const copied: string[] = [];
    const clipboard = navigator.clipboard.writeText;
    navigator.clipboard.writeText = async (t: string) => void copied.push(t);
    try {
      $(el, "[part~=referral] [part~=copy]").click();
      await waitFor(() => copied.length === 1, "the copy");
    } finally {
      navigator.clipboard.writeText = clipboard;
    }
    equal(copied[0], link, "copied link");
    await el.updateComplete;
    includes(text(el, "[part~=referral] [part~=copy]"), "Скопировано");

    await waitFor(() => el.history?.length, "the history");
    await el.updateComplete;
    await axeCheck("the member view");
    await screenshots("member");
  });

  it("buys a reward with points: the coupon code is shown and copyable, the balance goes down", async () => {
    const customerId = `shop-${crypto.randomUUID().slice(0, 8)}`;
    const put = await shopCall(shop, "PUT", `/v1/customers/${customerId}`, { name: "Олег", phone: freshPhone() });
    ok(put.status === 200 || put.status === 201, `PUT customer: ${put.status} ${JSON.stringify(put.body)}`);
    const el = await mount(shop, { lang: "ru", "customer-token": await signToken(shop, customerId) });
    equal(el.view, "member", "view");
    equal(el.customer?.balance, 500, "welcome points");
    el.show();
    await el.updateComplete;
    const button = $(el, "[part~=redeem]") as HTMLButtonElement;
    equal(button.getAttribute("aria-label")?.replace(/\s/g, " "), "Получить «Купон −20% на товар» за 500 баллов");
    const events = recordEvents(["kopilka-reward-redeemed", "kopilka-balance-changed"]);
    button.click();
    await waitFor(() => el.coupon, "the coupon");
    await el.updateComplete;
    events.stop();
    const code = ($(el, "#coupon-code") as HTMLInputElement).value;
    ok(code.length >= 6, `coupon code ${code}`);
    equal(focused(el), $(el, "#coupon-code"), "focus on the code");
    equal(el.customer?.balance, 0, "balance after the reward");
    equal(events.events.find((e) => e.type === "kopilka-reward-redeemed")?.detail.reward.code, code, "event code");
    equal(events.events.find((e) => e.type === "kopilka-balance-changed")?.detail.balance, 0, "event balance");
    includes(text(el, "[part~=coupon]"), "Ваш код купона: Купон −20% на товар");
    includes(text(el, "[part~=coupon]"), "действует до");
    // Not enough points for another one: the button says what is missing and is disabled.
    await waitFor(() => ($(el, "[part~=redeem]") as HTMLButtonElement).disabled, "the disabled button");
    includes(text(el, "[part~=reward]"), "Нужно ещё 500 баллов");
    await axeCheck("the member view with a coupon");
    await screenshots("coupon");
  });

  it("pages through the history: date, store, amount, points spent and earned", async () => {
    const customerId = `shop-${crypto.randomUUID().slice(0, 8)}`;
    await shopCall(shop, "PUT", `/v1/customers/${customerId}`, { name: "Ира", phone: freshPhone() });
    for (let i = 0; i < 11; i++) await buy(shop, customerId, 100000 + i * 1000);
    await buy(shop, customerId, 200000, { redeemPoints: 100 });
    const el = await mount(shop, { lang: "en", "customer-token": await signToken(shop, customerId) });
    el.show();
    await waitFor(() => el.history?.length === 10, "the first page");
    await el.updateComplete;
    const first = $$(el, "[part~=history-item]");
    equal(first.length, 10, "items on the first page");
    const newest = first[0]!.innerText.replace(/\s+/g, " ");
    includes(newest, "Purchase");
    includes(newest, "Store: Тверская, 7");
    includes(newest, "Amount ₽1,900");
    includes(newest, "spent 100 points");
    includes(newest, "earned 190 points");
    includes(newest, "+90 points");
    includes(newest, String(new Date().getFullYear()));
    // 12 orders and the welcome bonus: 13 entries, the rest on the next page.
    $(el, "[part~=more]").click();
    await waitFor(() => el.history?.length === 13, "the second page");
    await el.updateComplete;
    equal($$(el, "[part~=history-item]").length, 13, "items after paging");
    equal(focused(el), $$(el, "[part~=history-item]")[10], "focus on the first new entry");
    equal($$(el, "[part~=more]").length, 0, "no more pages");
    includes($$(el, "[part~=history-item]")[12]!.innerText, "Welcome bonus");
    await screenshots("history");
  });

  it("shows points still pending (a program with a return window) apart from the balance", async () => {
    const pendingShop = await createShop({ points: { value: 100, expiryDays: 365, pendingDays: 14 }, campaigns: [] });
    const customerId = `shop-${crypto.randomUUID().slice(0, 8)}`;
    await shopCall(pendingShop, "PUT", `/v1/customers/${customerId}`, { name: "Лев", phone: freshPhone() });
    await buy(pendingShop, customerId, 123400);
    const el = await mount(pendingShop, { lang: "ru", "customer-token": await signToken(pendingShop, customerId) });
    equal(el.customer?.balance, 500, "balance");
    equal(el.customer?.pending, 123, "pending");
    el.show();
    await el.updateComplete;
    includes(text(el, "[part~=balance]"), "500 баллов");
    equal(text(el, "[part~=pending]"), "Ожидается ещё 123 балла");
    includes(text(el, "[part~=launcher]"), "500 баллов");
  });

  it("a refused token (401) is forgotten: the visitor sees the anonymous state and the page gets kopilka-error", async () => {
    const errors = recordEvents(["kopilka-error"]);
    localStorage.setItem(`kopilka:token:${shop.publishableKey}`, JSON.stringify({ token: "bm90LmEudG9rZW4.AAAA", expiresAt: null }));
    const el = await mount(shop, { lang: "en" });
    equal(el.view, "anonymous", "view");
    equal(localStorage.getItem(`kopilka:token:${shop.publishableKey}`), null, "stored token");
    equal(errors.events[0]?.detail.code, "unauthorized", "error code");
    equal(errors.events[0]?.detail.operation, "me", "operation");
    el.show();
    await el.updateComplete;
    includes(text(el, "[role=alert]"), "Your session has ended");

    // An expired shop token: the same.
    const expired = await signToken(shop, "someone", Math.floor(Date.now() / 1000) - 60);
    const other = await mount(shop, { lang: "en", "customer-token": expired });
    equal(other.view, "anonymous", "view with an expired shop token");
    equal(errors.events.length, 2, "errors");
    errors.stop();
  });
});
