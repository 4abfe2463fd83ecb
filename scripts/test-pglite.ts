// The tools tests that read a migrated schema (snapshot, checksums, schema.ts) each open a PGlite
// behind a pg pool for the whole file: one helper instead of a copy per file.
import type { PGlite } from "@electric-sql/pglite";
import type pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { migrate } from "./migrate.ts";
import { newPglite, pglitePool } from "./neon-local/backend.ts";

/**
 * A fresh in-memory database for the calling test file, opened before its tests and closed after
 * them; `migrated: false` leaves migrating to the test (the checksum test counts what it applies).
 */
export function pglitePoolForFile({ migrated = true } = {}): { pool: pg.Pool } {
  const handle = {} as { pool: pg.Pool };
  let db: PGlite | undefined;
  beforeAll(async () => {
    db = await newPglite();
    handle.pool = pglitePool(db);
    if (migrated) await migrate(handle.pool);
  }, 60_000);
  afterAll(async () => {
    await handle.pool?.end();
    await db?.close();
  });
  return handle;
}
