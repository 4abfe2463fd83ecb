// The one way a request reaches the database. Handlers call these and nothing else:
//   read(c, [queries])         the login check and the queries, one round trip (one query: one
//                              statement, the check folded into it; more: one transaction)
//   one(c, query, notFound)    the answer: one row's body, or the handler's 404
//   write(c, writes, result, status, notFound)
//                              the same, atomic, with Idempotency-Key (claimed, answered and stored
//                              in the same round trip; a retry gets the stored result); `commit` is
//                              the same without the answer, for the few routes that add to it
//   anonymous(c, [queries])    no login (sign-in, registration, health)
// Every round trip is one batch() or single() (src/db/client.ts), so every statement runs under a
// statement timeout. The login check is the database's auth_guard(): if the login has ended (or
// a superuser is needed and the caller is not one) it aborts the batch before any query runs.
import type { Context, TypedResponse } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { JSONParsed } from "hono/utils/types";
import { type Compilable, CompiledQuery, sql } from "kysely";
import type { Scope } from "../lib/api-token";
import { ApiError } from "../lib/errors";
import { sha256Hex } from "../lib/hash";
import { locate } from "../lib/location";
import { countRequest } from "../lib/rate-limit";
import type { AppEnv } from "../lib/router";
import { batch, single } from "./client";
import { tagged } from "./conditional";
import { GUARD_ALONE, replicaRead, rightsOf } from "./replica";

type Rows<Q> = Q extends Compilable<infer R> ? R[] : never;
type Results<Q extends readonly Compilable<unknown>[]> = { -readonly [K in keyof Q]: Rows<Q[K]> };
export interface Opts {
  /** The queries change data: always a transaction whose login check names the actor for the audit. */
  write?: boolean;
  /** Statements that run first and abort the batch when the caller may not go on (no results). */
  checks?: readonly Compilable<unknown>[];
  /** The result's body is the whole answer, {status, body}: the database chose the status. */
  answered?: boolean;
  /** A write answers with its result's entity tag as ETag (src/db/conditional.ts). */
  etag?: boolean;
  /** Never the read replica, whatever Read-After says. */
  primary?: boolean;
}

/** The login check and the queries, in one round trip. */
export async function read<const Q extends readonly Compilable<unknown>[]>(
  c: Context<AppEnv>,
  queries: Q,
  opts: Opts = {},
): Promise<{ results: Results<Q> }> {
  const { scope, superuser, twoFactorExempt } = needs(c);
  await countRequest(c);
  const { userId, sessionId, tokenHash } = c.get("auth");
  // A cursor feed reads the primary: a cursor holds the primary's transaction ids (replica.ts).
  const database = opts.primary ? { ...c.get("database"), replica: undefined } : c.get("database");
  const [only] = queries;
  const checks = opts.checks ?? [];
  // A token's check also notes its last use (a write): tokens always take the batch.
  if (queries.length === 1 && only && checks.length === 0 && !opts.write && tokenHash === undefined) {
    // One statement, no transaction. The check is a condition without columns, so PostgreSQL
    // evaluates it once, before reading a row (a one-time filter): an ended login is a 401, never
    // an empty answer, and a check that fails returns no rows.
    const guard = [sessionId, userId, superuser, twoFactorExempt];
    // A GET whose caller's Read-After the read replica has replayed reads there (replica.ts).
    const primary = async () => (await single<{ rights: string }>(database, GUARD_ALONE, guard))[0]?.rights;
    const replicated = await replicaRead(c, database, primary, [only]);
    if (replicated) return { results: replicated as Results<Q> };
    const { sql: text, parameters } = only.compile();
    const n = parameters.length;
    const guarded = `SELECT q.* FROM (${text}) q WHERE auth_guard($${n + 1}::uuid, $${n + 2}::int, $${n + 3}::boolean, $${n + 4}::boolean) IS NOT NULL`;
    const rows = await single(database, guarded, [...parameters, ...guard]);
    return { results: [rows] as unknown as Results<Q> };
  }
  const requestId = c.get("requestId");
  // It also tells the transaction who acts and for which request, for the audit trail's triggers.
  // Written out rather than built with Kysely: the same two statements on every request.
  const guard: Compilable<unknown> =
    tokenHash === undefined
      ? compiled(GUARD, [sessionId, userId, superuser, requestId, twoFactorExempt])
      : compiled(GUARD_TOKEN, [tokenHash, userId, scope, superuser, requestId]);
  const skip = 1 + checks.length;
  if (!opts.write) {
    // On the replica: the queries; on the primary at the same time: the login check and the checks.
    const primary = async () =>
      ((await batch(database, [guard, ...checks, rightsOf(userId)])).at(-1) as { rights: string }[])[0]?.rights;
    const replicated = await replicaRead(c, database, primary, queries);
    if (replicated) return { results: replicated as Results<Q> };
    const results = (await batch(database, [guard, ...checks, ...queries])) as unknown[][];
    return { results: results.slice(skip) as Results<Q> };
  }
  const results = noteQueued(c, (await batch(database, [guard, ...checks, ...queries, QUEUED])) as unknown[][]);
  return { results: results.slice(skip) as Results<Q> };
}

/**
 * The token scope, the superuser and the require_2fa exemption the route declared (access() in its
 * createRoute).
 */
function needs(c: Context<AppEnv>): { scope: Scope | null; superuser: boolean; twoFactorExempt: boolean } {
  const rule = c.get("access");
  if (rule === undefined || rule === "public") {
    throw new Error(`${c.req.method} ${c.req.routePath} reads as a signed-in caller but does not declare one`);
  }
  const superuser =
    rule.role === "superuser" || (rule.superuserWith !== undefined && c.req.query(rule.superuserWith) !== undefined);
  return { scope: rule.scope, superuser, twoFactorExempt: rule.twoFactorExempt === true };
}

/** A JSON answer typed as the route declares it (what `c.json` returns for a body of type T). */
export type Json<T, S extends ContentfulStatusCode> = Response & TypedResponse<JSONParsed<T>, S, "json">;

/**
 * The answer to a read of one resource: the body its query built (see the `*_json` functions in
 * SQL, one per resource), or the handler's not-found problem. Its ETag is api_etag() of that same
 * body, computed by the database, so that If-Match on a write compares against the same version
 * (If-None-Match → 304 is src/lib/conditional.ts's, after the handler).
 */
export async function one<T>(
  c: Context<AppEnv>,
  query: Compilable<{ body: T }>,
  notFound: () => ApiError,
  opts: Opts = {},
): Promise<Json<T, 200>> {
  const { results } = await read(c, [tagged(query)], opts);
  const [row] = results[0] as { body: T; etag: string }[];
  if (row === undefined) throw notFound();
  c.header("ETag", row.etag);
  return c.json(row.body as JSONParsed<T>, 200) as Json<T, 200>;
}

// The session's check also enforces the company's require_2fa (migrations/0039_two_factor.sql).
const GUARD = "SELECT auth_guard($1::uuid, $2::int, $3::boolean, $4::text, $5::boolean) AS is_superuser";
const GUARD_TOKEN = "SELECT auth_guard_token($1, $2::int, $3::text, $4, $5::text) AS is_superuser";
const compiled = (text: string, parameters: unknown[]): Compilable<unknown> => ({
  compile: () => CompiledQuery.raw(text, parameters),
});
/**
 * Last in a write's batch: whether it queued webhook events, and emails (email_enqueue sets
 * timelog.emails), and the transaction's id if it wrote (the Read-After bookmark): one statement,
 * the same always, no extra round trip.
 */
const QUEUED = compiled(
  "SELECT coalesce(current_setting('timelog.webhooks', true), '') = 'queued' AS queued, coalesce(current_setting('timelog.emails', true), '') = 'queued' AS emails, pg_current_xact_id_if_assigned()::text AS xid",
  [],
);
/** Takes QUEUED's answer off a batch's results: what to deliver after the response. */
function noteQueued(c: Context<AppEnv>, results: unknown[][]): unknown[][] {
  const [flags] = results.pop() as { queued: boolean; emails: boolean; xid: string | null }[];
  // The bookmark a client sends back so its next reads may use the read replica (replica.ts).
  if (flags?.xid && c.get("database").replica) c.header("Read-After", flags.xid);
  if (flags?.queued) c.set("webhooksQueued", true);
  if (flags?.emails) c.set("emailsQueued", true);
  return results;
}

/** Queries for a caller who is not signed in (still one batch, still under the timeout). */
export async function anonymous<const Q extends readonly Compilable<unknown>[]>(
  c: Context<AppEnv>,
  queries: Q,
): Promise<{ -readonly [K in keyof Q]: Rows<Q[K]> }> {
  await countRequest(c);
  const database = c.get("database");
  const results = noteQueued(c, (await batch(database, [...queries, QUEUED])) as unknown[][]);
  return results as { -readonly [K in keyof Q]: Rows<Q[K]> };
}

/** The health check's one statement: no login, no transaction, nothing else (the cheapest trip). */
export async function ping(c: Context<AppEnv>): Promise<boolean> {
  await countRequest(c);
  const rows = await single<{ ok: number }>(c.get("database"), "SELECT 1 AS ok", []);
  return rows[0]?.ok === 1;
}

const KEY = /^[\x21-\x7e]{1,255}$/;

/** A write's response, as the database built it (and stored it, under an Idempotency-Key). */
export interface Stored<T = unknown> {
  status: number;
  body: T;
  /** The body's entity tag, for writes that answer with one (stored with it, so a replay has it). */
  etag?: string;
}

/** A write answered with the body its result query built, or the handler's not-found problem. */
export async function write<T, S extends ContentfulStatusCode>(
  c: Context<AppEnv>,
  writes: readonly Compilable<unknown>[],
  result: Compilable<{ body: T }>,
  status: S,
  notFound: () => ApiError,
  opts: Opts = {},
): Promise<Json<T, S>> {
  const res = await commit(c, writes, result, status, opts);
  if (!res) throw notFound();
  if (res.etag) c.header("ETag", res.etag);
  if (status === 201) locate(c, res.body);
  return c.json(res.body as JSONParsed<T>, status) as Json<T, S>;
}

/**
 * A write whose result query decides the status too (its body is {status, body}): a create that
 * finds the log its client_id already made answers 200 with it, a new one 201 (issue 24 §2).
 */
export async function writeAnswered<T, S extends 200 | 201>(
  c: Context<AppEnv>,
  writes: readonly Compilable<unknown>[],
  result: Compilable<{ body: Stored<T> }>,
  notFound: () => ApiError,
): Promise<Json<T, S>> {
  const res = await commit(c, writes, result, 0, { answered: true });
  if (!res) throw notFound();
  if (res.status === 201) locate(c, res.body);
  return c.json(res.body as JSONParsed<T>, res.status as S) as Json<T, S>;
}

/** A write answered with 204 (its result query returns a row when it found what it removed). */
export async function writeNoContent(
  c: Context<AppEnv>,
  writes: readonly Compilable<unknown>[],
  result: Compilable<{ body: unknown }>,
  notFound: () => ApiError,
  opts: Opts = {},
) {
  if (!(await commit(c, writes, result, 204, opts))) throw notFound();
  return c.body(null, 204);
}

/**
 * Writes with safe retries: some statements plus a result query, the last write with RETURNING
 * or a SELECT of what they did, whose one row has the response `body` (JSON built in SQL). No row
 * means nothing was found: undefined, for the handler's 404. With an Idempotency-Key the key is
 * claimed first and the response stored last, all in the one batch; a retry gets the stored
 * response, status and body, as it was.
 */
export async function commit<T>(
  c: Context<AppEnv>,
  writes: readonly Compilable<unknown>[],
  result: Compilable<{ body: T }>,
  status: number,
  opts: Opts = {},
): Promise<(Stored<T> & { replayed?: true }) | undefined> {
  const key = c.req.header("idempotency-key");
  if (key === undefined) {
    const last = opts.etag ? tagged(result) : result;
    const { results } = await read(c, [...writes, last], { ...opts, write: true });
    const [row] = results.at(-1) as { body: T; etag?: string }[];
    if (row && opts.answered) return row.body as Stored<T>;
    return row && { status, body: row.body, etag: row.etag };
  }
  if (!KEY.test(key))
    throw new ApiError("invalid_idempotency_key", "Idempotency-Key must be 1–255 visible ASCII characters.");
  const { db } = c.get("database");
  const { userId } = c.get("auth");
  const hash = await requestHash(c);
  // A replay answers the ETag its first answer had (Stored.etag).
  const etag = opts.etag ? sql`, 'etag', api_etag(r.body::jsonb)` : sql``;
  const begin = db.selectNoFrom(sql<null>`idempotency_begin(${userId}::int, ${key}, ${hash})`.as("begun"));
  // The result runs as a CTE so that it may itself be a data-modifying statement. Only a result
  // with a row is stored; a write that found nothing (a 404) leaves no trace and is not replayed.
  // An answered result's body is already {status, body}.
  // The write's bookmark is stored with it too: a replay (the client lost the first answer) hands it
  // out again, or the client's next read could come from a replica that lacks this write.
  const bookmark = sql`jsonb_build_object('read_after', pg_current_xact_id()::text)`;
  const answer = opts.answered
    ? sql`r.body::jsonb || ${bookmark}`
    : sql`jsonb_build_object('status', ${status}::int, 'body', r.body${etag}) || ${bookmark}`;
  const store = db
    // biome-ignore lint/suspicious/noExplicitAny: any query with a body column can be the CTE
    .with("r", () => result as any)
    .updateTable("idempotency_key")
    .set({ response: sql`(SELECT ${answer} FROM r LIMIT 1)` })
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
    // The checks (If-Match's) run after the claim: a retry of a write that succeeded gets its
    // stored answer, not a 412 for the version its own first attempt changed.
    const queries = [begin, ...(opts.checks ?? []), ...writes, store, unclaim];
    const { results } = await read(c, queries, { ...opts, checks: [], write: true });
    const [stored] = results.at(-2) as { response: Stored<T> }[];
    return stored?.response;
  } catch (err) {
    const e = err as { code?: string; detail?: string };
    if (e.code === "TL200" && e.detail) {
      c.header("Idempotent-Replayed", "true");
      const stored = JSON.parse(e.detail) as Stored<T> & { read_after?: string };
      if (stored.read_after && c.get("database").replica) c.header("Read-After", stored.read_after);
      return { ...stored, replayed: true };
    }
    throw err;
  }
}

async function requestHash(c: Context<AppEnv>): Promise<string> {
  const body = ["GET", "HEAD", "DELETE"].includes(c.req.method) ? "" : await c.req.text();
  return sha256Hex(`${c.req.method} ${new URL(c.req.url).pathname.replace(/\/$/, "")}\n${body}`);
}
