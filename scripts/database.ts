// Opens the database the dev tools work on: a real PostgreSQL/Neon server when DATABASE_URL
// is set, otherwise the embedded PGlite kept under .data/ so data survives restarts.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { newPglite, pglitePool, rawText } from "./neon-local/backend.ts";

export const PGLITE_DIR = join(import.meta.dirname, "..", ".data", "pglite");

export interface Opened {
  pool: pg.Pool;
  pglite?: PGlite;
  label: string;
  close(): Promise<void>;
}

export async function openDatabase(url = process.env.DATABASE_URL): Promise<Opened> {
  if (url) {
    // Raw text values: the local endpoint hands them to the Neon driver as PostgreSQL printed them.
    const pool = new pg.Pool({ connectionString: url, types: rawText });
    return { pool, label: new URL(url).host, close: () => pool.end() };
  }
  await mkdir(PGLITE_DIR, { recursive: true });
  const pglite = await newPglite(PGLITE_DIR);
  const pool = pglitePool(pglite);
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
