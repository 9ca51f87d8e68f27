/**
 * Shared by the security suites (not a test file): every row a Durable Object holds, to show that requests
 * changed nothing of a shop they must not reach, and the scan for strings that must never appear.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";

/**
 * Every row of every table of a Durable Object, in a stable order. `skip`: tables a refused request may rightly
 * change (wrong verification codes count against the code).
 */
export function rowsOf(stub: DurableObjectStub, skip: readonly string[] = []): Promise<string> {
  return runInDurableObject(stub, (_instance, state) => {
    const sql = state.storage.sql;
    const tables = sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name")
      .toArray()
      .map((t) => t.name)
      .filter((name) => !skip.includes(name));
    return tables
      .map((table) => {
        const rows = sql.exec(`SELECT * FROM "${table}"`).toArray()
          .map((row) => JSON.stringify(row, (_k, v: unknown) => (v instanceof ArrayBuffer ? [...new Uint8Array(v)].join(",") : v)));
        return `${table}: ${rows.sort().join(" ")}`;
      })
      .join("\n");
  });
}

/** Everything a shop holds: its own object and the accounts of the given customers. */
export async function shopState(shopId: string, customerIds: readonly string[]): Promise<string> {
  const parts = await Promise.all([
    rowsOf(env.SHOP.getByName(shopId)),
    ...customerIds.map((id) => rowsOf(env.CUSTOMER_ACCOUNT.getByName(`${shopId}:${id}`))),
  ]);
  return parts.join("\n---\n");
}

/** Fails naming the first of `secrets` that `text` contains. */
export function expectNoneIn(text: string, secrets: Record<string, string>, where: string): void {
  for (const [name, secret] of Object.entries(secrets)) {
    if (secret.length > 0 && text.includes(secret)) expect.fail(`${where}: contains ${name} (${secret.slice(0, 12)}…)\n${text.slice(0, 500)}`);
  }
}
