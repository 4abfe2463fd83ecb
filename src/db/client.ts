// A Kysely per request over Neon's HTTP driver: no pool, no session. Each HTTP request to the
// database is one round trip; `batch` sends several statements as one atomic transaction.
import { type NeonQueryFunction, neon, neonConfig } from "@neondatabase/serverless";
import { type Compilable, Kysely } from "kysely";
import { NeonDialect } from "kysely-neon";
import type { Settings } from "../settings";
import type { Database } from "./schema";

export type NeonSql = NeonQueryFunction<false, false>;
export interface Db {
  db: Kysely<Database>;
  sql: NeonSql;
}

export function createDb(settings: Settings): Db {
  // A module-wide driver setting; every request sets the same value, so this is idempotent.
  if (settings.NEON_FETCH_ENDPOINT) neonConfig.fetchEndpoint = settings.NEON_FETCH_ENDPOINT;
  const sql = neon(settings.DATABASE_URL, {
    // Bounds the whole request's database time: a slow or unreachable database answers 503, never hangs.
    fetchOptions: { signal: AbortSignal.timeout(settings.DB_TIMEOUT_MS) },
  });
  return { sql, db: new Kysely<Database>({ dialect: new NeonDialect({ neon: sql }) }) };
}

type Rows<Q> = Q extends Compilable<infer R> ? R[] : never;

/** Runs the queries as one transaction in one round trip: all of them happen, or none. */
export async function batch<const Q extends readonly Compilable<unknown>[]>(
  { sql }: Db,
  queries: Q,
): Promise<{ -readonly [K in keyof Q]: Rows<Q[K]> }> {
  const results = await sql.transaction(
    queries.map((q) => {
      const { sql: text, parameters } = q.compile();
      return sql.query(text, [...parameters]);
    }),
  );
  return results as { -readonly [K in keyof Q]: Rows<Q[K]> };
}
