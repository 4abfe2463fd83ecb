import { type Kysely, sql } from "kysely";
import { removed } from "../db/client";
import type { Database } from "../db/schema";
import type { Client } from "./schemas";

type Db = Kysely<Database>;
const body = sql<Client>`client_json(client)`.as("body");

export function listClients(db: Db, opts: { after?: number; limit: number; archived?: boolean }) {
  let q = db
    .selectFrom("client")
    .select(["id", body])
    .orderBy("id")
    .limit(opts.limit + 1);
  if (opts.after !== undefined) q = q.where("id", ">", opts.after);
  if (opts.archived !== undefined) q = q.where("is_archived", "=", opts.archived);
  return q;
}

export const findClient = (db: Db, id: number) => db.selectFrom("client").select(body).where("id", "=", id);

type Values = { name: string; is_archived?: boolean };
export const insertClient = (db: Db, v: Values) => db.insertInto("client").values(v).returning(body);
export const updateClient = (db: Db, id: number, v: Partial<Values>) =>
  db.updateTable("client").set(v).where("id", "=", id).returning(body);
export const deleteClient = (db: Db, id: number) => db.deleteFrom("client").where("id", "=", id).returning(removed);
