/**
 * Keyboard only: the launcher is reached with Tab and opens with Enter, focus moves into the panel and stays
 * there (Tab and Shift+Tab wrap), Escape closes it and focus returns to the launcher (or to the page's own
 * button that opened it); a visitor joins without touching the mouse.
 */
import "../index.ts";
import {
  $, axeCheck, clearStorage, createShop, equal, focused, freshPhone, includes, mount, ok, press, type, unmountAll,
  waitForView, type Shop,
} from "../test/helpers.ts";
import { focusables } from "./focus.ts";

describe("<kopilka-widget>: keyboard and focus", () => {
  let shop: Shop;

  before(async () => {
    shop = await createShop();
  });

  beforeEach(() => clearStorage());
  afterEach(() => {
    unmountAll();
    document.querySelectorAll("button.page-button").forEach((b) => b.remove());
  });

  it("opens from the launcher with Enter, traps Tab inside, closes with Escape and returns focus", async () => {
    const el = await mount(shop, { lang: "en" });
    const launcher = $(el, "[part~=launcher]");
    equal(launcher.getAttribute("aria-haspopup"), "dialog", "aria-haspopup");
    equal(launcher.getAttribute("aria-expanded"), "false", "aria-expanded when closed");
    launcher.focus();
    await press("Enter");
    await el.updateComplete;
    ok(el.open, "Enter did not open the panel");
    equal(launcher.getAttribute("aria-expanded"), "true", "aria-expanded when open");
    const dialog = $(el, "dialog") as HTMLDialogElement;
    ok(dialog.open && dialog.matches(":modal"), "the panel is not a modal dialog");
    equal(dialog.getAttribute("aria-labelledby"), "title", "dialog label");
    equal(focused(el), $(el, "#title"), "focus after opening");
    await axeCheck("the open panel");

    // Tab walks forward from the close button and wraps from the last control to the first.
    const items = focusables(dialog);
    equal(items[0], $(el, "[part~=close]"), "first focusable");
    await press("Tab");
    equal(focused(el), items[0], "first Tab");
    await press("Shift+Tab");
    equal(focused(el), items.at(-1), "Shift+Tab from the first wraps to the last");
    await press("Tab");
    equal(focused(el), items[0], "Tab from the last wraps to the first");

    await press("Escape");
    await el.updateComplete;
    equal(el.open, false, "open after Escape");
    equal(dialog.open, false, "dialog open after Escape");
    equal(focused(el), launcher, "focus returns to the launcher");

    // The close button closes as well.
    await press("Space");
    await el.updateComplete;
    ok(el.open, "Space did not open the panel");
    await press("Tab");
    equal(focused(el), $(el, "[part~=close]"), "the close button");
    await press("Enter");
    await el.updateComplete;
    equal(el.open, false, "open after the close button");
    equal(focused(el), launcher, "focus back on the launcher");
  });

  it("returns focus to the page's own button that opened it with show()", async () => {
    const el = await mount(shop, { lang: "en" });
    const button = document.createElement("button");
    button.className = "page-button";
    button.textContent = "My bonuses";
    button.addEventListener("click", () => el.show());
    document.body.append(button);
    button.focus();
    await press("Enter");
    await el.updateComplete;
    ok(el.open, "not open");
    await press("Escape");
    await el.updateComplete;
    equal(document.activeElement, button, "focus back on the page's button");
  });

  it("joins with the keyboard alone", async () => {
    const el = await mount(shop, { lang: "en" });
    $(el, "[part~=launcher]").focus();
    await press("Enter");
    await el.updateComplete;
    // Tab: close, the hero's "Join" button; Enter takes focus to the name field.
    await press("Tab");
    await press("Tab");
    equal(focused(el)?.textContent?.trim(), "Join", "the hero's button");
    await press("Enter");
    equal(focused(el), $(el, "#join-name"), "the name field");
    await type("Kate");
    await press("Tab");
    await type(freshPhone());
    await press("Tab"); // e-mail
    await press("Tab"); // birthday: a date input has several stops
    while (focused(el)?.id === "join-birthday") await press("Tab");
    equal(focused(el)?.id, "join-referralCode", "the code field");
    await press("Tab");
    equal(focused(el)?.id, "join-consent", "the consent box");
    await press("Space");
    await press("Tab");
    includes(focused(el)?.textContent ?? "", "Join and get 500 points", "the submit button");
    await press("Enter");
    await waitForView(el, "member");
    equal(el.customer?.balance, 500, "balance");
    equal(focused(el), $(el, "#title"), "focus after joining");
  });
});
