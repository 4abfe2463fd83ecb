import { type Kysely, sql } from "kysely";
import { removed } from "../db/client";
import type { Database } from "../db/schema";
import type { Task } from "./schemas";

type Db = Kysely<Database>;
const body = sql<Task>`task_json(task)`.as("body");

export const projectExists = (db: Db, id: number) => db.selectFrom("project").select("id").where("id", "=", id);

export function listTasks(db: Db, project: number, opts: { after?: number; limit: number; archived?: boolean }) {
  let q = db
    .selectFrom("task")
    .select(["id", body])
    .where("project_fk", "=", project)
    .orderBy("id")
    .limit(opts.limit + 1);
  if (opts.after !== undefined) q = q.where("id", ">", opts.after);
  if (opts.archived !== undefined) q = q.where("is_archived", "=", opts.archived);
  return q;
}

type Values = { name: string; is_archived?: boolean };
export const insertTask = (db: Db, project: number, v: Values) =>
  db
    .insertInto("task")
    .values({ ...v, project_fk: project })
    .returning(body);
/** One task as the API shows it: the version If-Match compares against (issue 24 §3). */
export const findTask = (db: Db, project: number, id: number) =>
  db.selectFrom("task").select(body).where("id", "=", id).where("project_fk", "=", project);
export const updateTask = (db: Db, project: number, id: number, v: Partial<Values>) =>
  db.updateTable("task").set(v).where("id", "=", id).where("project_fk", "=", project).returning(body);
export const deleteTask = (db: Db, project: number, id: number) =>
  db.deleteFrom("task").where("id", "=", id).where("project_fk", "=", project).returning(removed);
