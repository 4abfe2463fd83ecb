// The statements behind GET /sync: one per page. A snapshot page walks what the viewer may see,
// type by type in key order; a change page reads sync_change/sync_scope (migrations/0047) and the
// lock changes of /timelog/changes after a cursor, below the oldest running transaction. Both
// answer each row's current state through the same lookup: data (the *_json() of the single GET)
// when the viewer may see it, null (a delete) when it is gone or out of sight.
import { type Kysely, type RawBuilder, sql } from "kysely";
import type { Database } from "../db/schema";

type Db = Kysely<Database>;
type Sql = RawBuilder<unknown>;

/** The feed's types; the index is the order they come in. */
export const TYPES = [
  "settings",
  "user",
  "position",
  "client",
  "project",
  "task",
  "tag",
  "team",
  "team_member",
  "timelog",
  "absence",
  "timesheet",
] as const;
export type SyncType = (typeof TYPES)[number];
const rank = (t: SyncType) => sql.lit(TYPES.indexOf(t));

export interface PageRow {
  upper: string;
  future: boolean;
  xid: string | null;
  rank: number | null;
  a: string | null;
  b: string | null;
  key: string | null;
  data: unknown;
  etag: string | null;
}

/** Whose logs, absences and weeks: the viewer and the people they manage (sync_sees()). */
const seen = (v: number) => sql`SELECT ${v}::int AS user_fk
  UNION SELECT t.user_fk FROM team_member m JOIN team_member t ON t.team_fk = m.team_fk
  WHERE m.user_fk = ${v}::int AND m.role = 'manager' AND t.role = 'member' AND manages(${v}::int, t.user_fk)`;

const inTeam = (v: number, team: Sql) =>
  sql`EXISTS (SELECT 1 FROM team_member i WHERE i.team_fk = ${team} AND i.user_fk = ${v}::int)`;

/** A row's current state for this viewer: what its single GET shows, or null when not theirs to see. */
function lookup(v: number) {
  const id = sql`p.key::int`;
  const first = sql`split_part(p.key, ':', 1)::int`;
  const second = sql`split_part(p.key, ':', 2)`;
  const mine = (col: Sql) => sql`${col} IN (SELECT user_fk FROM seen)`;
  return sql`CASE p.type_rank
    WHEN ${rank("settings")} THEN (SELECT company_settings_json(s) FROM company_settings s)
    WHEN ${rank("user")} THEN (SELECT user_json(u) FROM app_user u WHERE u.id = ${id} AND u.id = ${v}::int)
    WHEN ${rank("position")} THEN (SELECT position_json(x, (SELECT su FROM me)) FROM "position" x WHERE x.id = ${id})
    WHEN ${rank("client")} THEN (SELECT client_json(x) FROM client x WHERE x.id = ${id} AND NOT x.is_archived)
    WHEN ${rank("project")} THEN
      (SELECT project_json(x, (SELECT su FROM me)) FROM project x WHERE x.id = ${id} AND NOT x.is_archived)
    WHEN ${rank("task")} THEN (SELECT task_json(x) FROM task x JOIN project pr ON pr.id = x.project_fk
      WHERE x.id = ${id} AND NOT x.is_archived AND NOT pr.is_archived)
    WHEN ${rank("tag")} THEN (SELECT tag_json(x) FROM tag x WHERE x.id = ${id})
    WHEN ${rank("team")} THEN (SELECT team_json(x) FROM team x WHERE x.id = ${id} AND ${inTeam(v, sql`x.id`)})
    WHEN ${rank("team_member")} THEN (SELECT team_member_json(x) FROM team_member x
      WHERE x.team_fk = ${first} AND x.user_fk = ${second}::int AND ${inTeam(v, sql`x.team_fk`)})
    WHEN ${rank("timelog")} THEN (SELECT timelog_json(x) FROM timelog x WHERE x.id = ${id} AND ${mine(sql`x.user_fk`)})
    WHEN ${rank("absence")} THEN (SELECT absence_json(x) FROM absence x WHERE x.id = ${id} AND ${mine(sql`x.user_fk`)})
    WHEN ${rank("timesheet")} THEN (SELECT timesheet_json(x.user_fk, x.week) FROM timesheet x
      WHERE x.user_fk = ${first} AND x.week = iso_week_monday(${second}) AND ${mine(sql`x.user_fk`)})
  END`;
}

/** The shared head of both statements, and the page with its data. */
function page(db: Db, v: number, candidates: Sql, order: string[], limit: number, cursorXid: string) {
  const by = (alias: string) => sql.raw(order.map((col) => `${alias}.${col}`).join(", "));
  const query = sql<PageRow>`
    WITH seen AS (${seen(v)}), me AS (SELECT user_is_superuser(${v}::int) AS su),
      bound AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin,
                       ${cursorXid}::xid8 > pg_snapshot_xmax(pg_current_snapshot()) AS future)
    SELECT bound.xmin::text AS upper, bound.future, p.at_xid::text AS xid, p.type_rank AS rank, p.a::text, p.b::text, p.key,
           d.data, api_etag(d.data) AS etag
    FROM bound LEFT JOIN LATERAL (
      SELECT * FROM (${candidates}) c WHERE NOT bound.future ORDER BY ${by("c")} LIMIT ${limit + 1}
    ) p ON true
    LEFT JOIN LATERAL (SELECT ${lookup(v)} AS data) d ON true
    ORDER BY ${by("p")}`;
  return { compile: () => query.compile(db) };
}

export interface SnapshotAt {
  rank: number;
  a: string;
  b: string;
}

/** A snapshot page: each type's visible rows in (a, b) order after the cursor, up to limit + 1. */
export function snapshotPage(db: Db, v: number, at: SnapshotAt, limit: number) {
  const n = limit + 1;
  const from = (t: SyncType) => TYPES.indexOf(t) >= at.rank;
  // Only the cursor's own type resumes mid-way; later types start from their beginning.
  const after = (t: SyncType) => (TYPES.indexOf(t) === at.rank ? { a: at.a, b: at.b } : { a: "-1", b: "-1" });
  const byId = (t: SyncType, table: Sql, where: Sql = sql`true`) =>
    sql`(SELECT ${rank(t)} AS type_rank, x.id::bigint AS a, 0::bigint AS b, x.id::text AS key, NULL::xid8 AS at_xid
      FROM ${table} x WHERE ${where} AND x.id > ${after(t).a}::bigint ORDER BY x.id LIMIT ${n})`;
  // Per person, by (user_fk, id): one index range each (timelog_by_user_id, absence_by_user_id).
  const perPerson = (t: SyncType, table: Sql) =>
    sql`(SELECT ${rank(t)} AS type_rank, s.user_fk::bigint AS a, r.id::bigint AS b, r.id::text AS key, NULL::xid8 AS at_xid
      FROM seen s CROSS JOIN LATERAL (SELECT x.id FROM ${table} x WHERE x.user_fk = s.user_fk
        AND x.id > CASE WHEN s.user_fk = ${after(t).a}::bigint THEN ${after(t).b}::bigint ELSE -1 END
        ORDER BY x.id LIMIT ${n}) r
      WHERE s.user_fk >= ${after(t).a}::bigint ORDER BY 2, 3 LIMIT ${n})`;
  const parts: Sql[] = [];
  if (from("settings"))
    parts.push(sql`(SELECT ${rank("settings")} AS type_rank, 0::bigint AS a, 0::bigint AS b, 'company' AS key, NULL::xid8 AS at_xid
    WHERE ${after("settings").a}::bigint < 0)`);
  if (from("user"))
    parts.push(sql`(SELECT ${rank("user")} AS type_rank, ${v}::bigint AS a, 0::bigint AS b, ${String(v)}::text AS key, NULL::xid8 AS at_xid
    WHERE ${after("user").a}::bigint < ${v}::bigint)`);
  if (from("position")) parts.push(byId("position", sql`"position"`));
  if (from("client")) parts.push(byId("client", sql`client`, sql`NOT x.is_archived`));
  if (from("project")) parts.push(byId("project", sql`project`, sql`NOT x.is_archived`));
  if (from("task"))
    parts.push(
      byId("task", sql`task`, sql`NOT x.is_archived AND NOT (SELECT is_archived FROM project WHERE id = x.project_fk)`),
    );
  if (from("tag")) parts.push(byId("tag", sql`tag`));
  if (from("team")) parts.push(byId("team", sql`team`, inTeam(v, sql`x.id`)));
  if (from("team_member"))
    parts.push(sql`(SELECT ${rank("team_member")}, x.team_fk::bigint, x.user_fk::bigint,
      x.team_fk || ':' || x.user_fk, NULL::xid8 FROM team_member x WHERE ${inTeam(v, sql`x.team_fk`)}
      AND (x.team_fk, x.user_fk) > (${after("team_member").a}::bigint, ${after("team_member").b}::bigint)
      ORDER BY 2, 3 LIMIT ${n})`);
  if (from("timelog")) parts.push(perPerson("timelog", sql`timelog`));
  if (from("absence")) parts.push(perPerson("absence", sql`absence`));
  if (from("timesheet"))
    parts.push(sql`(SELECT ${rank("timesheet")}, x.user_fk::bigint, (x.week - date '1970-01-01')::bigint,
      x.user_fk || ':' || iso_week(x.week), NULL::xid8 FROM timesheet x WHERE x.user_fk IN (SELECT user_fk FROM seen)
      AND (x.user_fk, x.week - date '1970-01-01') > (${after("timesheet").a}::bigint, ${after("timesheet").b}::bigint)
      ORDER BY 2, 3 LIMIT ${n})`);
  const all = sql`SELECT * FROM (${sql.join(parts, sql` UNION ALL `)}) u(type_rank, a, b, key, at_xid)`;
  return page(db, v, all, ["type_rank", "a", "b"], limit, "0");
}

export interface ChangesAt {
  xid: string;
  rank: number;
  key: string;
}

/** A change page: every row written, or whose visibility to the viewer changed, after the cursor. */
export function changesPage(db: Db, v: number, at: ChangesAt, limit: number) {
  const types = sql.join(TYPES.map((t, i) => sql`(${t}, ${sql.lit(i)})`));
  const range = (col: Sql) => sql`${col} >= ${at.xid}::xid8 AND ${col} < bound.xmin`;
  const scoped = (filter: Sql, r: SyncType, join: Sql, key: Sql) =>
    sql`SELECT s.changed_xid, ${rank(r)}, ${key} FROM sync_scope s ${join}
      WHERE s.viewer_fk = ${v}::int AND ${filter} AND ${range(sql`s.changed_xid`)}`;
  const person = sql`s.subject_fk IS NOT NULL`;
  const team = sql`s.team_fk IS NOT NULL`;
  const shared = sql`s.subject_fk IS NULL AND s.team_fk IS NULL`;
  // A person's or team's row the viewer cannot see now matters only if they could at the cursor,
  // that is when a change of sight came after it (sight changes only through sync_scope rows).
  const sawSince = (col: Sql, what: Sql) =>
    sql`EXISTS (SELECT 1 FROM sync_scope s WHERE s.viewer_fk = ${v}::int AND ${what} = ${col}
      AND s.changed_xid >= ${at.xid}::xid8)`;
  const candidates = sql`
    SELECT m.changed_xid AS at_xid, r.type_rank, m.key FROM sync_change m JOIN (VALUES ${types}) r(type, type_rank) ON r.type = m.type
    WHERE ${range(sql`m.changed_xid`)} AND (
      (m.owner_fk IS NULL AND m.team_fk IS NULL)
      OR (m.type = 'user' AND m.owner_fk = ${v}::int)
      OR (m.type <> 'user' AND m.owner_fk IS NOT NULL
          AND (m.owner_fk IN (SELECT user_fk FROM seen) OR ${sawSince(sql`m.owner_fk`, sql`s.subject_fk`)}))
      OR (m.team_fk IS NOT NULL AND (${inTeam(v, sql`m.team_fk`)} OR ${sawSince(sql`m.team_fk`, sql`s.team_fk`)})))
    UNION ALL ${scoped(person, "timelog", sql`JOIN timelog t ON t.user_fk = s.subject_fk`, sql`t.id::text`)}
    UNION ALL ${scoped(person, "absence", sql`JOIN absence t ON t.user_fk = s.subject_fk`, sql`t.id::text`)}
    UNION ALL ${scoped(person, "timesheet", sql`JOIN timesheet t ON t.user_fk = s.subject_fk`, sql`t.user_fk || ':' || iso_week(t.week)`)}
    UNION ALL ${scoped(team, "team", sql``, sql`s.team_fk::text`)}
    UNION ALL ${scoped(team, "team_member", sql`JOIN team_member t ON t.team_fk = s.team_fk`, sql`t.team_fk || ':' || t.user_fk`)}
    UNION ALL ${scoped(shared, "position", sql`CROSS JOIN "position" t`, sql`t.id::text`)}
    UNION ALL ${scoped(shared, "project", sql`CROSS JOIN project t`, sql`t.id::text`)}
    UNION ALL
    -- Logs whose lock a submit, a decision or the company lock changed (as /timelog/changes).
    SELECT lc.changed_xid, ${rank("timelog")}, t.id::text FROM timelog_lock_change lc
    JOIN seen w ON lc.user_fk IS NULL OR lc.user_fk = w.user_fk
    JOIN timelog t ON t.user_fk = w.user_fk AND tstzrange(t.start_time, t.end_time, '[)') && lc.span
    WHERE ${range(sql`lc.changed_xid`)}`;
  const after = sql`(c.at_xid, c.type_rank, c.key) > (${at.xid}::xid8, ${at.rank}::int, ${at.key}::text)`;
  const filtered = sql`SELECT c.at_xid, c.type_rank, NULL::bigint AS a, NULL::bigint AS b, c.key
    FROM (${candidates}) c WHERE ${after}`;
  return page(db, v, filtered, ["at_xid", "type_rank", "key"], limit, at.xid);
}
