// Applied migrations carry checksums: an applied file that was edited stops the runner with a
// sentence saying what to do, instead of leaving databases that differ by when they migrated.
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
