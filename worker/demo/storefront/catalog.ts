/**
 * The demo storefront's products (`npm start`, http://127.0.0.1:8787/). Shared by the page, which shows them,
 * and by the demo shop's backend (worker/demo/shop-backend.ts), which prices a cart from here — never from the
 * browser. Prices in kopecks; categories and tags are what the program's rules look at.
 */
export interface Product {
  sku: string;
  name: { ru: string; en: string };
  category: "coffee" | "tea" | "accessories";
  price: number;
  tags?: string[];
}

export const CATEGORIES = {
  coffee: { ru: "Кофе", en: "Coffee" },
  tea: { ru: "Чай", en: "Tea" },
  accessories: { ru: "Аксессуары", en: "Accessories" },
} as const;

export const PRODUCTS: readonly Product[] = [
  { sku: "beans-ethiopia", name: { ru: "Эфиопия Иргачефф, 250 г", en: "Ethiopia Yirgacheffe, 250 g" }, category: "coffee", price: 89000 },
  { sku: "beans-colombia", name: { ru: "Колумбия Супремо, 250 г", en: "Colombia Supremo, 250 g" }, category: "coffee", price: 79000 },
  { sku: "beans-kenya", name: { ru: "Кения АА, 1 кг", en: "Kenya AA, 1 kg" }, category: "coffee", price: 329000 },
  { sku: "tea-sencha", name: { ru: "Сенча, 100 г (акция)", en: "Sencha, 100 g (on sale)" }, category: "tea", price: 45000, tags: ["promo"] },
  { sku: "tea-oolong", name: { ru: "Молочный улун, 100 г", en: "Milk oolong, 100 g" }, category: "tea", price: 52000 },
  { sku: "mug", name: { ru: "Кружка 350 мл", en: "Mug, 350 ml" }, category: "accessories", price: 45000 },
  { sku: "french-press", name: { ru: "Френч-пресс 600 мл", en: "French press, 600 ml" }, category: "accessories", price: 249000 },
  { sku: "gift-card", name: { ru: "Подарочная карта 1\u00a0000\u00a0₽", en: "Gift card, ₽1,000" }, category: "accessories", price: 100000, tags: ["no-earn"] },
];

/** Delivery, unless a campaign makes it free. */
export const SHIPPING = 30000;

export function productBySku(sku: string): Product | undefined {
  return PRODUCTS.find((p) => p.sku === sku);
}

/** A cart line as the API's receipt wants it. */
export function receiptLine(product: Product, qty: number, id: string) {
  return { id, sku: product.sku, categories: [product.category], tags: product.tags ?? [], price: product.price, qty };
}
