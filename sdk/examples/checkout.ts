/**
 * A shop's checkout backend with Kopilka, on Hono (served by Node here; the same app runs on Workers, Bun, Deno).
 *
 *   KOPILKA_URL=http://127.0.0.1:8787 KOPILKA_SECRET_KEY=sk_… node sdk/examples/checkout.ts
 *
 * Routes of the shop's own backend, which its storefront calls:
 *   POST /checkout/quote       the cart → what it costs with points and discounts, and what it earns
 *   POST /checkout/place       the cart with the shown quoteId → a held order (points reserved)
 *   POST /payments/:orderId    the payment provider says "paid" → the order is confirmed, points earned
 *   GET  /loyalty/token        a customer token for the signed-in customer's widget
 *   POST /hooks/kopilka        Kopilka's webhooks (verification codes to send by SMS or e-mail), signature checked
 */
import { Hono } from "hono";
import { createKopilka, KopilkaError, signCustomerToken, verifyWebhook, type Receipt, type VerificationCodeEvent } from "../src/index.ts";

export function checkoutApp(options: { baseUrl: string; secretKey: string; sendCode?: (event: VerificationCodeEvent) => Promise<void> }) {
  const kopilka = createKopilka(options);
  const app = new Hono();

  // The customer id comes from the shop's own session; a header stands in for it here.
  const customerOf = (header: string | undefined) => header ?? null;

  app.post("/checkout/quote", async (c) => {
    const cart = (await c.req.json()) as Receipt;
    const customerId = customerOf(c.req.header("x-customer-id"));
    return c.json(await kopilka.quote({ ...cart, ...(customerId ? { customerId } : {}) }));
  });

  app.post("/checkout/place", async (c) => {
    const { orderId, quoteId, ...cart } = (await c.req.json()) as Receipt & { orderId: string; quoteId?: string };
    const customerId = customerOf(c.req.header("x-customer-id"));
    if (!customerId) return c.json({ error: "sign in to earn and spend points" }, 401);
    try {
      return c.json(await kopilka.placeOrder({ ...cart, orderId, customerId, ...(quoteId ? { quoteId } : {}) }), 201);
    } catch (error) {
      // The cart changed since the quote (a campaign ended, points were spent elsewhere): show the fresh total.
      if (error instanceof KopilkaError && error.code === "conflict") return c.json({ changed: true, evaluation: error.details.evaluation }, 409);
      throw error;
    }
  });

  app.post("/payments/:orderId", async (c) => c.json(await kopilka.confirmOrder(c.req.param("orderId"))));

  app.get("/loyalty/token", async (c) => {
    const customerId = customerOf(c.req.header("x-customer-id"));
    if (!customerId) return c.json({ error: "not signed in" }, 401);
    return c.json({ token: await signCustomerToken(options.secretKey, customerId, { expiresInSeconds: 3600 }) });
  });

  app.post("/hooks/kopilka", async (c) => {
    const body = await c.req.text(); // the raw body: the signature covers its exact bytes
    try {
      const event = await verifyWebhook<VerificationCodeEvent>(options.secretKey, c.req.header("kopilka-signature"), body);
      await options.sendCode?.(event);
      return c.body(null, 204);
    } catch {
      return c.json({ error: "bad signature" }, 400);
    }
  });

  app.onError((error, c) => {
    if (error instanceof KopilkaError) return c.json({ error: error.code, message: error.message, requestId: error.requestId }, error.status as 400);
    return c.json({ error: "internal" }, 500);
  });
  return app;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { serve } = await import("@hono/node-server");
  const baseUrl = process.env.KOPILKA_URL ?? "http://127.0.0.1:8787";
  const secretKey = process.env.KOPILKA_SECRET_KEY;
  if (!secretKey) throw new Error("set KOPILKA_SECRET_KEY (npm start prints the demo shop's)");
  const port = Number(process.env.PORT ?? 3000);
  serve({ fetch: checkoutApp({ baseUrl, secretKey, sendCode: async (e) => console.log(`send ${e.code} to ${e.customerId} by ${e.channel}`) }).fetch, port });
  console.log(`shop backend on http://127.0.0.1:${port}, talking to ${baseUrl}`);
}
