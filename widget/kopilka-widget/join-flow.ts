/**
 * Joining and verifying a contact: the registration form's values and errors, the verification code sent, the
 * code's error and the resend cool-down. A Lit ReactiveController of the widget: its state is plain fields, and
 * every change asks the host to render.
 */
import type { ReactiveController } from "lit";
import { ApiError } from "../shared/api.ts";
import { emit } from "../shared/events.ts";
import { saveToken } from "../shared/store.ts";
import type { Channel, Verification } from "../shared/types.ts";
import { focusAfterUpdate, type WidgetHost } from "./host.ts";
import { emptyJoin, joinError, joinRequest, validateJoin, type JoinErrors, type JoinField, type JoinValues } from "./join.ts";

export class JoinFlow implements ReactiveController {
  join: JoinValues = emptyJoin(referralFromUrl());
  joinErrors: JoinErrors = {};
  /** Where the last code went, and until when it is valid. */
  verification: Verification | null = null;
  codeError: string | null = null;
  /** When a code may be sent again (epoch ms), and the clock the cool-down is shown against. */
  resendAt = 0;
  now = Date.now();
  private ticker: ReturnType<typeof setInterval> | undefined;
  private readonly host: WidgetHost;

  constructor(host: WidgetHost) {
    this.host = host;
    host.addController(this);
  }

  hostDisconnected(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
  }

  /** A signed-out visitor starts afresh (a friend's code from the page's link prefilled again). */
  reset(): void {
    this.verification = null;
    this.join = emptyJoin(referralFromUrl());
    this.joinErrors = {};
    this.host.requestUpdate();
  }

  // ---- joining ---------------------------------------------------------------------------------

  setJoinValue(field: JoinField, value: string | boolean): void {
    const program = this.host.program;
    this.join = { ...this.join, [field]: value };
    if (this.joinErrors[field] && program) {
      // Clear or update the field's error as the shopper fixes it.
      const errors = validateJoin(this.join, program.program, this.host.locale.m);
      this.joinErrors = { ...this.joinErrors, [field]: errors[field] };
    }
    this.host.requestUpdate();
  }

  /** Checks one field when the shopper leaves it (only once something was typed). */
  checkJoinField(field: JoinField): void {
    const program = this.host.program;
    if (!program) return;
    const value = this.join[field];
    if (value === "" || value === false) return;
    const errors = validateJoin(this.join, program.program, this.host.locale.m);
    this.joinErrors = { ...this.joinErrors, [field]: errors[field] };
    this.host.requestUpdate();
  }

  async submitJoin(): Promise<void> {
    const host = this.host;
    const client = host.client;
    if (!host.program || !client || host.busy) return;
    const locale = host.locale;
    const m = locale.m;
    const errors = validateJoin(this.join, host.program.program, m);
    this.joinErrors = errors;
    const invalid = (Object.keys(errors) as JoinField[]).filter((f) => errors[f]);
    if (invalid.length > 0) {
      host.notice = { kind: "alert", text: m.fixFields, where: "form" };
      await focusAfterUpdate(host, fieldSelector(invalid[0]!));
      return;
    }
    host.busy = "join";
    host.notice = null;
    try {
      const registration = await client.register(joinRequest(this.join));
      if (registration.token && host.publishableKey && !host.customerToken) {
        client.token = registration.token;
        saveToken(host.publishableKey, { token: registration.token, expiresAt: registration.tokenExpiresAt });
      }
      host.setCustomer(registration.customer, true);
      emit(host, "kopilka-registered", {
        customer: registration.customer, welcomePoints: registration.welcomePoints, verification: registration.verification,
      });
      this.join = emptyJoin();
      host.clearHistory();
      if (registration.verification) {
        this.verification = registration.verification;
        host.view = "verify";
      } else {
        host.view = "member";
        if (registration.welcomePoints > 0) host.notice = { kind: "status", text: m.welcomeGranted(locale, registration.welcomePoints) };
        void host.loadHistory(true);
      }
      await focusAfterUpdate(host, "#title");
    } catch (error) {
      host.fail(error, "register");
      const problem = error instanceof ApiError ? joinError(error, m) : { message: m.somethingWrong };
      if (problem.field) {
        this.joinErrors = { ...this.joinErrors, [problem.field]: problem.message };
        host.notice = { kind: "alert", text: m.fixFields, where: "form" };
        await focusAfterUpdate(host, fieldSelector(problem.field));
      } else {
        host.notice = { kind: "alert", text: problem.message, where: "form" };
      }
    } finally {
      host.busy = null;
    }
  }

  // ---- verification ----------------------------------------------------------------------------

  /** Starts verifying a contact: sends a code, then shows the code entry. */
  async startVerification(channel: Channel): Promise<void> {
    if (!(await this.sendCode(channel))) return;
    this.host.view = "verify";
    await focusAfterUpdate(this.host, "#code");
  }

  /** Sends (again) a code; true when sent. */
  async sendCode(channel: Channel): Promise<boolean> {
    const host = this.host;
    if (!host.client || host.busy) return false;
    host.busy = "send";
    this.codeError = null;
    try {
      this.verification = await host.client.sendCode(channel);
      host.notice = { kind: "status", text: host.locale.m.verifyResent(this.verification.to) };
      return true;
    } catch (error) {
      host.fail(error, "verify");
      if (error instanceof ApiError && error.status === 429) this.coolDown(error.retryAfter ?? 60);
      if (error instanceof ApiError && error.status === 401) host.signOut(host.locale.m.sessionExpired);
      else host.notice = { kind: "alert", text: this.verifyMessage(error) };
      return false;
    } finally {
      host.busy = null;
    }
  }

  async submitCode(code: string): Promise<void> {
    const host = this.host;
    const client = host.client;
    if (!client || host.busy) return;
    const m = host.locale.m;
    const channel = this.verification?.channel ?? host.customer?.verification?.channel;
    if (!channel) return;
    if (!/^\d{6}$/.test(code.trim())) {
      this.codeError = m.verifyCodeInvalid;
      host.requestUpdate();
      return;
    }
    host.busy = "verify";
    this.codeError = null;
    host.notice = null;
    try {
      const verified = await client.verify(channel, code.trim());
      host.setCustomer(verified.customer, true);
      this.verification = null;
      host.view = "member";
      if (verified.welcomePoints > 0) host.notice = { kind: "status", text: m.welcomeGranted(host.locale, verified.welcomePoints) };
      void host.loadHistory(true);
      await focusAfterUpdate(host, "#title");
    } catch (error) {
      host.fail(error, "verify");
      if (error instanceof ApiError && error.status === 401) {
        host.signOut(m.sessionExpired);
        return;
      }
      if (error instanceof ApiError && error.status === 429) this.coolDown(error.retryAfter ?? 60);
      this.codeError = this.verifyMessage(error);
      host.requestUpdate();
      await focusAfterUpdate(host, "#code");
    } finally {
      host.busy = null;
    }
  }

  private verifyMessage(error: unknown): string {
    const m = this.host.locale.m;
    if (!(error instanceof ApiError)) return m.somethingWrong;
    if (error.code === "network") return m.network;
    if (error.code === "rate_limited") return m.rateLimited(error.retryAfter);
    const left = error.details.attemptsLeft;
    if (error.code === "invalid_state" && typeof left === "number") return `${m.verifyWrong} ${m.verifyTriesLeft(left)}`;
    if (error.code === "invalid_state") return m.verifyExpired;
    return error.message || m.somethingWrong;
  }

  /** Skips verification for now: the member view shows a reminder. */
  verifyLater(): void {
    this.host.view = "member";
    this.host.notice = null;
    void this.host.loadHistory(true);
  }

  private coolDown(seconds: number): void {
    this.resendAt = Date.now() + seconds * 1000;
    this.now = Date.now();
    this.host.requestUpdate();
    clearInterval(this.ticker);
    this.ticker = setInterval(() => {
      this.now = Date.now();
      this.host.requestUpdate();
      if (this.now >= this.resendAt) {
        clearInterval(this.ticker);
        this.ticker = undefined;
      }
    }, 1000);
  }
}

/** The form's field (`#join-phone`) or the code entry (`#code`). */
function fieldSelector(field: string): string {
  return `#join-${field}, #${field}`;
}

/** `?ref=<code>` of the page: a friend's referral link prefills the code field. */
function referralFromUrl(): string {
  try {
    return new URLSearchParams(location.search).get("ref")?.slice(0, 64) ?? "";
  } catch {
    return "";
  }
}
