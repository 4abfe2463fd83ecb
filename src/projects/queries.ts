import { type Kysely, sql } from "kysely";
import { removed } from "../db/client";
import type { Database } from "../db/schema";
import type { Project, ProjectBudget } from "./schemas";

type Db = Kysely<Database>;
/** A project as the API shows it (project_json); the money budget only for superusers, in SQL. */
const visible = (viewerId: number) =>
  sql<Project>`project_json(project, user_is_superuser(${viewerId}::int))`.as("body");
/** Writes are superusers' own: project_json(project) shows the money budget. */
const body = sql<Project>`project_json(project)`.as("body");

export function listProjects(
  db: Db,
  viewerId: number,
  opts: { after?: number; limit: number; archived?: boolean; client?: number },
) {
  let q = db
    .selectFrom("project")
    .select(["id", visible(viewerId)])
    .orderBy("id")
    .limit(opts.limit + 1);
  if (opts.after !== undefined) q = q.where("id", ">", opts.after);
  if (opts.archived !== undefined) q = q.where("is_archived", "=", opts.archived);
  if (opts.client !== undefined) q = q.where("client_fk", "=", opts.client);
  return q;
}

export const findProject = (db: Db, id: number, viewerId: number) =>
  db.selectFrom("project").select(visible(viewerId)).where("id", "=", id);

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
    .select(sql<ProjectBudget>`project_budget_json(project, user_is_superuser(${viewerId}::int))`.as("body"))
    .where("id", "=", id);

export const insertProject = (db: Db, values: Values) => db.insertInto("project").values(values).returning(body);

export const updateProject = (db: Db, id: number, patch: Partial<Values>) =>
  db.updateTable("project").set(patch).where("id", "=", id).returning(body);

export const deleteProject = (db: Db, id: number) => db.deleteFrom("project").where("id", "=", id).returning(removed);
