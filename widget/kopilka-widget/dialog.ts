/**
 * The panel's modal <dialog>: opened and closed through the element's `open`, focus moved in on open and back
 * where it was on close, Escape and a backdrop click close it, Tab stays inside. A Lit ReactiveController.
 */
import type { ReactiveController } from "lit";
import { deepActiveElement, focusables } from "./focus.ts";
import type { WidgetHost } from "./host.ts";

export class PanelDialog implements ReactiveController {
  private returnFocus: HTMLElement | null = null;
  private readonly host: WidgetHost;
  private readonly opened: () => void;

  /** `opened`: what the panel does each time it opens (the member's history, if not loaded yet). */
  constructor(host: WidgetHost, opened: () => void) {
    this.host = host;
    this.opened = opened;
    host.addController(this);
  }

  /** Remembers where focus was, to return it there on close. */
  rememberFocus(): void {
    const active = deepActiveElement();
    this.returnFocus = active instanceof HTMLElement && active !== document.body ? active : null;
  }

  private get dialog(): HTMLDialogElement | null {
    return this.host.renderRoot.querySelector("dialog");
  }

  /** A new view starts at its top (the form the shopper left was further down). */
  scrollToTop(): void {
    const body = this.host.renderRoot.querySelector("[part~=body]");
    if (body) body.scrollTop = 0;
  }

  /** Opens or closes the <dialog> to match `open` (after each render: a no-op when they already match). */
  hostUpdated(): void {
    const dialog = this.dialog;
    const root = this.host.renderRoot;
    if (!dialog) return;
    if (this.host.open && !dialog.open) {
      dialog.showModal();
      this.scrollToTop();
      (root.querySelector("#title") as HTMLElement | null)?.focus();
      this.opened();
    } else if (!this.host.open && dialog.open) {
      dialog.close();
      const target = this.returnFocus?.isConnected ? this.returnFocus : root.querySelector<HTMLElement>("[part~=launcher]");
      this.returnFocus = null;
      target?.focus();
    }
  }

  /** Whether a click on the <dialog> fell on its backdrop (it lands on the <dialog> itself, outside its box). */
  isBackdropClick(event: MouseEvent): boolean {
    const dialog = event.currentTarget as HTMLDialogElement;
    if (event.target !== dialog) return false;
    const box = dialog.getBoundingClientRect();
    const inside = event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
    return !inside;
  }

  /** Keeps Tab and Shift+Tab inside the panel, wrapping at either end. */
  trapTab(event: KeyboardEvent): void {
    if (event.key !== "Tab") return;
    const dialog = this.dialog;
    if (!dialog) return;
    const items = focusables(dialog);
    if (items.length === 0) return;
    const active = (this.host.renderRoot as ShadowRoot).activeElement;
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
}
