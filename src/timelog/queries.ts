import { type Kysely, sql } from "kysely";
import type { Stored } from "../db/request";
import type { Database } from "../db/schema";
import type { SwitchResult, Timelog } from "./schemas";

type Db = Kysely<Database>;

/**
 * A log as the API shows it, built by the database's timelog_json() for reads, writes, replays,
 * sync and webhooks alike.
 */
const body = sql<Timelog>`timelog_json(timelog)`.as("body");
/**
 * The same builder for reads of many rows, given each row's lock state set-based: the company lock
 * is read once for the query (an InitPlan) and each row costs one index probe, where
 * timelog_locked() per row costs nested function calls (timelog_locked is the definition; a test
 * compares the two on locked and unlocked logs).
 */
const listed = sql<Timelog>`timelog_json(timelog,
    coalesce(timelog.start_time < (SELECT locked_before FROM company_settings), false)
    OR EXISTS (SELECT 1 FROM timesheet s WHERE s.user_fk = timelog.user_fk AND s.status IN ('submitted', 'approved')
               AND s.span && tstzrange(timelog.start_time, timelog.end_time, '[)')))`.as("body");

/** The owner, their manager, or a superuser (everyone else gets the route's 404). */
const mayTouch = (viewerId: number) => sql<boolean>`may_act_for(${viewerId}::int, timelog.user_fk)`;

/** The batch's first statement when acting for someone else: 403 unless you may. */
export const assertMayActFor = (db: Db, viewerId: number, userId: number) =>
  db.selectNoFrom(sql`assert_may_act_for(${viewerId}::int, ${userId}::int)`.as("ok"));

/** The company lock as it stands, for sync clients. */
export const lockedBefore = (db: Db) =>
  db.selectFrom("company_settings").select(sql<string | null>`api_time(locked_before)`.as("locked_before"));

/** What a log carries besides project and times (the API's `tags` is the column `tag_ids`). */
interface LogValues {
  note?: string | null;
  task_fk?: number | null;
  tags?: number[];
  billable?: boolean | null;
}

/**
 * POST /timelog's create, the same SQL as the batch's: timelog_create() answers {status, body},
 * 201 for a new log or 200 for the one this person created before with the same client_id.
 */
export const createLog = (db: Db, userId: number, input: Record<string, unknown>) =>
  db.selectNoFrom(sql<Stored<Timelog>>`timelog_create(${userId}::int, ${JSON.stringify(input)}::jsonb)`.as("body"));

/** A switch's start: at the database's now(), or at the device's `at` (checked by timelog_offline_at). */
export function insertLog(db: Db, userId: number, v: LogValues & { project_fk: number; at?: string }) {
  return db
    .insertInto("timelog")
    .values({
      user_fk: userId,
      project_fk: v.project_fk,
      note: v.note ?? null,
      start_time: at(v.at),
      task_fk: v.task_fk ?? null,
      tag_ids: v.tags ?? [],
      billable: v.billable ?? null,
      source: v.at === undefined ? "online" : "offline",
    })
    .returning(body);
}

/** A clock event's time: the database's now(), or a device's time inside the offline window. */
const at = (time: string | undefined) =>
  time === undefined ? sql<Date>`now()` : sql<Date>`timelog_offline_at(${time}::timestamptz)`;

/** Stop the running timer: now, at a forgotten timer's end_time, or at the device's `at` (offline). */
export function closeOpenLog(db: Db, userId: number, end: { end_time?: string; at?: string } = {}) {
  return db
    .updateTable("timelog")
    .set({
      end_time: end.end_time ?? at(end.at),
      ...(end.at === undefined ? {} : { source: "offline" as const }),
    })
    .where("user_fk", "=", userId)
    .where("end_time", "is", null)
    .returning(body);
}

/**
 * The first half of a switch. A log already running on the target project stays open, so the
 * new log conflicts with it: switching to where you are is a 409, and of many identical
 * switches exactly one succeeds, whether they run one after another or at once.
 */
export function closeOpenLogForSwitch(db: Db, userId: number, targetProject: number, atTime?: string) {
  return closeOpenLog(db, userId, { at: atTime }).where("project_fk", "!=", targetProject);
}

/** A switch's response: the log this transaction started and the one it stopped (or null). */
export function switchResult(db: Db, userId: number) {
  const mine = sql`t.user_fk = ${userId}::int AND t.changed_xid = pg_current_xact_id()`;
  return db
    .selectNoFrom(
      sql<SwitchResult>`jsonb_build_object(
        'started', (SELECT timelog_json(t) FROM timelog t WHERE ${mine} AND t.end_time IS NULL),
        'stopped', (SELECT timelog_json(t) FROM timelog t WHERE ${mine} AND t.end_time IS NOT NULL))`.as("body"),
    )
    .where(sql<boolean>`EXISTS (SELECT 1 FROM timelog t WHERE ${mine} AND t.end_time IS NULL)`);
}

export const findOpenLog = (db: Db, userId: number) =>
  db.selectFrom("timelog").select(body).where("user_fk", "=", userId).where("end_time", "is", null);

export const findLog = (db: Db, id: number, viewerId: number) =>
  db.selectFrom("timelog").select(body).where("id", "=", id).where(mayTouch(viewerId));

export function updateLog(
  db: Db,
  id: number,
  viewerId: number,
  patch: LogValues & { project_fk?: number; start_time?: string; end_time?: string | null },
) {
  const { tags, ...rest } = patch;
  return db
    .updateTable("timelog")
    .set({ ...rest, ...(tags === undefined ? {} : { tag_ids: tags }) })
    .where("id", "=", id)
    .where(mayTouch(viewerId))
    .returning(body);
}

export const deleteLog = (db: Db, id: number, viewerId: number) =>
  db.deleteFrom("timelog").where("id", "=", id).where(mayTouch(viewerId)).returning(sql<null>`NULL::jsonb`.as("body"));

export interface ListFilter {
  userId: number;
  from?: string;
  to?: string;
  projectId?: number;
  clientId?: number;
  taskId?: number;
  tagId?: number;
  status?: "open" | "closed";
  after?: { start: string; id: number };
  limit: number;
}

/** Newest first, keyset-paginated on (start_time, id). */
export function listLogs(db: Db, f: ListFilter) {
  let q = db
    .selectFrom("timelog")
    .select(listed)
    .where("user_fk", "=", f.userId)
    .orderBy("start_time", "desc")
    .orderBy("id", "desc")
    .limit(f.limit + 1);
  if (f.from !== undefined || f.to !== undefined) {
    q = q.where(
      sql<boolean>`tstzrange(start_time, end_time, '[)') && tstzrange(${f.from ?? null}::timestamptz, ${f.to ?? null}::timestamptz, '[)')`,
    );
  }
  if (f.projectId !== undefined) q = q.where("project_fk", "=", f.projectId);
  if (f.clientId !== undefined) {
    q = q.where(sql<boolean>`project_fk IN (SELECT id FROM project WHERE client_fk = ${f.clientId}::int)`);
  }
  if (f.taskId !== undefined) q = q.where("task_fk", "=", f.taskId);
  if (f.tagId !== undefined) q = q.where(sql<boolean>`tag_ids @> ARRAY[${f.tagId}::int] AND tag_ids <> '{}'`);
  if (f.status === "open") q = q.where("end_time", "is", null);
  if (f.status === "closed") q = q.where("end_time", "is not", null);
  if (f.after) q = q.where(sql<boolean>`(start_time, id) < (${f.after.start}::timestamptz, ${f.after.id}::int)`);
  return q;
}

export interface ChangeRow {
  upper: string;
  xid: string | null;
  id: number;
  deleted: boolean | null;
  deleted_at: string | null;
  log: Timelog | null;
}

/**
 * Incremental sync: changes after (xid, id), up to the snapshot's xmin. Every transaction below
 * xmin has finished, so a write that commits later has a larger id and cannot be skipped.
 */
export function changesSince(db: Db, userId: number, after: { xid: string; id: number }, limit: number) {
  const query = sql<ChangeRow>`
    WITH bound AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
    SELECT bound.xmin::text AS upper, c.* FROM bound LEFT JOIN LATERAL (
      SELECT * FROM (
        SELECT t.changed_xid AS x, t.changed_xid::text AS xid, t.id, false AS deleted, NULL AS deleted_at,
               timelog_json(t) AS log
        FROM timelog t
        WHERE t.user_fk = ${userId}::int AND (t.changed_xid, t.id) > (${after.xid}::xid8, ${after.id}::int)
          AND t.changed_xid < bound.xmin
        UNION ALL
        -- Logs whose lock a submit, a decision or the company lock changed (their rows are not touched).
        SELECT lc.changed_xid, lc.changed_xid::text, t.id, false, NULL, timelog_json(t)
        FROM timelog_lock_change lc
        JOIN timelog t ON t.user_fk = ${userId}::int AND tstzrange(t.start_time, t.end_time, '[)') && lc.span
        WHERE (lc.user_fk = ${userId}::int OR lc.user_fk IS NULL)
          AND (lc.changed_xid, t.id) > (${after.xid}::xid8, ${after.id}::int) AND lc.changed_xid < bound.xmin
        UNION ALL
        SELECT d.changed_xid, d.changed_xid::text, d.id, true, api_time(d.deleted_at), NULL
        FROM timelog_tombstone d
        WHERE d.user_fk = ${userId}::int AND (d.changed_xid, d.id) > (${after.xid}::xid8, ${after.id}::int)
          AND d.changed_xid < bound.xmin
      ) u ORDER BY u.x, u.id LIMIT ${limit + 1}
    ) c ON true`;
  return { compile: () => query.compile(db) };
}

/** What timelog_batch() answers per operation: {status, body}, or the refusal it caught. */
export type BatchAnswer =
  | { status: 200 | 201 | 204; body: Timelog | null; error?: undefined }
  | { error: { code: string; constraint: string | null; message: string; detail: string | null; hint: string | null } };

/** POST /timelog/batch: every operation in one statement, each in its own savepoint. */
export const batchWrites = (db: Db, actorId: number, operations: readonly object[]) =>
  db.selectNoFrom(sql<BatchAnswer[]>`timelog_batch(${actorId}::int, ${JSON.stringify(operations)}::jsonb)`.as("body"));
