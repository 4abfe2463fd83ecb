// Conditional writes (issue 24 §3, h-etag). If-Match is compared by the database, in the write's
// own batch: a statement locks the row, the next one computes the resource's entity tag from the
// same query its GET answers with and calls api_if_match() (migrations/0049_if_match.sql), which
// aborts the batch with 412 precondition_failed when the tag is stale. Nothing is read first and
// compared in TypeScript, so two writers holding the same tag cannot both win.
import type { Context } from "hono";
import { type Compilable, CompiledQuery } from "kysely";
import type { AppEnv } from "../lib/router";

/** The tables whose rows a client may write with If-Match (each has an `id` primary key). */
export type Lockable =
  | "timelog"
  | "absence"
  | "project"
  | "task"
  | "tag"
  | "client"
  | "app_user"
  | "team"
  | "position"
  | "company_settings"
  // Review (issue 24 §3): their GETs answer an ETag too, so their writes must honour If-Match.
  | "absence_type"
  | "webhook_endpoint"
  // A holiday day has no id of its own: its calendar is locked (review r1).
  | "holiday_calendar";

/** What a conditional write adds to its batch: checks to run first, and the new ETag wanted. */
export interface Conditional {
  checks: Compilable<unknown>[];
  etag: true;
}

/** A header's field value can list many tags; more than this is not a client we need to serve. */
const MAX_TAGS = 32;
const TAG = /(?:W\/)?"[^"\s]*"/g;

/**
 * The strong entity tags an If-Match header names: null for `*` (any current version), undefined
 * when the header is absent. If-Match uses the strong comparison (RFC 9110 §13.1.1): a weak tag
 * never matches, so weak ones are dropped (and a header of only weak tags always fails).
 */
export function ifMatchTags(header: string | undefined): string[] | null | undefined {
  if (header === undefined) return undefined;
  if (header.trim() === "*") return null;
  return (header.match(TAG) ?? []).filter((tag) => !tag.startsWith("W/")).slice(0, MAX_TAGS);
}

const raw = (text: string, parameters: readonly unknown[]): Compilable<unknown> => ({
  compile: () => CompiledQuery.raw(text, [...parameters]),
});

/**
 * The checks of a write to `table` row `id` under the request's If-Match (none without one, so
 * the write works as before). `current` is the query the resource's GET answers with (one row
 * with its `body`, or none when it does not exist or the caller may not see it).
 */
export function ifMatch(
  c: Context<AppEnv>,
  table: Lockable,
  id: number | true,
  current: Compilable<{ body: unknown }>,
): Conditional {
  const tags = ifMatchTags(c.req.header("if-match"));
  if (tags === undefined) return { checks: [], etag: true };
  // Its own statement, before the comparison: under READ COMMITTED the next statement takes a
  // new snapshot, so it sees what a concurrent writer committed while this one waited.
  const lock = raw(`SELECT 1 AS locked FROM ${table} WHERE id = $1 FOR UPDATE`, [id]);
  const { sql: text, parameters } = current.compile();
  const n = parameters.length + 1;
  const wanted = `CASE WHEN $${n}::text IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text($${n}::jsonb)) END`;
  const check = raw(
    `SELECT api_if_match((SELECT api_etag(cur.body::jsonb) FROM (${text}) cur LIMIT 1), ${wanted}) AS matched`,
    [...parameters, tags === null ? null : JSON.stringify(tags)],
  );
  return { checks: [lock, check], etag: true };
}

/**
 * A write's result query with the entity tag of its body beside it (as a CTE, so the result may
 * itself be an UPDATE ... RETURNING): the ETag a successful write answers with.
 */
export function tagged<T>(result: Compilable<{ body: T }>): Compilable<{ body: T; etag: string }> {
  const { sql: text, parameters } = result.compile();
  return raw(`WITH r AS (${text}) SELECT r.body, api_etag(r.body::jsonb) AS etag FROM r`, parameters) as Compilable<{
    body: T;
    etag: string;
  }>;
}
