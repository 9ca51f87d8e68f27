/**
 * The element as its controllers and views see it: the state they share (which view, the program, the
 * customer, the notice, what is busy) and the few actions that cross them. Defined here, outside the element's
 * file, so that nothing imports the element class and the element imports no one who imports it back.
 */
import type { ReactiveControllerHost } from "lit";
import type { KopilkaApi } from "../shared/api.ts";
import type { Locale } from "../shared/i18n.ts";
import type { Me, PublicProgram } from "../shared/types.ts";

export type View = "loading" | "failed" | "anonymous" | "verify" | "member";

/** A message shown at the top of a view: `status` is polite, `alert` is an error. */
export interface Notice {
  kind: "status" | "alert";
  text: string;
  /** A smaller line under an alert, for the shop owner rather than the shopper. */
  hint?: string;
  /** Shown by the registration form's submit button instead of at the top. */
  where?: "form";
}

export interface WidgetHost extends ReactiveControllerHost, HTMLElement {
  view: View;
  program: PublicProgram | null;
  customer: Me | null;
  notice: Notice | null;
  /** What is in flight (`join`, `send`, `verify`, `redeem:<id>`); one action at a time. */
  busy: string | null;
  readonly publishableKey: string | null;
  readonly customerToken: string | null;
  readonly api: string | null;
  readonly referralUrl: string | null;
  readonly open: boolean;
  readonly locale: Locale;
  readonly renderRoot: HTMLElement | DocumentFragment;
  /** The API client of this page's session; null before the first boot. */
  readonly client: KopilkaApi | null;
  /** Shows a new account; `announce` fires kopilka-balance-changed when the balance moved. */
  setCustomer(me: Me, announce: boolean): void;
  /** Forgets the customer on this device and shows the visitor's view with `message`, if any. */
  signOut(message: string | null): void;
  /** Loads the first page of history (`reset`) or the next one. */
  loadHistory(reset?: boolean): Promise<void>;
  /** Drops the history shown (another account's, or none yet). */
  clearHistory(): void;
  /** A `kopilka-error` event for the page, and nothing thrown. */
  fail(error: unknown, operation: string): void;
  /** The message a failed member action shows; a 401 signs the customer out. */
  memberFailed(error: unknown, operation: string): void;
  pendingVerification(): boolean;
  logout(): void;
}

/** Moves focus to the element with `selector` in the panel, once the view is rendered. */
export async function focusAfterUpdate(host: WidgetHost, selector: string): Promise<void> {
  await host.updateComplete;
  host.renderRoot.querySelector<HTMLElement>(selector)?.focus();
}
