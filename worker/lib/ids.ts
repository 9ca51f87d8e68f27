/**
 * The one grammar of the ids a shop gives (docs/api.md "Ids"): customers, adjustments, events. A customer id is
 * the same wherever it appears — a path, a receipt's `customerId`, a customer token's `sub` — so every account an
 * order can reach is one the customer routes, tokens and adjustments can reach too.
 */
export const ID_PATTERN = /^[A-Za-z0-9_.:@-]{1,200}$/;
export const ID_MESSAGE = "must be 1 to 200 letters, digits or _ . : @ -";
