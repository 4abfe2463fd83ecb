import { type Kysely, sql } from "kysely";
import { removed } from "../db/client";
import type { Database } from "../db/schema";
import type { Rate } from "./schemas";

type Db = Kysely<Database>;
const body = sql<Rate>`rate_json(rate)`.as("body");

export interface RateFilter {
  kind?: "billable" | "cost";
  project_fk?: number;
  user_fk?: number;
  position_fk?: number;
}

export function listRates(db: Db, f: RateFilter, after: number | undefined, limit: number) {
  let q = db
    .selectFrom("rate")
    .select(["id", body])
    .orderBy("id")
    .limit(limit + 1);
  if (f.kind !== undefined) q = q.where("kind", "=", f.kind);
  if (f.project_fk !== undefined) q = q.where("project_fk", "=", f.project_fk);
  if (f.user_fk !== undefined) q = q.where("user_fk", "=", f.user_fk);
  if (f.position_fk !== undefined) q = q.where("position_fk", "=", f.position_fk);
  if (after !== undefined) q = q.where("id", ">", after);
  return q;
}

export const insertRate = (
  db: Db,
  v: RateFilter & { kind: "billable" | "cost"; amount: number; effective_from: string },
) => db.insertInto("rate").values(v).returning(body);

export const deleteRate = (db: Db, id: number) => db.deleteFrom("rate").where("id", "=", id).returning(removed);
