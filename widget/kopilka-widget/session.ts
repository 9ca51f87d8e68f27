/**
 * The session: the API client with the customer token in use (the shop's, a stored one, or the one the API
 * issued at registration), loading the program and the account it names, and the member published to the
 * page's other components. A Lit ReactiveController of the widget: it boots again whenever the key, the shop's
 * token or the API's origin changes.
 */
import type { ReactiveController } from "lit";
import { ApiError, KopilkaApi } from "../shared/api.ts";
import { emit } from "../shared/events.ts";
import type { Locale } from "../shared/i18n.ts";
import { defaultApiBase, forgetToken, loadProgram, publishMember, readToken } from "../shared/store.ts";
import type { Me } from "../shared/types.ts";
import type { Notice, WidgetHost } from "./host.ts";

export class Session implements ReactiveController {
  client: KopilkaApi | null = null;
  /** Counts boots: an answer for an earlier key or token is dropped. */
  private generation = 0;
  /** The key, token and origin the last boot was for (undefined before the first update). */
  private bootedFor: readonly unknown[] | undefined;
  private readonly host: WidgetHost;

  constructor(host: WidgetHost) {
    this.host = host;
    host.addController(this);
  }

  hostUpdate(): void {
    const host = this.host;
    const inputs = [host.publishableKey, host.customerToken, host.api];
    if (this.bootedFor && inputs.every((value, i) => value === this.bootedFor![i])) return;
    this.bootedFor = inputs;
    void this.boot();
  }

  private apiBase(): string {
    return this.host.api || defaultApiBase();
  }

  /** Loads the program and, for a known customer, their account; the view follows from what came back. */
  async boot(): Promise<void> {
    const host = this.host;
    const generation = ++this.generation;
    const key = host.publishableKey;
    if (!key) return;
    const stored = host.customerToken ? null : readToken(key);
    const client = new KopilkaApi(this.apiBase(), key, host.customerToken || stored?.token || null);
    this.client = client;
    host.view = "loading";
    host.customer = null;
    host.clearHistory();
    try {
      host.program = await loadProgram(this.apiBase(), key);
    } catch (error) {
      if (generation !== this.generation) return;
      host.fail(error, "program");
      host.notice = failureNotice(error, host.locale);
      host.view = "failed";
      return;
    }
    if (generation !== this.generation) return;
    if (!client.token) {
      host.view = "anonymous";
      publishMember(key, null);
      return;
    }
    try {
      this.setCustomer(await client.me(), false);
      host.view = "member";
      if (host.open) void host.loadHistory(true);
    } catch (error) {
      if (generation !== this.generation) return;
      if (error instanceof ApiError && (error.status === 401 || error.status === 404)) {
        // 401: the token expired or was revoked — forget it. 404: the shop's customer has not joined yet.
        if (error.status === 401) {
          host.fail(error, "me");
          host.signOut(host.locale.m.sessionExpired);
        } else {
          host.view = "anonymous";
          publishMember(key, null);
        }
        return;
      }
      host.fail(error, "me");
      host.notice = failureNotice(error, host.locale);
      host.view = "failed";
    }
  }

  /** Stops using the token: a stored one is forgotten, a shop's token that was refused is not sent again. */
  forget(): void {
    const host = this.host;
    if (host.publishableKey && !host.customerToken) forgetToken(host.publishableKey);
    if (this.client) this.client.token = null;
    host.customer = null;
    if (host.publishableKey) publishMember(host.publishableKey, null);
  }

  /** Shows a new account; `announce` fires kopilka-balance-changed when the balance moved. */
  setCustomer(me: Me, announce: boolean): void {
    const host = this.host;
    const previous = host.customer;
    host.customer = me;
    if (host.publishableKey) publishMember(host.publishableKey, me);
    if (announce && (previous === null || previous.balance !== me.balance || previous.pending !== me.pending)) {
      emit(host, "kopilka-balance-changed", { balance: me.balance, pending: me.pending, previous: previous?.balance ?? null });
    }
  }
}

/**
 * What a failed load says: why, when it is known. A page whose origin the shop has not registered tells the shop
 * owner — who is the one to open their own storefront first — what to fix; a shopper reads that it is unavailable.
 */
function failureNotice(error: unknown, locale: Locale): Notice {
  const m = locale.m;
  const code = error instanceof ApiError ? error.code : "";
  return code === "origin_not_allowed" ? { kind: "alert", text: m.forbidden, hint: m.notRegistered(location.origin) }
    : { kind: "alert", text: `${m.programFailed} ${code === "network" ? m.network : m.somethingWrong}` };
}
