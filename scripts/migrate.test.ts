// Applied migrations carry checksums: an applied file that was edited stops the runner with a
// sentence saying what to do, instead of leaving databases that differ by when they migrated.
import { afterAll, beforeAll, expect, it } from "vitest";
import { EditedMigration, migrate } from "./migrate.ts";
import { newPglite, pglitePool } from "./neon-local/backend.ts";

let pool: ReturnType<typeof pglitePool>;
let close = async () => {};
beforeAll(async () => {
  const db = await newPglite();
  pool = pglitePool(db);
  close = async () => {
    await pool.end();
    await db.close();
  };
});
afterAll(() => close());

it("records a checksum per migration and refuses an applied one that changed", async () => {
  const applied = await migrate(pool);
  expect(applied.length).toBeGreaterThan(20);
  const { rows } = await pool.query("SELECT version, checksum FROM schema_migrations ORDER BY version");
  expect(rows.every((r: { checksum: string | null }) => /^[0-9a-f]{64}$/.test(r.checksum ?? ""))).toBe(true);
  expect(await migrate(pool)).toEqual([]);

  // A database migrated before checksums existed: its rows are filled in, nothing is refused.
  await pool.query("UPDATE schema_migrations SET checksum = NULL");
  expect(await migrate(pool)).toEqual([]);
  const filled = await pool.query("SELECT count(*)::int AS n FROM schema_migrations WHERE checksum IS NULL");
  expect(Number(filled.rows[0].n)).toBe(0);

  // As if 0005 had been edited after it ran here.
  await pool.query("UPDATE schema_migrations SET checksum = repeat('0', 64) WHERE version LIKE '0005_%'");
  const refused = await migrate(pool).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(refused).toBeInstanceOf(EditedMigration);
  expect(String((refused as Error).message)).toMatch(/migrations\/0005_\w+\.sql was edited after it was applied/);
  expect(String((refused as Error).message)).toContain("new migration");
}, 60_000);
