/**
 * The real API for the widget's browser tests (Node side, loaded by web-test-runner.config.mjs): the Worker
 * under `wrangler dev` on a free port with throwaway state, a webhook receiver that catches verification codes,
 * and the secret-key operations a shop's backend would do (create a shop, quote, place and confirm orders, sign
 * a customer token). The secret keys never reach the browser: tests ask for these through wtr commands.
 */
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { fileURLToPath } from "node:url";
import { freePort, platformToken, startWorker, type RunningWorker } from "../../../tools/bench/server.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));

export interface TestShop {
  shopId: string;
  secretKey: string;
  publishableKey: string;
}

export interface ShopOptions {
  /** Changes to the demo program (worker/demo/program.json), merged at the top level. */
  program?: Record<string, unknown>;
  name?: string;
  /** The shop's storefront origins; default the test pages' origins. */
  origins?: string[];
}

export interface Harness {
  base: string;
  stop(): Promise<void>;
  createShop(options: ShopOptions): Promise<TestShop>;
  /** The last verification code the shop's webhook received for a customer (waits for the delivery). */
  lastCode(shopId: string, customerId: string): Promise<string>;
  /** A secret-key call, as a shop's backend makes it. */
  shopCall(shopId: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** A customer token signed with the shop's secret key (the shop's backend's job). */
  signToken(shopId: string, customerId: string, exp: number): string;
}

export function demoProgram(): Record<string, unknown> {
  return JSON.parse(readFileSync(`${root}worker/demo/program.json`, "utf8")) as Record<string, unknown>;
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString("base64url");
}

export function signCustomerToken(secretKey: string, customerId: string, exp: number): string {
  const payload = base64url(JSON.stringify({ sub: customerId, exp }));
  return `${payload}.${base64url(createHmac("sha256", secretKey).update(payload).digest())}`;
}

/** Starts everything; `origins` are the test pages' origins the shops allow. */
export async function startHarness(origins: string[], log: (line: string) => void = () => {}): Promise<Harness> {
  const codes: { shopId: string; customerId: string; code: string }[] = [];
  const hooks: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      try {
        const event = JSON.parse(body) as { customerId?: string; code?: string };
        const shopId = decodeURIComponent(request.url?.split("/").pop() ?? "");
        if (event.customerId && event.code) codes.push({ shopId, customerId: event.customerId, code: event.code });
      } catch {
        // not an event
      }
      response.writeHead(204).end();
    });
  });
  const hooksPort = await freePort();
  await new Promise<void>((resolve) => hooks.listen(hooksPort, "127.0.0.1", resolve));

  let worker: RunningWorker;
  try {
    worker = await startWorker(root, log);
  } catch (error) {
    hooks.close();
    throw error;
  }
  const base = worker.base;
  const token = platformToken(root);
  const shops = new Map<string, TestShop>();

  async function call(secret: string, method: string, path: string, body?: unknown) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${secret}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: response.status, body: parsed };
  }

  async function must(secret: string, method: string, path: string, body?: unknown) {
    const answer = await call(secret, method, path, body);
    if (answer.status >= 300) throw new Error(`${method} ${path} → ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  return {
    base,
    async stop() {
      hooks.close();
      await worker.stop();
    },
    async createShop(options) {
      const created = (await must(token, "POST", "/v1/shops", { name: options.name ?? "Кофейня «Зерно»", origins: options.origins ?? origins })) as TestShop;
      await must(created.secretKey, "PUT", "/v1/program", { ...demoProgram(), ...options.program });
      await must(created.secretKey, "PATCH", "/v1/shop", { webhookUrl: `http://127.0.0.1:${hooksPort}/hooks/${created.shopId}` });
      shops.set(created.shopId, created);
      return created;
    },
    async lastCode(shopId, customerId) {
      for (let i = 0; i < 100; i++) {
        const code = codes.filter((c) => c.shopId === shopId && c.customerId === customerId).at(-1);
        if (code) return code.code;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`no verification code reached the webhook for ${customerId}`);
    },
    shopCall(shopId, method, path, body) {
      const shop = shops.get(shopId);
      if (!shop) throw new Error(`unknown test shop ${shopId}`);
      return call(shop.secretKey, method, path, body);
    },
    signToken(shopId, customerId, exp) {
      const shop = shops.get(shopId);
      if (!shop) throw new Error(`unknown test shop ${shopId}`);
      return signCustomerToken(shop.secretKey, customerId, exp);
    },
  };
}
