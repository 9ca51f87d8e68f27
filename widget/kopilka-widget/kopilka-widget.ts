/**
 * `<kopilka-widget publishable-key="pk_…">`: a launcher button and a panel (a modal dialog) with the shop's
 * loyalty program — how it works and how to join for a visitor, code entry while a contact is verified, and
 * for a member their balance, tier, expiring points, ways to earn, rewards and history.
 *
 * Attributes: `publishable-key` (required), `customer-token` (a token the shop's backend signed for a signed-in
 * customer), `api` (the API's origin; default the script's), `referral-url` (the page a referral link opens;
 * default this page), `lang` (`ru`/`en`; default the closest `lang` up the tree), `open`.
 * Events, parts and CSS custom properties: widget/README.md.
 */
import { html, LitElement, nothing, type PropertyValues } from "lit";
import { ApiError, KopilkaApi } from "../shared/api.ts";
import { emit, errorDetail } from "../shared/events.ts";
import { langOf, Locale, watchDocumentLang } from "../shared/i18n.ts";
import { defaultApiBase, forgetToken, loadProgram, publishMember, readToken, saveToken } from "../shared/store.ts";
import type { Channel, HistoryItem, Me, PublicProgram, RedeemedReward, Verification } from "../shared/types.ts";
import { emptyJoin, joinError, joinRequest, validateJoin, type JoinErrors, type JoinField, type JoinValues } from "./join.ts";
import { styles } from "./kopilka-widget.styles.ts";
import { renderAnonymous } from "./views/anonymous.ts";
import { renderMember } from "./views/member.ts";
import { renderVerify } from "./views/verify.ts";
import { focusables, deepActiveElement } from "./focus.ts";

export type View = "loading" | "failed" | "anonymous" | "verify" | "member";

/** A message shown at the top of a view: `status` is polite, `alert` is an error. */
export interface Notice {
  kind: "status" | "alert";
  text: string;
  /** Shown by the registration form's submit button instead of at the top. */
  where?: "form";
}

export class KopilkaWidget extends LitElement {
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
    join: { state: true },
    joinErrors: { state: true },
    busy: { state: true },
    verification: { state: true },
    codeError: { state: true },
    resendAt: { state: true },
    history: { state: true },
    historyCursor: { state: true },
    historyLoading: { state: true },
    coupon: { state: true },
    copied: { state: true },
    now: { state: true },
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
  /** @internal */ declare join: JoinValues;
  /** @internal */ declare joinErrors: JoinErrors;
  /** @internal */ declare busy: string | null;
  /** @internal */ declare verification: Verification | null;
  /** @internal */ declare codeError: string | null;
  /** @internal */ declare resendAt: number;
  /** @internal */ declare history: HistoryItem[] | null;
  /** @internal */ declare historyCursor: string | null;
  /** @internal */ declare historyLoading: boolean;
  /** @internal */ declare coupon: RedeemedReward | null;
  /** @internal */ declare copied: string | null;
  /** @internal */ declare now: number;

  /** @internal */ locale = new Locale("ru");
  private client: KopilkaApi | null = null;
  private generation = 0;
  private returnFocus: HTMLElement | null = null;
  private unwatchLang: (() => void) | null = null;
  private ticker: ReturnType<typeof setInterval> | undefined;

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
    this.join = emptyJoin(referralFromUrl());
    this.joinErrors = {};
    this.busy = null;
    this.verification = null;
    this.codeError = null;
    this.resendAt = 0;
    this.history = null;
    this.historyCursor = null;
    this.historyLoading = false;
    this.coupon = null;
    this.copied = null;
    this.now = Date.now();
  }

  /** The customer token the widget sends (the shop's, or the one the API issued at registration); null if none. */
  get token(): string | null {
    return this.client?.token ?? null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // The document's language may change after load (a language switch on the storefront).
    this.unwatchLang = watchDocumentLang(() => this.requestUpdate());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unwatchLang?.();
    clearInterval(this.ticker);
    this.ticker = undefined;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const program = this.program?.program;
    const lang = langOf(this);
    if (lang !== this.locale.lang || changed.has("program")) {
      this.locale = new Locale(lang, program?.currency, program?.timezone);
    }
    if (changed.has("publishableKey") || changed.has("customerToken") || changed.has("api")) void this.boot();
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has("open")) this.syncDialog();
    // A new view starts at its top (the form the shopper left was further down).
    if (changed.has("view")) this.scrollToTop();
  }

  private scrollToTop(): void {
    const body = this.renderRoot.querySelector("[part~=body]");
    if (body) body.scrollTop = 0;
  }

  // ---- opening and closing ---------------------------------------------------------------------

  /** Opens the panel (focus moves into it, and back where it was on close). */
  show(): void {
    if (this.open) return;
    const active = deepActiveElement();
    this.returnFocus = active instanceof HTMLElement && active !== document.body ? active : null;
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

  private get dialog(): HTMLDialogElement | null {
    return this.renderRoot.querySelector("dialog");
  }

  private syncDialog(): void {
    const dialog = this.dialog;
    if (!dialog) return;
    if (this.open && !dialog.open) {
      dialog.showModal();
      this.scrollToTop();
      (this.renderRoot.querySelector("#title") as HTMLElement | null)?.focus();
      if (this.view === "member" && this.history === null) queueMicrotask(() => void this.loadHistory(true));
    } else if (!this.open && dialog.open) {
      dialog.close();
      const target = this.returnFocus?.isConnected ? this.returnFocus : this.renderRoot.querySelector<HTMLElement>("[part~=launcher]");
      this.returnFocus = null;
      target?.focus();
    }
  }

  private onCancel(event: Event): void {
    event.preventDefault(); // Escape: close through `open`, so focus returns
    this.close();
  }

  private onDialogClick(event: MouseEvent): void {
    // A click on the backdrop lands on the <dialog> itself, outside its box.
    const dialog = event.currentTarget as HTMLDialogElement;
    if (event.target !== dialog) return;
    const box = dialog.getBoundingClientRect();
    const inside = event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
    if (!inside) this.close();
  }

  /** Keeps Tab and Shift+Tab inside the panel, wrapping at either end. */
  private onDialogKeydown(event: KeyboardEvent): void {
    if (event.key !== "Tab") return;
    const dialog = this.dialog;
    if (!dialog) return;
    const items = focusables(dialog);
    if (items.length === 0) return;
    const active = (this.renderRoot as ShadowRoot).activeElement;
    const first = items[0]!;
    const last = items[items.length - 1]!;
    const outside = !active || !items.includes(active as HTMLElement);
    if (event.shiftKey && (active === first || outside)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || outside && active?.id !== "title")) {
      event.preventDefault();
      first.focus();
    }
  }

  // ---- loading ---------------------------------------------------------------------------------

  private apiBase(): string {
    return this.api || defaultApiBase();
  }

  private async boot(): Promise<void> {
    const generation = ++this.generation;
    const key = this.publishableKey;
    if (!key) return;
    const stored = this.customerToken ? null : readToken(key);
    this.client = new KopilkaApi(this.apiBase(), key, this.customerToken || stored?.token || null);
    this.view = "loading";
    this.customer = null;
    this.history = null;
    try {
      this.program = await loadProgram(this.apiBase(), key);
    } catch (error) {
      if (generation !== this.generation) return;
      this.fail(error, "program");
      this.notice = { kind: "alert", text: failureText(error, this.locale) };
      this.view = "failed";
      return;
    }
    if (generation !== this.generation) return;
    if (!this.client.token) {
      this.view = "anonymous";
      publishMember(key, null);
      return;
    }
    try {
      this.setCustomer(await this.client.me(), false);
      this.view = "member";
      if (this.open) void this.loadHistory(true);
    } catch (error) {
      if (generation !== this.generation) return;
      if (error instanceof ApiError && (error.status === 401 || error.status === 404)) {
        // 401: the token expired or was revoked — forget it. 404: the shop's customer has not joined yet.
        if (error.status === 401) {
          this.fail(error, "me");
          this.signOut(this.locale.m.sessionExpired);
        } else {
          this.view = "anonymous";
          publishMember(key, null);
        }
        return;
      }
      this.fail(error, "me");
      this.notice = { kind: "alert", text: failureText(error, this.locale) };
      this.view = "failed";
    }
  }

  /** Loads everything again: the program and, for a known customer, their account. */
  retry(): void {
    this.notice = null;
    void this.boot();
  }

  /** Fetches the customer's account and the first page of history again (e.g. after an order was paid). */
  async refresh(): Promise<void> {
    if (!this.client?.token) return;
    try {
      this.setCustomer(await this.client.me(), true);
      if (this.history !== null) await this.loadHistory(true);
    } catch (error) {
      this.handleMemberError(error, "me");
    }
  }

  /** Forgets the customer on this device (the token the API issued at registration). */
  logout(): void {
    this.signOut(null);
  }

  private signOut(message: string | null): void {
    // A stored token is forgotten; a shop's token that was refused is not sent again on this page.
    if (this.publishableKey && !this.customerToken) forgetToken(this.publishableKey);
    if (this.client) this.client.token = null;
    this.customer = null;
    this.history = null;
    this.historyCursor = null;
    this.coupon = null;
    this.verification = null;
    this.join = emptyJoin(referralFromUrl());
    this.joinErrors = {};
    this.view = "anonymous";
    this.notice = message ? { kind: "alert", text: message } : null;
    if (this.publishableKey) publishMember(this.publishableKey, null);
  }

  /** Shows a new account; `announce` fires kopilka-balance-changed when the balance moved. */
  private setCustomer(me: Me, announce: boolean): void {
    const previous = this.customer;
    this.customer = me;
    if (this.publishableKey) publishMember(this.publishableKey, me);
    if (announce && (previous === null || previous.balance !== me.balance || previous.pending !== me.pending)) {
      emit(this, "kopilka-balance-changed", { balance: me.balance, pending: me.pending, previous: previous?.balance ?? null });
    }
  }

  /** A `kopilka-error` event for the page, and nothing thrown. */
  private fail(error: unknown, operation: string): void {
    emit(this, "kopilka-error", errorDetail(error, operation));
  }

  /** The message a failed member action shows; a 401 signs the customer out. */
  private handleMemberError(error: unknown, operation: string): void {
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

  // ---- joining ---------------------------------------------------------------------------------

  /** @internal */
  setJoinValue(field: JoinField, value: string | boolean): void {
    this.join = { ...this.join, [field]: value };
    if (this.joinErrors[field] && this.program) {
      // Clear or update the field's error as the shopper fixes it.
      const errors = validateJoin(this.join, this.program.program, this.locale.m);
      this.joinErrors = { ...this.joinErrors, [field]: errors[field] };
    }
  }

  /** @internal Checks one field when the shopper leaves it (only once something was typed). */
  checkJoinField(field: JoinField): void {
    if (!this.program) return;
    const value = this.join[field];
    if (value === "" || value === false) return;
    const errors = validateJoin(this.join, this.program.program, this.locale.m);
    this.joinErrors = { ...this.joinErrors, [field]: errors[field] };
  }

  /** @internal */
  async submitJoin(): Promise<void> {
    if (!this.program || !this.client || this.busy) return;
    const m = this.locale.m;
    const errors = validateJoin(this.join, this.program.program, m);
    this.joinErrors = errors;
    const invalid = (Object.keys(errors) as JoinField[]).filter((f) => errors[f]);
    if (invalid.length > 0) {
      this.notice = { kind: "alert", text: m.fixFields, where: "form" };
      await this.updateComplete;
      this.focusField(invalid[0]!);
      return;
    }
    this.busy = "join";
    this.notice = null;
    try {
      const registration = await this.client.register(joinRequest(this.join));
      if (registration.token && this.publishableKey && !this.customerToken) {
        this.client.token = registration.token;
        saveToken(this.publishableKey, { token: registration.token, expiresAt: registration.tokenExpiresAt });
      }
      this.setCustomer(registration.customer, true);
      emit(this, "kopilka-registered", {
        customer: registration.customer, welcomePoints: registration.welcomePoints, verification: registration.verification,
      });
      this.join = emptyJoin();
      this.history = null;
      if (registration.verification) {
        this.verification = registration.verification;
        this.view = "verify";
      } else {
        this.view = "member";
        if (registration.welcomePoints > 0) this.notice = { kind: "status", text: m.welcomeGranted(this.locale, registration.welcomePoints) };
        void this.loadHistory(true);
      }
      await this.updateComplete;
      (this.renderRoot.querySelector("#title") as HTMLElement | null)?.focus();
    } catch (error) {
      this.fail(error, "register");
      const problem = error instanceof ApiError ? joinError(error, m) : { message: m.somethingWrong };
      if (problem.field) {
        this.joinErrors = { ...this.joinErrors, [problem.field]: problem.message };
        this.notice = { kind: "alert", text: m.fixFields, where: "form" };
        await this.updateComplete;
        this.focusField(problem.field);
      } else {
        this.notice = { kind: "alert", text: problem.message, where: "form" };
      }
    } finally {
      this.busy = null;
    }
  }

  private focusField(field: string): void {
    this.renderRoot.querySelector<HTMLElement>(`#join-${field}, #${field}`)?.focus();
  }

  // ---- verification ----------------------------------------------------------------------------

  /** @internal Starts verifying a contact: sends a code, then shows the code entry. */
  async startVerification(channel: Channel): Promise<void> {
    if (!(await this.sendCode(channel))) return;
    this.view = "verify";
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>("#code")?.focus();
  }

  /** @internal Sends (again) a code; true when sent. */
  async sendCode(channel: Channel): Promise<boolean> {
    if (!this.client || this.busy) return false;
    this.busy = "send";
    this.codeError = null;
    try {
      this.verification = await this.client.sendCode(channel);
      this.notice = { kind: "status", text: this.locale.m.verifyResent(this.verification.to) };
      return true;
    } catch (error) {
      this.fail(error, "verify");
      if (error instanceof ApiError && error.status === 429) this.coolDown(error.retryAfter ?? 60);
      if (error instanceof ApiError && error.status === 401) this.signOut(this.locale.m.sessionExpired);
      else this.notice = { kind: "alert", text: this.verifyMessage(error) };
      return false;
    } finally {
      this.busy = null;
    }
  }

  /** @internal */
  async submitCode(code: string): Promise<void> {
    if (!this.client || this.busy) return;
    const m = this.locale.m;
    const channel = this.verification?.channel ?? this.customer?.verification?.channel;
    if (!channel) return;
    if (!/^\d{6}$/.test(code.trim())) {
      this.codeError = m.verifyCodeInvalid;
      return;
    }
    this.busy = "verify";
    this.codeError = null;
    this.notice = null;
    try {
      const verified = await this.client.verify(channel, code.trim());
      this.setCustomer(verified.customer, true);
      this.verification = null;
      this.view = "member";
      if (verified.welcomePoints > 0) this.notice = { kind: "status", text: m.welcomeGranted(this.locale, verified.welcomePoints) };
      void this.loadHistory(true);
      await this.updateComplete;
      (this.renderRoot.querySelector("#title") as HTMLElement | null)?.focus();
    } catch (error) {
      this.fail(error, "verify");
      if (error instanceof ApiError && error.status === 401) {
        this.signOut(m.sessionExpired);
        return;
      }
      if (error instanceof ApiError && error.status === 429) this.coolDown(error.retryAfter ?? 60);
      this.codeError = this.verifyMessage(error);
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>("#code")?.focus();
    } finally {
      this.busy = null;
    }
  }

  private verifyMessage(error: unknown): string {
    const m = this.locale.m;
    if (!(error instanceof ApiError)) return m.somethingWrong;
    if (error.code === "network") return m.network;
    if (error.code === "rate_limited") return m.rateLimited(error.retryAfter);
    const left = error.details.attemptsLeft;
    if (error.code === "invalid_state" && typeof left === "number") return `${m.verifyWrong} ${m.verifyTriesLeft(left)}`;
    if (error.code === "invalid_state") return m.verifyExpired;
    return error.message || m.somethingWrong;
  }

  /** @internal Skips verification for now: the member view shows a reminder. */
  verifyLater(): void {
    this.view = "member";
    this.notice = null;
    void this.loadHistory(true);
  }

  private coolDown(seconds: number): void {
    this.resendAt = Date.now() + seconds * 1000;
    this.now = Date.now();
    clearInterval(this.ticker);
    this.ticker = setInterval(() => {
      this.now = Date.now();
      if (this.now >= this.resendAt) {
        clearInterval(this.ticker);
        this.ticker = undefined;
      }
    }, 1000);
  }

  // ---- member actions --------------------------------------------------------------------------

  /** @internal Loads the first page (`reset`) or the next one. */
  async loadHistory(reset = false): Promise<void> {
    if (!this.client?.token || this.historyLoading) return;
    if (!reset && !this.historyCursor) return;
    this.historyLoading = true;
    try {
      const page = await this.client.history(reset ? null : this.historyCursor);
      this.history = reset ? page.items : [...(this.history ?? []), ...page.items];
      this.historyCursor = page.nextCursor;
    } catch (error) {
      this.handleMemberError(error, "history");
    } finally {
      this.historyLoading = false;
    }
  }

  /** @internal Loads the next page and moves focus to its first entry. */
  async moreHistory(): Promise<void> {
    const shown = this.history?.length ?? 0;
    await this.loadHistory(false);
    await this.updateComplete;
    this.renderRoot.querySelectorAll<HTMLElement>("[part~=history-item]")[shown]?.focus();
  }

  /** @internal */
  async redeem(rewardId: string): Promise<void> {
    if (!this.client || this.busy) return;
    this.busy = `redeem:${rewardId}`;
    this.notice = null;
    try {
      const reward = await this.client.redeem(rewardId);
      this.coupon = reward;
      const previous = this.customer;
      if (previous) this.setCustomer({ ...previous, balance: reward.balance }, true);
      emit(this, "kopilka-reward-redeemed", { reward });
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>("#coupon-code")?.focus();
      void this.refresh();
    } catch (error) {
      this.handleMemberError(error, "redeem");
    } finally {
      this.busy = null;
    }
  }

  /** @internal Copies text to the clipboard; `id` names what was copied, for the "Copied" label. */
  async copy(id: string, text: string): Promise<void> {
    let ok = false;
    try {
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch {
      // No clipboard permission (or an insecure page): select the field so that the shopper can copy it.
      const field = this.renderRoot.querySelector<HTMLInputElement>(`#${id}`);
      field?.select();
    }
    this.copied = ok ? id : `failed:${id}`;
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
          <p part="message error" role="alert">${this.notice?.text ?? m.somethingWrong}</p>
          <button part="button" type="button" @click=${this.retry}>${m.retry}</button>`;
      case "anonymous":
        return renderAnonymous(this);
      case "verify":
        return renderVerify(this);
      case "member":
        return renderMember(this);
    }
  }
}

/** `?ref=<code>` of the page: a friend's referral link prefills the code field. */
function referralFromUrl(): string {
  try {
    return new URLSearchParams(location.search).get("ref")?.slice(0, 64) ?? "";
  } catch {
    return "";
  }
}

/** What a failed load says: why, when it is known. */
function failureText(error: unknown, locale: Locale): string {
  const m = locale.m;
  if (error instanceof ApiError && error.code === "network") return `${m.programFailed} ${m.network}`;
  if (error instanceof ApiError && error.code === "forbidden") return m.forbidden;
  return `${m.programFailed} ${m.somethingWrong}`;
}
