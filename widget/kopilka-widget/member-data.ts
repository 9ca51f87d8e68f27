/**
 * What a member's panel loads and does beyond the account itself: the history (a page at a time), the coupon
 * just bought with points, and what was last copied to the clipboard. Like the widget's controllers it owns its
 * state and asks the host to render; it has no part in the host's lifecycle, so it is not registered as one.
 */
import { emit } from "../shared/events.ts";
import type { HistoryItem, RedeemedReward } from "../shared/types.ts";
import { focusAfterUpdate, type WidgetHost } from "./host.ts";

export class MemberData {
  /** Newest first; null until the first page is in. */
  history: HistoryItem[] | null = null;
  historyCursor: string | null = null;
  historyLoading = false;
  /** The coupon just issued, shown copyable above the rewards. */
  coupon: RedeemedReward | null = null;
  /** The id of what was copied (`failed:<id>` when the clipboard refused), for the "Copied" label. */
  copied: string | null = null;
  private readonly host: WidgetHost;

  constructor(host: WidgetHost) {
    this.host = host;
  }

  /** Nothing of a signed-out member stays. */
  reset(): void {
    this.history = null;
    this.historyCursor = null;
    this.coupon = null;
    this.host.requestUpdate();
  }

  clearHistory(): void {
    this.history = null;
    this.host.requestUpdate();
  }

  /** Loads the first page (`reset`) or the next one. */
  async loadHistory(reset = false): Promise<void> {
    const client = this.host.client;
    if (!client?.token || this.historyLoading) return;
    if (!reset && !this.historyCursor) return;
    this.historyLoading = true;
    this.host.requestUpdate();
    try {
      const page = await client.history(reset ? null : this.historyCursor);
      this.history = reset ? page.items : [...(this.history ?? []), ...page.items];
      this.historyCursor = page.nextCursor;
    } catch (error) {
      this.host.memberFailed(error, "history");
    } finally {
      this.historyLoading = false;
      this.host.requestUpdate();
    }
  }

  /** Loads the next page and moves focus to its first entry. */
  async moreHistory(): Promise<void> {
    const shown = this.history?.length ?? 0;
    await this.loadHistory(false);
    await this.host.updateComplete;
    this.host.renderRoot.querySelectorAll<HTMLElement>("[part~=history-item]")[shown]?.focus();
  }

  async redeem(rewardId: string): Promise<void> {
    const host = this.host;
    const client = host.client;
    if (!client || host.busy) return;
    host.busy = `redeem:${rewardId}`;
    host.notice = null;
    try {
      const reward = await client.redeem(rewardId);
      this.coupon = reward;
      const previous = host.customer;
      if (previous) host.setCustomer({ ...previous, balance: reward.balance }, true);
      emit(host, "kopilka-reward-redeemed", { reward });
      host.requestUpdate();
      await focusAfterUpdate(host, "#coupon-code");
      void this.refresh();
    } catch (error) {
      host.memberFailed(error, "redeem");
    } finally {
      host.busy = null;
    }
  }

  /** Fetches the customer's account and the first page of history again (e.g. after an order was paid). */
  async refresh(): Promise<void> {
    const host = this.host;
    if (!host.client?.token) return;
    try {
      host.setCustomer(await host.client.me(), true);
      if (this.history !== null) await this.loadHistory(true);
    } catch (error) {
      host.memberFailed(error, "me");
    }
  }

  /** Copies text to the clipboard; `id` names what was copied, for the "Copied" label. */
  async copy(id: string, text: string): Promise<void> {
    let ok = false;
    try {
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch {
      // No clipboard permission (or an insecure page): select the field so that the shopper can copy it.
      const field = this.host.renderRoot.querySelector<HTMLInputElement>(`#${id}`);
      field?.select();
    }
    this.copied = ok ? id : `failed:${id}`;
    this.host.requestUpdate();
  }
}
