/**
 * `<kopilka-widget publishable-key="pk_…">`: a launcher button and a panel (a modal dialog) with the shop's
 * loyalty program — how it works and how to join for a visitor, code entry while a contact is verified, and
 * for a member their balance, tier, expiring points, ways to earn, rewards and history.
 *
 * Attributes: `publishable-key` (required), `customer-token` (a token the shop's backend signed for a signed-in
 * customer), `api` (the API's origin; default the script's), `referral-url` (the page a referral link opens;
 * default this page), `lang` (`ru`/`en`; default the closest `lang` up the tree), `open`.
 * Events, parts and CSS custom properties: widget/README.md, and the tags on the class (custom-elements.json).
 */
import { html, LitElement, nothing, type PropertyValues } from "lit";
import { ApiError, type KopilkaApi } from "../shared/api.ts";
import { emit, errorDetail } from "../shared/events.ts";
import { langOf, Locale, watchDocumentLang } from "../shared/i18n.ts";
import type { Me, PublicProgram } from "../shared/types.ts";
import { PanelDialog } from "./dialog.ts";
import type { Notice, View, WidgetHost } from "./host.ts";
import { JoinFlow } from "./join-flow.ts";
import { styles } from "./kopilka-widget.styles.ts";
import { MemberData } from "./member-data.ts";
import { Session } from "./session.ts";
import { renderAnonymous } from "./views/anonymous.ts";
import { renderMember } from "./views/member.ts";
import { renderNotice } from "./views/notice.ts";
import { renderVerify } from "./views/verify.ts";

export type { Notice, View };

/**
 * The element keeps its attributes, properties, events and parts, and the state its controllers share; the
 * session (session.ts), joining and verification (join-flow.ts), the member's history and rewards
 * (member-data.ts) and the dialog (dialog.ts) are controllers, the views are views/*.ts.
 *
 * @tagname kopilka-widget
 * @fires {KopilkaRegisteredEvent} kopilka-registered - A visitor joined: `{ customer, welcomePoints, verification }`
 * @fires {KopilkaBalanceChangedEvent} kopilka-balance-changed - Joining, verifying, buying a reward or `refresh()` changed the balance: `{ balance, pending, previous }`
 * @fires {KopilkaRewardRedeemedEvent} kopilka-reward-redeemed - A reward was bought: `{ reward }`; its `code` goes in the checkout's `codes`
 * @fires {KopilkaErrorEvent} kopilka-error - Any failure (the widget also shows a message): `{ code, message, status, path?, operation }`
 * @attr {string} lang - `ru` or `en`; default the closest `lang` up the tree, then the document's
 * @csspart launcher - The launcher button (bottom right); hide it with `display: none` and call `show()`
 * @csspart launcher-icon
 * @csspart launcher-text
 * @csspart panel - The panel, a modal `<dialog>`
 * @csspart header
 * @csspart title
 * @csspart shop
 * @csspart close
 * @csspart body
 * @csspart section
 * @csspart section-title
 * @csspart subtitle
 * @csspart message - A notice (with `error` or `success`)
 * @csspart hero
 * @csspart hero-text
 * @csspart program
 * @csspart facts
 * @csspart fact
 * @csspart tiers
 * @csspart tier-item
 * @csspart form
 * @csspart field
 * @csspart label
 * @csspart optional
 * @csspart input
 * @csspart hint
 * @csspart field-error
 * @csspart consent
 * @csspart button
 * @csspart submit
 * @csspart link-button
 * @csspart verify
 * @csspart code
 * @csspart resend
 * @csspart later
 * @csspart actions
 * @csspart verify-reminder
 * @csspart summary
 * @csspart balance
 * @csspart balance-label
 * @csspart balance-value
 * @csspart pending
 * @csspart tier
 * @csspart tier-line
 * @csspart tier-label
 * @csspart tier-badge - The tier badge (it carries `data-tier="<id>"`)
 * @csspart progress
 * @csspart progress-bar
 * @csspart tier-next
 * @csspart expiring
 * @csspart earn
 * @csspart referral
 * @csspart copy-row
 * @csspart copy
 * @csspart rewards
 * @csspart reward-list
 * @csspart reward
 * @csspart reward-text
 * @csspart reward-name
 * @csspart reward-cost
 * @csspart redeem
 * @csspart coupon
 * @csspart coupon-title
 * @csspart coupon-code
 * @csspart coupons
 * @csspart coupon-item
 * @csspart history
 * @csspart history-list
 * @csspart history-item
 * @csspart history-main
 * @csspart history-title
 * @csspart history-points - Points of a history entry (with `plus` or `minus`)
 * @csspart history-details
 * @csspart more
 * @csspart footer
 * @csspart logout
 * @cssprop --kopilka-accent - Launcher, header, buttons, progress (default `#7c2d92`)
 * @cssprop --kopilka-on-accent - Text on the accent (default `#ffffff`)
 * @cssprop --kopilka-surface - The panel (default `#ffffff`)
 * @cssprop --kopilka-surface-muted - Cards (default `#f5f3f7`)
 * @cssprop --kopilka-text - Text (default `#1d1b20`)
 * @cssprop --kopilka-text-muted - Secondary text (default `#5b5661`)
 * @cssprop --kopilka-border - Borders (default `#d6d1dc`)
 * @cssprop --kopilka-error - Errors (default `#b3261e`)
 * @cssprop --kopilka-success - Success (default `#146c2e`)
 * @cssprop --kopilka-focus - The focus ring (default `#1a73e8`)
 * @cssprop --kopilka-font - The font (default system UI fonts)
 * @cssprop --kopilka-radius - Panel corners (default `14px`)
 * @cssprop --kopilka-panel-width - Panel width on screens wider than 520 px (default `400px`)
 * @cssprop --kopilka-launcher-right - Launcher position (default `20px`)
 * @cssprop --kopilka-launcher-bottom - Launcher position (default `20px`)
 * @cssprop --kopilka-z-index - The launcher's z-index (default `2147483000`; the panel is in the top layer)
 * @cssprop --kopilka-hero-background - The "N points for joining" box (default `#f3e8f7`)
 * @cssprop --kopilka-tier-background - Tier badge background (default the accent)
 * @cssprop --kopilka-tier-color - Tier badge text (default the on-accent colour)
 */
export class KopilkaWidget extends LitElement implements WidgetHost {
  static override styles = styles;

  static override properties = {
    publishableKey: { attribute: "publishable-key" },
    customerToken: { attribute: "customer-token" },
    api: {},
    referralUrl: { attribute: "referral-url" },
    open: { type: Boolean, reflect: true },
    lang: { reflect: true },
    view: { state: true },
    program: { state: true },
    customer: { state: true },
    notice: { state: true },
    busy: { state: true },
  };

  /** The shop's publishable key `pk_…`. */
  declare publishableKey: string | null;
  /** A customer token the shop's backend signed for its signed-in customer; overrides a stored one. */
  declare customerToken: string | null;
  /** The API's origin, e.g. `https://loyalty.example`; default the origin the script was loaded from. */
  declare api: string | null;
  /** The page a referral link opens (`?ref=<code>` is added); default the current page. */
  declare referralUrl: string | null;
  /** Whether the panel is open. */
  declare open: boolean;

  /** @internal */ declare view: View;
  /** The public program once loaded (read-only). */
  declare program: PublicProgram | null;
  /** The signed-in customer, or null (read-only). */
  declare customer: Me | null;
  /** @internal */ declare notice: Notice | null;
  /** @internal */ declare busy: string | null;

  /** @internal */ locale = new Locale("ru");
  private readonly session = new Session(this);
  private readonly joining = new JoinFlow(this);
  private readonly members = new MemberData(this);
  private readonly dialog = new PanelDialog(this, () => {
    if (this.view === "member" && this.members.history === null) queueMicrotask(() => void this.loadHistory(true));
  });
  private unwatchLang: (() => void) | null = null;

  constructor() {
    super();
    this.publishableKey = null;
    this.customerToken = null;
    this.api = null;
    this.referralUrl = null;
    this.open = false;
    this.view = "loading";
    this.program = null;
    this.customer = null;
    this.notice = null;
    this.busy = null;
  }

  /** The customer token the widget sends (the shop's, or the one the API issued at registration); null if none. */
  get token(): string | null {
    return this.session.client?.token ?? null;
  }

  /** @internal */ get client(): KopilkaApi | null {
    return this.session.client;
  }
  /** @internal */ get history() {
    return this.members.history;
  }
  /** @internal */ get coupon() {
    return this.members.coupon;
  }
  /** @internal */ get codeError() {
    return this.joining.codeError;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // The document's language may change after load (a language switch on the storefront).
    this.unwatchLang = watchDocumentLang(() => this.requestUpdate());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unwatchLang?.();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const program = this.program?.program;
    const lang = langOf(this);
    if (lang !== this.locale.lang || changed.has("program")) {
      this.locale = new Locale(lang, program?.currency, program?.timezone);
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    // The session boots when the key, token or origin changed (Session.hostUpdate), and the <dialog> follows
    // `open` (PanelDialog.hostUpdated). A new view starts at its top (the form the shopper left was further down).
    if (changed.has("view")) this.dialog.scrollToTop();
  }

  // ---- opening and closing ---------------------------------------------------------------------

  /** Opens the panel (focus moves into it, and back where it was on close). */
  show(): void {
    if (this.open) return;
    this.dialog.rememberFocus();
    this.open = true;
  }

  /** Closes the panel and returns focus to where it was before. */
  close(): void {
    this.open = false;
    // "Welcome, N points are yours" was news once; an error stays until it is dealt with.
    if (this.notice?.kind === "status") this.notice = null;
  }

  toggle(): void {
    if (this.open) this.close();
    else this.show();
  }

  private onCancel(event: Event): void {
    event.preventDefault(); // Escape: close through `open`, so focus returns
    this.close();
  }

  private onDialogClick(event: MouseEvent): void {
    if (this.dialog.isBackdropClick(event)) this.close();
  }

  private onDialogKeydown(event: KeyboardEvent): void {
    this.dialog.trapTab(event);
  }

  // ---- the session -----------------------------------------------------------------------------

  /** Loads everything again: the program and, for a known customer, their account. */
  retry(): void {
    this.notice = null;
    void this.session.boot();
  }

  /** Fetches the customer's account and the first page of history again (e.g. after an order was paid). */
  refresh(): Promise<void> {
    return this.members.refresh();
  }

  /** Forgets the customer on this device (the token the API issued at registration). */
  logout(): void {
    this.signOut(null);
  }

  /** @internal */
  signOut(message: string | null): void {
    this.session.forget();
    this.members.reset();
    this.joining.reset();
    this.view = "anonymous";
    this.notice = message ? { kind: "alert", text: message } : null;
  }

  /** @internal */
  setCustomer(me: Me, announce: boolean): void {
    this.session.setCustomer(me, announce);
  }

  /** @internal */
  loadHistory(reset = false): Promise<void> {
    return this.members.loadHistory(reset);
  }

  /** @internal */
  clearHistory(): void {
    this.members.clearHistory();
  }

  /** @internal A `kopilka-error` event for the page, and nothing thrown. */
  fail(error: unknown, operation: string): void {
    emit(this, "kopilka-error", errorDetail(error, operation));
  }

  /** @internal The message a failed member action shows; a 401 signs the customer out. */
  memberFailed(error: unknown, operation: string): void {
    this.fail(error, operation);
    const m = this.locale.m;
    if (error instanceof ApiError && error.status === 401) {
      this.signOut(m.sessionExpired);
      return;
    }
    const text = !(error instanceof ApiError) ? m.somethingWrong
      : error.code === "network" ? m.network
      : error.code === "insufficient_points" ? m.insufficientPoints
      : error.code === "rate_limited" ? m.rateLimited(error.retryAfter)
      : error.message || m.somethingWrong;
    this.notice = { kind: "alert", text };
  }

  /** True when the program waits for a contact to be verified before it grants the welcome points. */
  pendingVerification(): boolean {
    const v = this.customer?.verification;
    return !!v && !v.verified;
  }

  // ---- rendering -------------------------------------------------------------------------------

  protected override render() {
    const m = this.locale.m;
    const member = this.view === "member" || this.view === "verify" ? this.customer : null;
    const shop = this.program?.shop.name ?? "";
    return html`
      <button part="launcher" type="button" aria-haspopup="dialog" aria-expanded=${this.open ? "true" : "false"}
        aria-controls="panel" @click=${this.toggle}>
        <svg part="launcher-icon" aria-hidden="true" viewBox="0 0 24 24" width="20" height="20"><path fill="currentColor"
          d="M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20Zm1 15.9V19h-2v-1.1a4 4 0 0 1-3-3.4h2a2 2 0 0 0 2 1.5c1.2 0 2-.6 2-1.4s-.6-1.2-2.3-1.6C9.4 12.4 8.2 11.6 8.2 10c0-1.5 1.1-2.6 2.8-3V6h2v1.1a3.6 3.6 0 0 1 2.8 3.2h-2c-.1-.8-.8-1.4-1.8-1.4-1.1 0-1.8.6-1.8 1.2 0 .7.6 1 2.3 1.5 2.2.5 3.3 1.4 3.3 3s-1.2 2.9-2.8 3.3Z"/></svg>
        <span part="launcher-text">${member ? m.launcherMember(this.locale, member.balance) : m.launcher}</span>
        <span class="visually-hidden">${shop ? `, ${m.launcherLabel(this.locale, shop)}` : ""}</span>
      </button>
      <dialog id="panel" part="panel" aria-labelledby="title" @cancel=${this.onCancel} @click=${this.onDialogClick}
        @keydown=${this.onDialogKeydown}>
        <div part="header">
          <h2 id="title" part="title" tabindex="-1">${shop ? html`<span part="shop">${shop}</span>` : nothing}${m.title}</h2>
          <button part="close" type="button" aria-label=${m.close} @click=${this.close}>
            <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20"><path fill="currentColor"
              d="M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6 6.4 5Z"/></svg>
          </button>
        </div>
        <div part="body">${this.renderBody()}</div>
      </dialog>
    `;
  }

  private renderBody() {
    const m = this.locale.m;
    switch (this.view) {
      case "loading":
        return html`<p part="message" role="status">${m.loading}</p>`;
      case "failed":
        return html`
          ${renderNotice(this.notice ?? { kind: "alert", text: m.somethingWrong })}
          <button part="button" type="button" @click=${this.retry}>${m.retry}</button>`;
      case "anonymous":
        return renderAnonymous(this, this.joining);
      case "verify":
        return renderVerify(this, this.joining);
      case "member":
        return renderMember(this, this.joining, this.members);
    }
  }
}
