import { type Kysely, sql } from "kysely";
import { removed } from "../db/client";
import type { Database } from "../db/schema";
import type { Tag } from "./schemas";

type Db = Kysely<Database>;
const body = sql<Tag>`tag_json(tag)`.as("body");

export function listTags(db: Db, opts: { after?: number; limit: number }) {
  let q = db
    .selectFrom("tag")
    .select(["id", body])
    .orderBy("id")
    .limit(opts.limit + 1);
  if (opts.after !== undefined) q = q.where("id", ">", opts.after);
  return q;
}

export const findTag = (db: Db, id: number) => db.selectFrom("tag").select(body).where("id", "=", id);
export const insertTag = (db: Db, name: string) => db.insertInto("tag").values({ name }).returning(body);
export const renameTag = (db: Db, id: number, name: string) =>
  db.updateTable("tag").set({ name }).where("id", "=", id).returning(body);
export const deleteTag = (db: Db, id: number) => db.deleteFrom("tag").where("id", "=", id).returning(removed);
