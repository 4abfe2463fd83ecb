// Opens the database the dev tools work on: a real PostgreSQL/Neon server when DATABASE_URL
// is set, otherwise the embedded PGlite kept under .data/ so data survives restarts.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { createPgConfig } from "@electric-sql/pglite/node-postgres";
import pg from "pg";
import { newPglite } from "./neon-local/backend.ts";

export const PGLITE_DIR = join(import.meta.dirname, "..", ".data", "pglite");

export interface Opened {
  pool: pg.Pool;
  pglite?: PGlite;
  label: string;
  close(): Promise<void>;
}

export async function openDatabase(url = process.env.DATABASE_URL): Promise<Opened> {
  if (url) {
    const pool = new pg.Pool({ connectionString: url });
    return { pool, label: new URL(url).host, close: () => pool.end() };
  }
  await mkdir(PGLITE_DIR, { recursive: true });
  const pglite = await newPglite(PGLITE_DIR);
  const pool = new pg.Pool(createPgConfig(pglite));
  return {
    pool,
    pglite,
    label: `PGlite (${PGLITE_DIR})`,
    async close() {
      await pool.end();
      await pglite.close();
    },
  };
}
