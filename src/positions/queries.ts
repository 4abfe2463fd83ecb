import { type Kysely, type RawBuilder, sql } from "kysely";
import { removed } from "../db/client";
import type { Database } from "../db/schema";
import type { Position } from "./schemas";

type Db = Kysely<Database>;
/** A position as the API shows it (position_json); the salary only for superusers, decided in SQL. */
const body = (salary: RawBuilder<boolean>) => sql<Position>`position_json(position, ${salary})`.as("body");
const visible = (viewerId: number) => body(sql<boolean>`user_is_superuser(${viewerId}::int)`);
/** Writes are superusers' own: they see the salary they wrote. */
const written = body(sql<boolean>`true`);
type Fields = {
  title?: string;
  description?: string | null;
  salary?: number;
  open_for_registration?: boolean;
  weekly_hours?: number;
};

export function listPositions(db: Db, viewerId: number, after: number | undefined, limit: number) {
  const q = db
    .selectFrom("position")
    .select(["id", visible(viewerId)])
    .orderBy("id")
    .limit(limit + 1);
  return after === undefined ? q : q.where("id", ">", after);
}

export const findPosition = (db: Db, viewerId: number, id: number) =>
  db.selectFrom("position").select(visible(viewerId)).where("id", "=", id);

export const insertPosition = (db: Db, values: Fields & { title: string }) =>
  db.insertInto("position").values(values).returning(written);

export const updatePosition = (db: Db, id: number, patch: Fields) =>
  db.updateTable("position").set(patch).where("id", "=", id).returning(written);

export const deletePosition = (db: Db, id: number) => db.deleteFrom("position").where("id", "=", id).returning(removed);
