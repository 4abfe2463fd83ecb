// The CSV export's rows, read a page at a time: each page is a round trip whose answer stays well
// under Neon's 10 MiB response limit, however long the notes.
import { type Kysely, type RawBuilder, sql } from "kysely";
import type { Database } from "../db/schema";
import { filters, type Range, type ReportFilter, rangeCte } from "./queries";

type Db = Kysely<Database>;

/**
 * Rows per round trip. The worst row (a 1,000-character note, 50-character names, all 4-byte
 * UTF-8, JSON-escaped) is under 5 KB as Neon sends it, so 2,000 rows stay under 10 MiB.
 */
export const CSV_PAGE_ROWS = 2_000;

export interface CsvRow {
  id: number;
  user_fk: number;
  username: string;
  position: string;
  project_fk: number;
  secret_name: string;
  start_local: string;
  start_offset: number;
  end_local: string | null;
  end_offset: number | null;
  duration_ms: string;
  open: boolean;
  note: string | null;
  /** Where the next page starts: this row's start (UTC, microseconds) and id. */
  start_key: string;
}

export interface CsvAfter {
  start: string;
  id: number;
}

const overlaps = (f: ReportFilter) =>
  sql`tstzrange(t.start_time, t.end_time, '[)') && tstzrange(r.lo, r.hi, '[)') AND ${filters(f)}`;

/** How many logs match, counted up to `cap` + 1 (enough to refuse an export that is too big). */
export function countRows(db: Db, range: Range, f: ReportFilter, cap: number) {
  const query = sql<{ n: number }>`
    WITH ${rangeCte(range)}
    SELECT count(*)::int AS n FROM (
      SELECT 1 FROM timelog t CROSS JOIN range r WHERE ${overlaps(f)} LIMIT ${cap + 1}
    ) x`;
  return { compile: () => query.compile(db) };
}

/** One page of rows per log overlapping the range, in (start, id) order, times shown in tz. */
export function timelogRows(db: Db, range: Range, f: ReportFilter, after: CsvAfter | undefined) {
  const local = (col: RawBuilder<unknown>) =>
    sql`to_char(${col} AT TIME ZONE ${range.tz}, 'YYYY-MM-DD"T"HH24:MI:SS.MS')`;
  const offset = (col: RawBuilder<unknown>) =>
    sql`extract(epoch FROM (${col} AT TIME ZONE ${range.tz}) - (${col} AT TIME ZONE 'UTC'))::int`;
  const keyset = after ? sql`AND (t.start_time, t.id) > (${after.start}::timestamptz, ${after.id}::int)` : sql``;
  const query = sql<CsvRow>`
    WITH ${rangeCte(range)}
    SELECT t.id, t.user_fk, u.username, po.title AS position, t.project_fk, pr.secret_name,
           ${local(sql`t.start_time`)} AS start_local, ${offset(sql`t.start_time`)} AS start_offset,
           ${local(sql`t.end_time`)} AS end_local, ${offset(sql`t.end_time`)} AS end_offset,
           (extract(epoch FROM coalesce(t.end_time, now()) - t.start_time) * 1000)::bigint AS duration_ms,
           t.end_time IS NULL AS open, t.note,
           to_char(t.start_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS start_key
    FROM timelog t CROSS JOIN range r
    JOIN app_user u ON u.id = t.user_fk
    JOIN position po ON po.id = u.position_fk
    JOIN project pr ON pr.id = t.project_fk
    WHERE ${overlaps(f)} ${keyset}
    ORDER BY t.start_time, t.id
    LIMIT ${CSV_PAGE_ROWS}`;
  return { compile: () => query.compile(db) };
}
