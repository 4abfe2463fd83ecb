// A Kysely per request over Neon's HTTP driver: no pool, no session. Kysely only builds SQL here;
// the two ways to run it are `batch`, one HTTP request (one round trip) and one transaction, whose
// first statement sets PostgreSQL's statement_timeout below the worker's own deadline, and
// `single`, one statement without a transaction, under the database's default statement_timeout
// (migrations/0008), so a request the worker has given up on stops consuming the database too.
import { type NeonQueryFunction, neon, neonConfig } from "@neondatabase/serverless";
import {
  type Compilable,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
} from "kysely";
import type { Config } from "../config";
import type { Database } from "./schema";

export type NeonSql = NeonQueryFunction<false, false>;
export interface Db {
  db: Kysely<Database>;
  sql: NeonSql;
  /** The worker's deadline for one round trip, and PostgreSQL's statement_timeout below it. */
  timeoutMs: number;
  statementTimeoutMs: number;
  /** The read replica (DATABASE_URL_READ), when there is one: see replica.ts for when it serves. */
  replica?: Db;
}

/** Executing a Kysely query directly would skip the timeout and the batch: refuse it. */
class CompileOnlyDriver implements Driver {
  async init() {}
  async acquireConnection(): Promise<DatabaseConnection> {
    throw new Error("queries run through batch(), not Kysely's execute()");
  }
  async beginTransaction() {}
  async commitTransaction() {}
  async rollbackTransaction() {}
  async releaseConnection() {}
  async destroy() {}
}

/** Kysely as a query builder only (also the bench's fixed-stack worker, scripts/bench/stack-worker.ts). */
export const compileOnly = {
  createAdapter: () => new PostgresAdapter(),
  createDriver: () => new CompileOnlyDriver(),
  createIntrospector: (db: Kysely<unknown>) => new PostgresIntrospector(db),
  createQueryCompiler: () => new PostgresQueryCompiler(),
};

/** The statement timeout leaves the worker time to answer (and the driver to notice) first. */
export const statementTimeoutFor = (dbTimeoutMs: number) => Math.max(50, Math.floor(dbTimeoutMs * 0.8));

/** One per settings object (settings are parsed once per isolate): nothing in it is per request. */
const cache = new WeakMap<Config, Db>();

export function createDb(settings: Config): Db {
  // A module-wide driver setting, set on every request: in tests, settings objects differ in it.
  if (settings.NEON_FETCH_ENDPOINT) neonConfig.fetchEndpoint = settings.NEON_FETCH_ENDPOINT;
  let db = cache.get(settings);
  if (!db) {
    const on = (url: string): Db => ({
      sql: neon(url),
      db: new Kysely<Database>({ dialect: compileOnly }),
      timeoutMs: settings.DB_TIMEOUT_MS,
      statementTimeoutMs: statementTimeoutFor(settings.DB_TIMEOUT_MS),
    });
    db = on(settings.DATABASE_URL);
    if (settings.DATABASE_URL_READ) db.replica = on(settings.DATABASE_URL_READ);
    cache.set(settings, db);
  }
  return db;
}

type Rows<Q> = Q extends Compilable<infer R> ? R[] : never;

/** One statement, no transaction: the cheapest round trip, for a read that needs nothing else. */
export async function single<R>({ sql, timeoutMs }: Db, text: string, parameters: readonly unknown[]): Promise<R[]> {
  const fetchOptions = { signal: AbortSignal.timeout(timeoutMs) };
  return (await sql.query(text, [...parameters], { fetchOptions })) as R[];
}

/** Runs the queries as one transaction in one round trip: all of them happen, or none. */
export async function batch<const Q extends readonly Compilable<unknown>[]>(
  { sql, timeoutMs, statementTimeoutMs }: Db,
  queries: Q,
): Promise<{ -readonly [K in keyof Q]: Rows<Q[K]> }> {
  // Each round trip has its own deadline (an export makes several): a slow or unreachable
  // database answers 503, never hangs.
  const fetchOptions = { signal: AbortSignal.timeout(timeoutMs) };
  const [, ...results] = await sql.transaction(
    [
      sql.query("SELECT set_config('statement_timeout', $1, true)", [String(statementTimeoutMs)]),
      ...queries.map((q) => {
        const { sql: text, parameters } = q.compile();
        return sql.query(text, [...parameters]);
      }),
    ],
    { fetchOptions },
  );
  return results as { -readonly [K in keyof Q]: Rows<Q[K]> };
}

/** The result column of a delete: a row (with no body) when it removed something, for the 204. */
export const removed = sql<null>`NULL::jsonb`.as("body");
