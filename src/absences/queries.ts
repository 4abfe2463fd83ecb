// Absences and their types. Every rule (who may file or decide, half days, archived types, locked
// weeks, overlaps, the balance) is the database's: migrations/0027_absences.sql. These only
// call its functions and build the answers with its *_json builders.
import { type Kysely, type RawBuilder, sql } from "kysely";
import type { Database } from "../db/schema";
import type { Absence, AbsenceType, Allowance, Balance } from "./schemas";

type Db = Kysely<Database>;
/**
 * A raw statement as read() and write() take it: compiled against the API's Kysely, and usable as
 * the CTE write() wraps a result in when it stores an Idempotency-Key's answer.
 */
const compilable = <R>(db: Db, query: RawBuilder<R>) => ({
  compile: () => query.compile(db),
  // A CTE's body must be parenthesised; a raw statement is not by itself.
  toOperationNode: () => sql`(${query})`.toOperationNode(),
});

// --- absence types -----------------------------------------------------------------------------

export const listTypes = (db: Db, after: number | undefined, limit: number) =>
  compilable(
    db,
    sql<{ id: number; body: AbsenceType }>`SELECT t.id, absence_type_json(t) AS body FROM absence_type t
      WHERE t.id > ${after ?? 0}::int ORDER BY t.id LIMIT ${limit + 1}`,
  );

export const findType = (db: Db, id: number) =>
  compilable(
    db,
    sql<{ body: AbsenceType }>`SELECT absence_type_json(t) AS body FROM absence_type t WHERE t.id = ${id}::int`,
  );

/** The wire fields as columns: a field given (null included) replaces the column, one absent keeps it. */
const given = (field: string, column: string, cast: string) =>
  sql.raw(`${column} = CASE WHEN x.p ? '${field}' THEN (x.p->>'${field}')::${cast} ELSE t.${column} END`);
const TYPE_COLUMNS = sql.join(
  [
    given("name", "name", "text"),
    given("paid", "paid", "boolean"),
    given("counts_as_work", "counts_as_work", "boolean"),
    given("needs_approval", "needs_approval", "boolean"),
    given("unit", "unit", "text"),
    given("annual_allowance_days", "annual_allowance_days", "numeric"),
    given("carry_over_days", "carry_over_days", "numeric"),
    given("carry_over_expires", "carry_over_expires", "text"),
    given("allow_negative", "allow_negative", "boolean"),
    given("archived", "is_archived", "boolean"),
  ],
  sql`, `,
);

/** A new type: the fields given, the table's defaults for the others. */
export function insertType(db: Db, fields: Record<string, unknown>) {
  return compilable(
    db,
    sql<{ body: AbsenceType }>`INSERT INTO absence_type AS t (name, paid, counts_as_work, needs_approval, unit,
        annual_allowance_days, carry_over_days, carry_over_expires, allow_negative, is_archived)
      SELECT x.p->>'name', coalesce((x.p->>'paid')::boolean, true), coalesce((x.p->>'counts_as_work')::boolean, true),
        coalesce((x.p->>'needs_approval')::boolean, true), coalesce(x.p->>'unit', 'day'),
        (x.p->>'annual_allowance_days')::numeric, (x.p->>'carry_over_days')::numeric, x.p->>'carry_over_expires',
        coalesce((x.p->>'allow_negative')::boolean, false), coalesce((x.p->>'archived')::boolean, false)
      FROM (SELECT ${JSON.stringify(fields)}::jsonb AS p) x
      RETURNING absence_type_json(t) AS body`,
  );
}

export const updateType = (db: Db, id: number, fields: Record<string, unknown>) =>
  compilable(
    db,
    sql<{ body: AbsenceType }>`UPDATE absence_type t SET ${TYPE_COLUMNS}
      FROM (SELECT ${JSON.stringify(fields)}::jsonb AS p) x WHERE t.id = ${id}::int
      RETURNING absence_type_json(t) AS body`,
  );

/** Refused by the absences' RESTRICT key while any absence has the type (absence_type_in_use). */
export const deleteType = (db: Db, id: number) =>
  compilable(db, sql<{ body: null }>`DELETE FROM absence_type WHERE id = ${id}::int RETURNING NULL::jsonb AS body`);

// --- absences ----------------------------------------------------------------------------------

export interface NewAbsence {
  type_fk: number;
  from: string;
  to: string;
  half_day?: "am" | "pm";
  note?: string | null;
}

export const createAbsence = (db: Db, actor: number, userId: number, a: NewAbsence) =>
  compilable(
    db,
    sql<{ body: Absence }>`SELECT absence_json(a) AS body FROM absence_create(${actor}::int, ${userId}::int,
      ${a.type_fk}::int, ${a.from}::date, ${a.to}::date, ${a.half_day ?? null}::text, ${a.note ?? null}::text) a`,
  );

export const patchAbsence = (db: Db, actor: number, id: number, patch: Record<string, unknown>) =>
  compilable(
    db,
    sql<{ body: Absence }>`SELECT absence_json(a) AS body
      FROM absence_patch(${actor}::int, ${id}::int, ${JSON.stringify(patch)}::jsonb) a`,
  );

export const decide = (
  db: Db,
  actor: number,
  id: number,
  decision: "approve" | "reject" | "cancel",
  comment: string | null,
) =>
  compilable(
    db,
    sql<{ body: Absence }>`SELECT absence_json(a) AS body
      FROM absence_decide(${actor}::int, ${id}::int, ${decision}::text, ${comment}::text) a`,
  );

/** Yours, someone's you manage, or anyone's for a superuser; any other is not found. */
export const findAbsence = (db: Db, viewer: number, id: number) =>
  compilable(
    db,
    sql<{ body: Absence }>`SELECT absence_json(a) AS body FROM absence a
      WHERE a.id = ${id}::int AND may_act_for(${viewer}::int, a.user_fk)`,
  );

export interface ListFilter {
  viewerId: number;
  userId?: number;
  teamId?: number;
  from?: string;
  to?: string;
  status?: string;
  typeId?: number;
  after?: { day: string; id: number };
  limit: number;
}

/**
 * The first statement of a list for one person and/or one team: 403 unless you may see the person
 * and manage the team (both, when both are given: the team filter must not tell who is in a team).
 */
export function assertScope(db: Db, f: ListFilter) {
  const person = f.userId === undefined ? sql`NULL` : sql`assert_may_act_for(${f.viewerId}::int, ${f.userId}::int)`;
  const team = f.teamId === undefined ? sql`NULL` : sql`assert_manages_team(${f.viewerId}::int, ${f.teamId}::int)`;
  return compilable(db, sql`SELECT ${person} AS person, ${team} AS team`);
}

/**
 * The people whose absences the viewer sees: everyone for a superuser, else themselves and the
 * people they manage. Set-based: manages() runs once per team mate, not once per absence.
 */
const visible = (v: RawBuilder<unknown>) =>
  sql`((SELECT user_is_superuser(${v})) OR a.user_fk IN (SELECT ${v} UNION
        SELECT t.user_fk FROM team_member m JOIN team_member t ON t.team_fk = m.team_fk
        WHERE m.user_fk = ${v} AND m.role = 'manager' AND manages(${v}, t.user_fk)))`;

/** Newest first day first, keyset-paginated on (first_day, id). */
export function listAbsences(db: Db, f: ListFilter) {
  const v = sql`${f.viewerId}::int`;
  const who = [
    f.userId === undefined ? sql`true` : sql`a.user_fk = ${f.userId}::int`,
    f.teamId === undefined
      ? sql`true`
      : sql`a.user_fk IN (SELECT m.user_fk FROM team_member m WHERE m.team_fk = ${f.teamId}::int)`,
    // The scope check (assertScope) already vouched for a named person; otherwise filter per row.
    f.userId === undefined ? visible(v) : sql`true`,
  ];
  const filters = [
    ...who,
    f.from === undefined ? sql`true` : sql`a.last_day >= ${f.from}::date`,
    f.to === undefined ? sql`true` : sql`a.first_day <= ${f.to}::date`,
    f.status === undefined ? sql`true` : sql`a.status = ${f.status}::text`,
    f.typeId === undefined ? sql`true` : sql`a.type_fk = ${f.typeId}::int`,
    f.after === undefined ? sql`true` : sql`(a.first_day, a.id) < (${f.after.day}::date, ${f.after.id}::int)`,
  ];
  return compilable(
    db,
    sql<{ day: string; id: number; body: Absence }>`SELECT to_char(a.first_day, 'YYYY-MM-DD') AS day, a.id,
        absence_json(a) AS body
      FROM absence a WHERE ${sql.join(filters, sql` AND `)}
      ORDER BY a.first_day DESC, a.id DESC LIMIT ${f.limit + 1}`,
  );
}

// --- balances and allowances -------------------------------------------------------------------

/**
 * A person's balance per type for a year (default: this year in their zone): every type not
 * archived, and archived ones with days that year. No row when the person does not exist.
 */
export const balance = (db: Db, userId: number, year: number | undefined) =>
  compilable(
    db,
    sql<{ body: Balance }>`SELECT jsonb_build_object('user_fk', u.id, 'year', y.year, 'types', coalesce((
        SELECT jsonb_agg(jsonb_build_object('type_fk', t.id, 'name', t.name, 'entitlement', b.entitlement,
                 'carried_over', b.carried_over, 'carried_over_expires', to_char(b.carried_over_expires, 'YYYY-MM-DD'),
                 'taken', b.taken, 'planned', b.planned, 'remaining', b.remaining) ORDER BY t.id)
        FROM absence_type t CROSS JOIN LATERAL absence_balance(u.id, t.id, y.year) b
        WHERE NOT t.is_archived OR b.taken + b.planned > 0), '[]'::jsonb)) AS body
      FROM app_user u
      CROSS JOIN LATERAL (SELECT coalesce(${year ?? null}::int,
        extract(year FROM now() AT TIME ZONE user_time_zone(u.id))::int) AS year) y
      WHERE u.id = ${userId}::int`,
  );

export const setAllowance = (db: Db, userId: number, typeId: number, year: number, days: number) =>
  compilable(
    db,
    sql<{ body: Allowance }>`INSERT INTO absence_allowance AS l (user_fk, type_fk, year, days)
      VALUES (${userId}::int, ${typeId}::int, ${year}::int, ${days}::numeric)
      ON CONFLICT (user_fk, type_fk, year) DO UPDATE SET days = EXCLUDED.days
      RETURNING allowance_json(l) AS body`,
  );
