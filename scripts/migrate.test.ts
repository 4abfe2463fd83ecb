// Applied migrations carry checksums: an applied file that was edited stops the runner with a
// sentence saying what to do, instead of leaving databases that differ by when they migrated.
import pg from "pg";
import { expect, it } from "vitest";
import { EditedMigration, migrate } from "./migrate.ts";
import { pglitePoolForFile } from "./test-pglite.ts";

const db = pglitePoolForFile({ migrated: false });

it("records a checksum per migration and refuses an applied one that changed", async () => {
  const applied = await migrate(db.pool);
  expect(applied.length).toBeGreaterThan(20);
  const { rows } = await db.pool.query("SELECT version, checksum FROM schema_migrations ORDER BY version");
  expect(rows.every((r: { checksum: string | null }) => /^[0-9a-f]{64}$/.test(r.checksum ?? ""))).toBe(true);
  expect(await migrate(db.pool)).toEqual([]);

  // A database migrated before checksums existed: its rows are filled in, nothing is refused.
  await db.pool.query("UPDATE schema_migrations SET checksum = NULL");
  expect(await migrate(db.pool)).toEqual([]);
  const filled = await db.pool.query("SELECT count(*)::int AS n FROM schema_migrations WHERE checksum IS NULL");
  expect(Number(filled.rows[0].n)).toBe(0);

  // As if 0005 had been edited after it ran here.
  await db.pool.query("UPDATE schema_migrations SET checksum = repeat('0', 64) WHERE version LIKE '0005_%'");
  const refused = await migrate(db.pool).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(refused).toBeInstanceOf(EditedMigration);
  expect(String((refused as Error).message)).toMatch(/migrations\/0005_\w+\.sql was edited after it was applied/);
  expect(String((refused as Error).message)).toContain("new migration");
}, 60_000);

// PostgreSQL only: PGlite has one session, compiled without JIT, and ignores statement_timeout.
it.skipIf(!process.env.TEST_DATABASE_URL)(
  "leaves its pool serving with the database's settings, not the migrating session's",
  async () => {
    const url = new URL(process.env.TEST_DATABASE_URL ?? "");
    const admin = new pg.Client({ connectionString: url.toString() });
    await admin.connect();
    await admin.query("DROP DATABASE IF EXISTS timelog_migrate_settings WITH (FORCE)");
    await admin.query("CREATE DATABASE timelog_migrate_settings");
    url.pathname = "/timelog_migrate_settings";
    const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
    try {
      expect((await migrate(pool)).length).toBeGreaterThan(20);
      // max: 1, so a pooled migrating session would be the one answering here.
      const { rows } = await pool.query(
        "SELECT current_setting('jit') AS jit, current_setting('statement_timeout') AS t",
      );
      expect(rows[0]).toEqual({ jit: "off", t: "4s" });
    } finally {
      await pool.end();
      await admin.query("DROP DATABASE IF EXISTS timelog_migrate_settings WITH (FORCE)");
      await admin.end();
    }
  },
  60_000,
);
