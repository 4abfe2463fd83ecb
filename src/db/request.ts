// The one way a request reaches the database. Handlers call these and nothing else:
//   read(c, [queries])         the login check and the queries, one round trip (one query: one
//                              statement, the check folded into it; more: one transaction)
//   one(c, query, notFound)    exactly one row, or the handler's 404
//   write(c, writes, result)   the same, atomic, with Idempotency-Key (claimed, answered and stored
//                              in the same round trip; a retry gets the stored result)
//   anonymous(c, [queries])    no login (sign-in, registration, health)
// Every round trip is one batch() or single() (src/db/client.ts), so every statement runs under a
// statement timeout. The login check is the database's auth_guard(): if the login has ended (or
// a superuser is needed and the caller is not one) it aborts the batch before any query runs.
// What the route needs (a token's scope, a superuser) is its declaration, access() in its
// createRoute, which the route's middleware put on the request.
import type { Context } from "hono";
import { type Compilable, sql } from "kysely";
import type { Scope } from "../lib/api-token";
import { ApiError } from "../lib/errors";
import { sha256Hex } from "../lib/hash";
import { countRequest } from "../lib/rate-limit";
import type { AppEnv } from "../lib/router";
import { batch, type Db, single } from "./client";

type Rows<Q> = Q extends Compilable<infer R> ? R[] : never;
type Results<Q extends readonly Compilable<unknown>[]> = { -readonly [K in keyof Q]: Rows<Q[K]> };
interface Opts {
  /** The queries change data: always a transaction whose login check names the actor for the audit. */
  write?: boolean;
}

/** The login check and the queries, in one round trip. */
export async function read<const Q extends readonly Compilable<unknown>[]>(
  c: Context<AppEnv>,
  queries: Q,
  opts: Opts = {},
): Promise<{ results: Results<Q> }> {
  const { scope, superuser } = needs(c);
  await countRequest(c);
  const { userId, sessionId, tokenHash } = c.get("auth");
  const database = c.get("database");
  const [only] = queries;
  // A token's check also notes its last use (a write): tokens always take the batch.
  if (queries.length === 1 && only && !opts.write && tokenHash === undefined) {
    // One statement, no transaction. The check is a condition without columns, so PostgreSQL
    // evaluates it once, before reading a row (a one-time filter): an ended login is a 401, never
    // an empty answer, and a check that fails returns no rows.
    const { sql: text, parameters } = only.compile();
    const n = parameters.length;
    const guarded = `SELECT q.* FROM (${text}) q WHERE auth_guard($${n + 1}::uuid, $${n + 2}::int, $${n + 3}::boolean) IS NOT NULL`;
    const rows = await single(database, guarded, [...parameters, sessionId, userId, superuser]);
    return { results: [rows] as unknown as Results<Q> };
  }
  const requestId = c.get("requestId");
  // It also tells the transaction who acts and for which request, for the audit trail's triggers.
  const check =
    tokenHash === undefined
      ? sql<boolean>`auth_guard(${sessionId}::uuid, ${userId}::int, ${superuser}, ${requestId}::text)`
      : sql<boolean>`auth_guard_token(${tokenHash}, ${userId}::int, ${scope}::text, ${superuser}, ${requestId}::text)`;
  const guard = database.db.selectNoFrom(check.as("is_superuser"));
  if (!opts.write) {
    const [, ...results] = (await batch(database, [guard, ...queries])) as unknown[][];
    return { results: results as Results<Q> };
  }
  // Last in a write's transaction: whether its triggers queued webhook events to deliver.
  const [, ...results] = (await batch(database, [guard, ...queries, webhooksQueued(database)])) as unknown[][];
  if ((results.pop() as { queued: boolean }[])[0]?.queued) c.set("webhooksQueued", true);
  return { results: results as Results<Q> };
}

/** The token scope and the superuser the route declared (access() in its createRoute). */
function needs(c: Context<AppEnv>): { scope: Scope | null; superuser: boolean } {
  const rule = c.get("access");
  if (rule === undefined || rule === "public") {
    throw new Error(`${c.req.method} ${c.req.routePath} reads as a signed-in caller but does not declare one`);
  }
  const superuser =
    rule.role === "superuser" || (rule.superuserWith !== undefined && c.req.query(rule.superuserWith) !== undefined);
  return { scope: rule.scope, superuser };
}

/** Exactly one row: the query's first, or the handler's not-found problem. */
export async function one<R>(
  c: Context<AppEnv>,
  query: Compilable<R>,
  notFound: () => ApiError,
  opts: Opts = {},
): Promise<R> {
  const { results } = await read(c, [query], opts);
  const [row] = results[0] as R[];
  if (row === undefined) throw notFound();
  return row;
}

const webhooksQueued = ({ db }: Db) =>
  db.selectNoFrom(sql<boolean>`coalesce(current_setting('timelog.webhooks', true), '') = 'queued'`.as("queued"));

/** Queries for a caller who is not signed in (still one batch, still under the timeout). */
export async function anonymous<const Q extends readonly Compilable<unknown>[]>(
  c: Context<AppEnv>,
  queries: Q,
): Promise<{ -readonly [K in keyof Q]: Rows<Q[K]> }> {
  await countRequest(c);
  const database = c.get("database");
  const results = (await batch(database, [...queries, webhooksQueued(database)])) as unknown[][];
  if ((results.pop() as { queued: boolean }[])[0]?.queued) c.set("webhooksQueued", true);
  return results as { -readonly [K in keyof Q]: Rows<Q[K]> };
}

const KEY = /^[\x21-\x7e]{1,255}$/;

/** A write's response, as the database built it (and stored it, under an Idempotency-Key). */
export interface Stored {
  status: number;
  body: unknown;
}

/**
 * Writes with safe retries: some statements plus a result query, the last write with RETURNING
 * or a SELECT of what they did, whose one row has the response `body` (JSON built in SQL). No row
 * means nothing was found: undefined, for the handler's 404. With an Idempotency-Key the key is
 * claimed first and the response stored last, all in the one batch; a retry gets the stored
 * response, status and body, as it was.
 */
export async function write(
  c: Context<AppEnv>,
  writes: readonly Compilable<unknown>[],
  result: Compilable<{ body: unknown }>,
  status: number,
  opts: Opts = {},
): Promise<(Stored & { replayed?: true }) | undefined> {
  const key = c.req.header("idempotency-key");
  if (key === undefined) {
    const { results } = await read(c, [...writes, result], { ...opts, write: true });
    const [row] = results.at(-1) as { body: unknown }[];
    return row && { status, body: row.body };
  }
  if (!KEY.test(key))
    throw new ApiError("invalid_idempotency_key", "Idempotency-Key must be 1–255 visible ASCII characters.");
  const { db } = c.get("database");
  const { userId } = c.get("auth");
  const hash = await requestHash(c);
  const begin = db.selectNoFrom(sql<null>`idempotency_begin(${userId}::int, ${key}, ${hash})`.as("begun"));
  // The result runs as a CTE so that it may itself be a data-modifying statement. Only a result
  // with a row is stored; a write that found nothing (a 404) leaves no trace and is not replayed.
  const store = db
    // biome-ignore lint/suspicious/noExplicitAny: any query with a body column can be the CTE
    .with("r", () => result as any)
    .updateTable("idempotency_key")
    .set({ response: sql`(SELECT jsonb_build_object('status', ${status}::int, 'body', r.body) FROM r LIMIT 1)` })
    .where("user_fk", "=", userId)
    .where("key", "=", key)
    .where(sql<boolean>`EXISTS (SELECT 1 FROM r)`)
    .returning("response");
  const unclaim = db
    .deleteFrom("idempotency_key")
    .where("user_fk", "=", userId)
    .where("key", "=", key)
    .where("response", "is", null);
  try {
    const { results } = await read(c, [begin, ...writes, store, unclaim], { ...opts, write: true });
    const [stored] = results.at(-2) as { response: Stored }[];
    return stored?.response;
  } catch (err) {
    const e = err as { code?: string; detail?: string };
    if (e.code === "TL200" && e.detail) {
      c.header("Idempotent-Replayed", "true");
      return { ...(JSON.parse(e.detail) as Stored), replayed: true };
    }
    throw err;
  }
}

async function requestHash(c: Context<AppEnv>): Promise<string> {
  const body = ["GET", "HEAD", "DELETE"].includes(c.req.method) ? "" : await c.req.text();
  return sha256Hex(`${c.req.method} ${new URL(c.req.url).pathname.replace(/\/$/, "")}\n${body}`);
}
