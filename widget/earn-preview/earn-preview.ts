/**
 * `<kopilka-earn-preview price="89000" sku="beans" categories="coffee">`: "You will earn N points" for a product
 * or a cart, computed in the browser by the same WebAssembly engine the API quotes with, under the shop's public
 * program — one program request per page and no request per change. For a signed-in member (known to a
 * `<kopilka-widget>` on the page) it uses their tier, spend and order count, as the server's quote does.
 *
 * Attributes: `price` (minor units) with `qty`, `sku`, `categories`, `tags` (space-separated) for one line, or
 * the `lines` property (receipt lines) for a cart; `publishable-key` and `api` (default: the page's
 * `<kopilka-widget>`'s), `lang`. Renders nothing while there is nothing to earn.
 */
import { html, LitElement, nothing, type PropertyValues } from "lit";
import type { CustomerSnapshot, Evaluation, Receipt, ReceiptLine } from "../../engine/host/types.ts";
import { loadPreviewEngine } from "../engine/load.ts";
import { emit, errorDetail } from "../shared/events.ts";
import { langOf, Locale, watchDocumentLang } from "../shared/i18n.ts";
import { defaultApiBase, loadProgram, subscribeMember } from "../shared/store.ts";
import type { Me, PublicProgram } from "../shared/types.ts";
import type { Engine } from "../../engine/host/engine.ts";
import { styles } from "./earn-preview.styles.ts";

const INPUTS = ["price", "qty", "sku", "categories", "tags", "lines", "member", "engine"] as const;

/**
 * The preview element. Its attributes, properties, events, parts and CSS custom properties, for
 * custom-elements.json (the package's manifest) and editors:
 *
 * @tagname kopilka-earn-preview
 * @fires {KopilkaErrorEvent} kopilka-error - The program or the engine could not be loaded (`operation` is `preview`; `code` `engine` for the engine)
 * @attr {string} lang - `ru` or `en`; default the closest `lang` up the tree, then the document's
 * @csspart text - The text (with `error` when points are unavailable)
 * @csspart icon - The "+" badge before the points
 * @cssprop --kopilka-preview-color - The text colour (default inherited)
 * @cssprop --kopilka-accent - The badge (default `#7c2d92`)
 * @cssprop --kopilka-on-accent - The badge's "+" (default `#ffffff`)
 * @cssprop --kopilka-text-muted - "Points unavailable" (default `#5b5661`)
 */
export class KopilkaEarnPreview extends LitElement {
  static override styles = styles;

  static override properties = {
    publishableKey: { attribute: "publishable-key" },
    api: {},
    price: { type: Number },
    qty: { type: Number },
    sku: {},
    categories: {},
    tags: {},
    lines: { attribute: false },
    lang: { reflect: true },
    member: { state: true },
    engine: { state: true },
    program: { state: true },
    failed: { state: true },
  };

  /** The shop's publishable key `pk_…`; default that of the page's `<kopilka-widget>`. */
  declare publishableKey: string | null;
  /** The API's origin; default the page's `<kopilka-widget>`'s (when this element names no key of its own), else the script's origin. */
  declare api: string | null;
  /** The price of one unit, in minor units of the program's currency. */
  declare price: number | null;
  /** The quantity (default 1). */
  declare qty: number;
  /** The product's SKU, as the checkout sends it. */
  declare sku: string | null;
  /** Space-separated categories of the product (as the shop's checkout sends them). */
  declare categories: string | null;
  /** Space-separated tags of the product. */
  declare tags: string | null;
  /** A whole cart: receipt lines `{ id, sku?, categories?, tags?, price, qty }`; wins over `price`. */
  declare lines: ReceiptLine[] | null;
  /** @internal */ declare member: Me | null;
  /** @internal */ declare engine: Engine | null;
  /** @internal */ declare program: PublicProgram | null;
  /** @internal */ declare failed: boolean;

  /** The evaluation of the last preview (what the server's quote would return), or null. Read-only. */
  evaluation: Evaluation | null = null;
  /** The receipt that evaluation is of (its `at` is when it was computed). Read-only. */
  receipt: Receipt | null = null;
  private unsubscribe: (() => void) | null = null;
  private unwatchLang: (() => void) | null = null;
  private generation = 0;

  constructor() {
    super();
    this.publishableKey = null;
    this.api = null;
    this.price = null;
    this.qty = 1;
    this.sku = null;
    this.categories = null;
    this.tags = null;
    this.lines = null;
    this.member = null;
    this.engine = null;
    this.program = null;
    this.failed = false;
  }

  /** The points the preview shows (0 when nothing is earned), or null before it is computed. */
  get points(): number | null {
    return this.evaluation?.pointsEarned ?? null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.unwatchLang = watchDocumentLang(() => this.requestUpdate());
    void this.load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.unwatchLang?.();
  }

  /** The key and API of this element, else of the page's widget. */
  private source(): { key: string; base: string } | null {
    const widget = document.querySelector("kopilka-widget") as { publishableKey?: string | null; api?: string | null } | null;
    const key = this.publishableKey || widget?.publishableKey || null;
    if (!key) return null;
    return { key, base: this.api || (this.publishableKey ? null : widget?.api) || defaultApiBase() };
  }

  private async load(): Promise<void> {
    const generation = ++this.generation;
    // The page's widget may be defined after this element: wait a task for its attributes.
    await Promise.resolve();
    const source = this.source();
    if (!source) return;
    this.unsubscribe?.();
    this.unsubscribe = subscribeMember(source.key, (me) => (this.member = me));
    try {
      const program = await loadProgram(source.base, source.key);
      const engine = await (await loadPreviewEngine()).engineFor(program.program);
      if (generation !== this.generation) return;
      this.program = program;
      this.engine = engine;
      this.failed = false;
    } catch (error) {
      if (generation !== this.generation) return;
      this.failed = true;
      emit(this, "kopilka-error", errorDetail(error, "preview"));
    }
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("publishableKey") || changed.has("api")) {
      if (this.isConnected && (changed.get("publishableKey") !== undefined || changed.get("api") !== undefined)) void this.load();
    }
    if (this.engine && INPUTS.some((k) => changed.has(k))) this.evaluate();
  }

  private makeReceipt(): Receipt | null {
    const lines = this.lines ?? (this.price !== null && Number.isFinite(this.price)
      ? [{
        id: "1", price: this.price, qty: this.qty,
        ...(this.sku ? { sku: this.sku } : {}),
        ...(this.categories ? { categories: words(this.categories) } : {}),
        ...(this.tags ? { tags: words(this.tags) } : {}),
      }]
      : null);
    if (!lines || lines.length === 0) return null;
    return { at: new Date().toISOString(), lines };
  }

  private snapshot(): CustomerSnapshot {
    const me = this.member;
    return me ? { balance: me.balance, spend: me.spend, orders: me.orders, member: true } : {};
  }

  /** Runs the engine on the current input: synchronous, in the browser, no request. */
  private evaluate(): void {
    const receipt = this.makeReceipt();
    this.receipt = receipt;
    if (!receipt || !this.engine) {
      this.evaluation = null;
      return;
    }
    try {
      this.evaluation = this.engine.quote(receipt, this.snapshot());
      this.failed = false;
    } catch (error) {
      this.evaluation = null;
      this.failed = true;
      emit(this, "kopilka-error", { ...errorDetail(error, "preview"), code: "engine" });
    }
  }

  protected override render() {
    const program = this.program?.program;
    const locale = new Locale(langOf(this), program?.currency, program?.timezone);
    if (this.failed) return html`<span part="text error">${locale.m.previewFailed}</span>`;
    const points = this.points;
    if (!points) return nothing;
    return html`<span part="text"><span part="icon" aria-hidden="true">+</span>${locale.m.previewEarn(locale, points)}</span>`;
  }
}

function words(list: string): string[] {
  return list.split(/[\s,]+/).filter(Boolean);
}
