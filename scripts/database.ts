// Opens the database the dev tools work on: a real PostgreSQL/Neon server when DATABASE_URL
// is set, otherwise the embedded PGlite kept under .data/ so data survives restarts.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { newPglite, pglitePool, rawText } from "./neon-local/backend.ts";

/** TIMELOG_DATA_DIR moves it (the tests of this file use a folder of their own). */
const DATA_DIR = process.env.TIMELOG_DATA_DIR ?? join(import.meta.dirname, "..", ".data");
export const PGLITE_DIR = join(DATA_DIR, "pglite");
const LOCK = join(DATA_DIR, "pglite.lock");

export class DatabaseBusy extends Error {}

/**
 * PGlite has one owner: a second process opening the same folder does not see the first one's
 * writes and corrupts what it writes itself (user:create while npm run dev ran "created user 34",
 * which never existed). The owner holds a lock file with its pid; a lock whose process is gone
 * is taken over.
 */
function lockData(): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(LOCK, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      const release = () => rmSync(LOCK, { force: true });
      process.once("exit", release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number(readFileSync(LOCK, "utf8"));
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw new DatabaseBusy(
          `The development database (${DATA_DIR}) is in use by process ${pid}, probably \`npm run dev\`. ` +
            "Stop it first (Ctrl-C), then run this again; or point DATABASE_URL at a PostgreSQL server.",
        );
      }
      rmSync(LOCK, { force: true });
    }
  }
  throw new DatabaseBusy(`Could not lock ${LOCK}.`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

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
  const release = lockData();
  const pglite = await newPglite(PGLITE_DIR);
  const pool = pglitePool(pglite);
  return {
    pool,
    pglite,
    label: `PGlite (${PGLITE_DIR})`,
    async close() {
      await pool.end();
      // After a failed statement PGlite's pg adapter still finishes the protocol exchange on a
      // later tick; closing under it crashed the tool with an unhandled 'error' event (and a stack
      // trace instead of the "migrate first" sentence). Let it finish first.
      await new Promise((resolve) => setTimeout(resolve, 50));
      await pglite.close();
      release();
    },
  };
}

/** A dev tool's failure as one line a newcomer can act on, never a stack trace. */
export function explain(err: unknown): string {
  if (err instanceof DatabaseBusy) return err.message;
  const e = err as { code?: string; message?: string };
  if (e.code === "42P01" || e.code === "42883") {
    return "The database has no tables yet: run `npm run db:migrate` first (npm run dev does it for you).";
  }
  if (e.code === "23505") return `That already exists (${e.message ?? "unique violation"}).`;
  return e.message ?? String(err);
}
