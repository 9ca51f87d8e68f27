/** Carts the preview tests share with the bundle test. */
import type { ReceiptLine } from "../../engine/host/types.ts";

/** Coffee (a campaign doubles its points), a mug, a gift card that earns nothing, promo tea that points cannot pay. */
export const CART: ReceiptLine[] = [
  { id: "1", sku: "beans-ethiopia", categories: ["coffee"], price: 89000, qty: 2 },
  { id: "2", sku: "mug", categories: ["accessories"], price: 45050, qty: 1 },
  { id: "3", sku: "gift-card", categories: ["gifts"], tags: ["no-earn"], price: 100000, qty: 1 },
  { id: "4", sku: "tea-sencha", categories: ["tea"], tags: ["promo"], price: 33333, qty: 3 },
];
