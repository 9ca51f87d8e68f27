/**
 * Kopilka's storefront components. Include once (twice is harmless):
 *
 *   <script type="module" src="https://<kopilka>/widget/kopilka.js"></script>
 *   <kopilka-widget publishable-key="pk_…"></kopilka-widget>
 *   <kopilka-earn-preview price="89000" sku="beans" categories="coffee"></kopilka-earn-preview>
 */
import { define } from "./define.ts";
import { KopilkaEarnPreview } from "./earn-preview/earn-preview.ts";
import { KopilkaWidget } from "./kopilka-widget/kopilka-widget.ts";

export { KopilkaWidget, KopilkaEarnPreview };
export { ApiError } from "./shared/api.ts";
export type * from "./shared/events.ts";
export type * from "./shared/types.ts";

define("kopilka-widget", KopilkaWidget);
define("kopilka-earn-preview", KopilkaEarnPreview);

declare global {
  interface HTMLElementTagNameMap {
    "kopilka-widget": KopilkaWidget;
    "kopilka-earn-preview": KopilkaEarnPreview;
  }
}
