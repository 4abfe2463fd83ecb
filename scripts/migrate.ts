// Forward-only migrations: numbered plain SQL files in migrations/, each applied once, in order,
// inside its own transaction, recorded in schema_migrations. Used by `npm run db:migrate`,
// `npm run dev` and the test setup, against PGlite, PostgreSQL or Neon alike.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type pg from "pg";

const DIR = join(import.meta.dirname, "..", "migrations");

export async function migrate(pool: pg.Pool, log: (line: string) => void = () => {}): Promise<string[]> {
  const files = (await readdir(DIR)).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f)).sort();
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    // Migrations may run long (an index on a big table); the database's default timeout is for requests.
    await client.query("SET statement_timeout = 0");
    // Serialises concurrent runs (two deploys, two dev servers) on the same database.
    await client.query("SELECT pg_advisory_lock(7402551)");
    await client.query(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const done = new Set((await client.query("SELECT version FROM schema_migrations")).rows.map((r) => r.version));
    for (const file of files) {
      if (done.has(file)) continue;
      const text = await readFile(join(DIR, file), "utf8");
      await client.query("BEGIN");
      try {
        await client.query(text);
        await client.query("INSERT INTO schema_migrations (version) VALUES ($1)", [file]);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${file} failed: ${(err as Error).message}`);
      }
      applied.push(file);
      log(`applied ${file}`);
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock(7402551)").catch(() => {});
    client.release();
  }
  return applied;
}
