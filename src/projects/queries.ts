import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema";

type Db = Kysely<Database>;
const COLUMNS = [
  "id",
  "secret_name",
  "started_at",
  "description",
  "is_archived",
  "client_fk",
  "billable",
  "budget_hours",
  "budget_period",
] as const;
/** The money budget is superusers' (as in GET /projects/{id}/budget): null for everyone else. */
const columns = (viewerId: number) =>
  [
    ...COLUMNS,
    sql<string | null>`CASE WHEN user_is_superuser(${viewerId}::int) THEN budget_amount::text END`.as("budget_amount"),
  ] as const;
/** The API's JSON for the row a write returns, built by the database (see project_json). */
const body = sql<unknown>`project_json(project)`.as("body");

export function listProjects(
  db: Db,
  viewerId: number,
  opts: { after?: number; limit: number; archived?: boolean; client?: number },
) {
  let q = db
    .selectFrom("project")
    .select(columns(viewerId))
    .orderBy("id")
    .limit(opts.limit + 1);
  if (opts.after !== undefined) q = q.where("id", ">", opts.after);
  if (opts.archived !== undefined) q = q.where("is_archived", "=", opts.archived);
  if (opts.client !== undefined) q = q.where("client_fk", "=", opts.client);
  return q;
}

export const findProject = (db: Db, id: number, viewerId: number) =>
  db.selectFrom("project").select(columns(viewerId)).where("id", "=", id);

type Values = {
  secret_name: string;
  started_at?: string;
  description?: string | null;
  is_archived?: boolean;
  client_fk?: number | null;
  billable?: boolean;
  budget_hours?: number | null;
  budget_amount?: number | null;
  budget_period?: "total" | "month";
};

/** The budget's use now: money only for superusers (decided in SQL). */
export const projectBudget = (db: Db, id: number, viewerId: number) =>
  db
    .selectFrom("project")
    .select(sql<unknown>`project_budget_json(project, user_is_superuser(${viewerId}::int))`.as("body"))
    .where("id", "=", id);

export const insertProject = (db: Db, values: Values) => db.insertInto("project").values(values).returning(body);

export const updateProject = (db: Db, id: number, patch: Partial<Values>) =>
  db.updateTable("project").set(patch).where("id", "=", id).returning(body);

export const deleteProject = (db: Db, id: number) =>
  db.deleteFrom("project").where("id", "=", id).returning(sql<unknown>`NULL::jsonb`.as("body"));
