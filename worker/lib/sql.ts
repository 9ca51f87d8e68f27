/**
 * Schema migrations for the SQLite-backed Durable Objects. Each object keeps its migrations as a numbered list
 * (index 0 is version 1); a deployed object takes the new ones on its next start. Call it from the constructor
 * inside `ctx.blockConcurrencyWhile`.
 *
 * The version lives in a one-row table `schema_version`, not in `PRAGMA user_version`: Durable Objects' SQLite
 * refuses that pragma (SQLITE_AUTH), reading it included.
 */
export function migrate(storage: DurableObjectStorage, migrations: readonly string[]): void {
  const sql = storage.sql;
  sql.exec("CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)");
  const applied = sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0]?.version ?? 0;
  if (applied > migrations.length) {
    throw new Error(`storage schema version ${applied} is newer than this code knows (${migrations.length})`);
  }
  if (applied === migrations.length) return;
  storage.transactionSync(() => {
    for (const migration of migrations.slice(applied)) sql.exec(migration);
    sql.exec("INSERT INTO schema_version (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version", migrations.length);
  });
}

/** The schema version an object is at (for tests and diagnostics). */
export function schemaVersion(storage: DurableObjectStorage): number {
  return storage.sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0]?.version ?? 0;
}
