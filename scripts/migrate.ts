// Forward-only migrations: numbered plain SQL files in migrations/, each applied once, in order,
// inside its own transaction, recorded in schema_migrations. Used by `npm run db:migrate`,
// `npm run dev` and the test setup, against PGlite, PostgreSQL or Neon alike.
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type pg from "pg";

const DIR = join(import.meta.dirname, "..", "migrations");

/** A migration's fingerprint: SHA-256 of its text (line endings as LF, so a checkout's CRLF is no edit). */
export const checksumOf = (text: string) => createHash("sha256").update(text.replaceAll("\r\n", "\n")).digest("hex");

export class EditedMigration extends Error {}

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
    // Each applied migration's checksum: an applied file that changed stops the run (migrations are
    // never edited; a fix is a new migration). Rows from before checksums take the file as it is.
    await client.query("ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text");
    const rows = (await client.query("SELECT version, checksum FROM schema_migrations")).rows as {
      version: string;
      checksum: string | null;
    }[];
    const done = new Map(rows.map((r) => [r.version, r.checksum]));
    const texts = new Map(
      await Promise.all(files.map(async (f) => [f, await readFile(join(DIR, f), "utf8")] as const)),
    );
    for (const [file, recorded] of done) {
      const text = texts.get(file);
      if (text === undefined) continue;
      if (recorded === null) {
        await client.query("UPDATE schema_migrations SET checksum = $2 WHERE version = $1", [file, checksumOf(text)]);
      } else if (recorded !== checksumOf(text)) {
        throw new EditedMigration(
          `migrations/${file} was edited after it was applied to this database (checksum ${recorded.slice(0, 12)}… is now ` +
            `${checksumOf(text).slice(0, 12)}…). Applied migrations are never edited: restore the file (git checkout) and put the change in a new migration.`,
        );
      }
    }
    for (const file of files) {
      if (done.has(file)) continue;
      const text = texts.get(file) ?? "";
      await client.query("BEGIN");
      try {
        await client.query(text);
        await client.query("INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)", [
          file,
          checksumOf(text),
        ]);
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
    // This session turned its timeout off and opened before the settings the migrations give the
    // database (statement_timeout: 0008, jit = off: 0019), which only later sessions read. Pooled,
    // it would serve requests without either (the upgrade test's old Worker JIT-compiled every
    // timesheet for 1.6 s), so it is closed instead.
    await client.query("RESET statement_timeout").catch(() => {});
    client.release(true);
  }
  return applied;
}
