// The CSV export's rows, read a page at a time: each page is a round trip whose answer stays well
// under Neon's 10 MiB response limit, however long the notes.
import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema";
import { moneyCtes, rateColumns, rateJoins, wholeMs } from "./money";
import { filters, overlapsRange, type Range, type ReportFilter, rangeCte } from "./queries";

type Db = Kysely<Database>;

/**
 * A page is at most 5,000 rows and at most 6 MiB of estimated answer, so no page can reach Neon's
 * 10 MiB limit whatever the notes hold: a note counts its bytes plus 5 for each character JSON
 * escapes (a control character travels as \u0001), short names count 6 per byte, and each row
 * 400 more. With ordinary notes a page is 5,000 rows.
 */
export const CSV_PAGE_ROWS = 5_000;
const CSV_PAGE_BYTES = 6 * 1024 * 1024;
/** Everything but the characters JSON escapes: control characters, quote and backslash. */
const ESCAPED = '[^\\x01-\\x1f"\\\\]';

export interface CsvRow {
  id: number;
  /** The CSV line (without CRLF), written by PostgreSQL (migrations/0009_csv.sql). */
  line: string;
  /** Where the next page starts: this row's start (UTC, microseconds) and id. */
  start_key: string;
  /** Rows the page read before its size cut it short: with fewer kept, or a full page, more follow. */
  fetched: string;
}

/** Whether rows follow this page: it was full, or its size cut it short. */
export function morePages(page: CsvRow[]): boolean {
  const fetched = Number(page.at(-1)?.fetched ?? 0);
  return fetched >= CSV_PAGE_ROWS || page.length < fetched;
}

export interface CsvAfter {
  start: string;
  id: number;
}

const overlaps = (range: Range, f: ReportFilter) => sql`${overlapsRange(range)} AND ${filters(f)}`;

/**
 * How many logs match, counted up to `cap` + 1 (enough to refuse an export that is too big), and
 * which money columns the caller may see (the header names them before the first row).
 */
export function countRows(db: Db, range: Range, f: ReportFilter, cap: number) {
  const query = sql<{ n: number; billable: boolean; cost: boolean }>`
    WITH ${rangeCte(range)}, ${moneyCtes(f)}
    SELECT count(*)::int AS n, (SELECT billable FROM vis) AS billable, (SELECT cost FROM vis) AS cost FROM (
      SELECT 1 FROM timelog t CROSS JOIN range r WHERE ${overlaps(range, f)} LIMIT ${cap + 1}
    ) x`;
  return { compile: () => query.compile(db) };
}

/** One page of rows per log overlapping the range, in (start, id) order, times shown in tz. */
export function timelogRows(db: Db, range: Range, f: ReportFilter, after: CsvAfter | undefined) {
  const keyset = after ? sql`AND (t.start_time, t.id) > (${after.start}::timestamptz, ${after.id}::int)` : sql``;
  const tz = sql`${range.tz}::text`;
  const query = sql<CsvRow>`
    WITH ${rangeCte(range)}, ${moneyCtes(f)}
    SELECT p.id, p.line, p.start_key, p.fetched FROM (SELECT a.*, count(*) OVER () AS fetched FROM (
    SELECT t.id, t.start_time,
           concat_ws(',', t.id, t.user_fk, csv_text(u.username), csv_text(po.title), t.project_fk,
                     csv_text(pr.secret_name), csv_time(t.start_time, ${tz}),
                     coalesce(csv_time(t.end_time, ${tz}), ''), d.ms::text, csv_hm(d.ms),
                     CASE WHEN t.end_time IS NULL THEN 'true' ELSE 'false' END, csv_text(t.note),
                     csv_text(cl.name), csv_text(tk.name),
                     csv_text((SELECT string_agg(g.name, ';' ORDER BY g.name) FROM tag g WHERE g.id = ANY (t.tag_ids))),
                     CASE WHEN m.billable THEN 'true' ELSE 'false' END,
                     -- Money columns only for who may see them (the header says which): the part of
                     -- the log inside the range, priced as the summary prices it.
                     CASE WHEN vis.billable THEN concat_ws(',', coalesce(m.brate::text, ''),
                       CASE WHEN m.billable THEN coalesce(money_for_ms(m.brate, m.in_range_ms), 0) ELSE 0 END) END,
                     CASE WHEN vis.cost THEN coalesce(money_for_ms(m.crate, m.in_range_ms), 0)::text END) AS line,
           to_char(t.start_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS start_key,
           sum(400 + 6 * (octet_length(u.username) + octet_length(po.title) + octet_length(pr.secret_name))
               + octet_length(coalesce(t.note, ''))
               + 5 * length(regexp_replace(coalesce(t.note, ''), ${ESCAPED}, '', 'g')))
             OVER (ORDER BY t.start_time, t.id) AS page_bytes
    FROM timelog t CROSS JOIN range r
    CROSS JOIN LATERAL (SELECT (extract(epoch FROM coalesce(t.end_time, now()) - t.start_time) * 1000)::bigint AS ms) d
    JOIN app_user u ON u.id = t.user_fk
    JOIN position po ON po.id = u.position_fk
    JOIN project pr ON pr.id = t.project_fk
    LEFT JOIN client cl ON cl.id = pr.client_fk
    LEFT JOIN task tk ON tk.id = t.task_fk
    CROSS JOIN vis
    ${rateJoins({ project: sql`t.project_fk`, user: sql`t.user_fk`, position: sql`u.position_fk`, start: sql`t.start_time` })}
    CROSS JOIN LATERAL (
      SELECT coalesce(t.billable, pr.billable) AS billable, ${rateColumns},
             ${wholeMs(sql`greatest(t.start_time, r.lo)`, sql`least(coalesce(t.end_time, now()), r.hi)`)} AS in_range_ms
    ) m
    WHERE ${overlaps(range, f)} ${keyset}
    ORDER BY t.start_time, t.id
    LIMIT ${CSV_PAGE_ROWS}
    ) a) p WHERE p.page_bytes <= ${CSV_PAGE_BYTES} ORDER BY p.start_time, p.id`;
  return { compile: () => query.compile(db) };
}
