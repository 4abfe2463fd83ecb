// Where the local Neon endpoint sends SQL: one pg.Pool per database name, backed either by
// PGlite instances (embedded, default) or by a real PostgreSQL server (DATABASE_URL).
import { PGlite } from "@electric-sql/pglite";
import { btree_gist } from "@electric-sql/pglite/contrib/btree_gist";
import { createPgConfig } from "@electric-sql/pglite/node-postgres";
import pg from "pg";

// Values go back exactly as PostgreSQL printed them; the driver parses them by type OID.
export const rawText = { getTypeParser: () => (value: string) => value };
export const pglitePool = (db: PGlite) => new pg.Pool({ ...createPgConfig(db), types: rawText });

export interface Backend {
  /** A pool for the named database; `null` when it does not exist and cannot be made. */
  pool(database: string): Promise<pg.Pool | null>;
  /** Frees one clone (a test file is done with it); a later request would make it afresh. */
  release?(database: string): Promise<void>;
  close(): Promise<void>;
}

export function newPglite(dataDir?: string, loadDataDir?: Blob): Promise<PGlite> {
  return PGlite.create({ dataDir, loadDataDir, extensions: { btree_gist } });
}

/**
 * PGlite has one database per instance, so each database name gets its own instance.
 * `primary` is served as-is; names starting with `clonePrefix` are created on first use
 * from `template` (a data-dir dump), which is how each test file gets clean data.
 */
export function pgliteBackend(opts: {
  primary?: { name: string; db: PGlite };
  template?: () => Promise<Blob>;
  clonePrefix?: string;
}): Backend {
  const pools = new Map<string, Promise<{ pool: pg.Pool; db: PGlite } | null>>();
  /** Released clones stay gone: a late request (a delivery after the file's end) must not regrow one. */
  const released = new Set<string>();
  if (opts.primary) {
    const { db } = opts.primary;
    pools.set(opts.primary.name, Promise.resolve({ db, pool: pglitePool(db) }));
  }
  return {
    async pool(database) {
      let entry = pools.get(database);
      if (!entry) {
        const { template, clonePrefix } = opts;
        if (!template || !clonePrefix || !database.startsWith(clonePrefix) || released.has(database)) return null;
        entry = template().then(async (blob) => {
          const db = await newPglite(undefined, blob);
          return { db, pool: pglitePool(db) };
        });
        pools.set(database, entry);
      }
      return (await entry)?.pool ?? null;
    },
    // Each PGlite instance holds its whole database in memory (~150 MB with the schema): a full
    // test run kept every file's clone until the end, over 20 GB for 100 files.
    async release(database) {
      const entry = pools.get(database);
      if (!entry || database === opts.primary?.name) return;
      pools.delete(database);
      released.add(database);
      const e = await entry;
      await e?.pool.end();
      await e?.db.close();
    },
    async close() {
      for (const entry of pools.values()) {
        const e = await entry;
        if (!e) continue;
        await e.pool.end();
        await e.db.close();
      }
    },
  };
}

/**
 * A real PostgreSQL server. `baseUrl` names the server; the database name comes from each
 * request. Names starting with `clonePrefix` are created on first use from `template`.
 */
export function postgresBackend(opts: { baseUrl: string; template?: string; clonePrefix?: string }): Backend {
  const pools = new Map<string, Promise<pg.Pool | null>>();
  const urlFor = (database: string) => {
    const u = new URL(opts.baseUrl);
    u.pathname = `/${database}`;
    return u.toString();
  };
  const create = async (database: string) => {
    const { template, clonePrefix } = opts;
    if (template && clonePrefix && database.startsWith(clonePrefix)) {
      const admin = new pg.Client({ connectionString: opts.baseUrl });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE "${database}" TEMPLATE "${template}"`);
        // A template copies tables, not the database's own settings (its default statement_timeout).
        const { rows } = await admin.query(
          `SELECT unnest(s.setconfig) AS setting FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
           WHERE d.datname = $1 AND s.setrole = 0`,
          [template],
        );
        for (const { setting } of rows as { setting: string }[]) {
          const [name = "", ...value] = setting.split("=");
          await admin.query(`ALTER DATABASE "${database}" SET "${name}" = '${value.join("=").replaceAll("'", "''")}'`);
        }
      } catch (err) {
        if ((err as { code?: string }).code !== "42P04") throw err; // already exists
      } finally {
        await admin.end();
      }
    }
    return new pg.Pool({ connectionString: urlFor(database), max: 20, types: rawText });
  };
  return {
    async pool(database) {
      let entry = pools.get(database);
      if (!entry) {
        entry = create(database);
        pools.set(database, entry);
      }
      return entry;
    },
    async close() {
      for (const p of pools.values()) await (await p)?.end();
    },
  };
}

/** Serves every database name from one pool: `npm run dev` points the worker at one database. */
export function fixedBackend(pool: pg.Pool): Backend {
  return { pool: async () => pool, close: async () => {} };
}
