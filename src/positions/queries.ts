import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema";

type Db = Kysely<Database>;
const COLUMNS = [
  "id",
  "title",
  "description",
  "salary",
  "open_for_registration",
  sql<number>`weekly_hours::float8`.as("weekly_hours"),
] as const;
type Fields = {
  title?: string;
  description?: string | null;
  salary?: number;
  open_for_registration?: boolean;
  weekly_hours?: number;
};

/** Salaries are read for superusers only: NULL for everyone else, in the query itself. */
const visibleColumns = (viewerId: number) => [
  ...COLUMNS.filter((col) => col !== "salary"),
  sql<number | null>`CASE WHEN user_is_superuser(${viewerId}::int) THEN salary END`.as("salary"),
];

export function listPositions(db: Db, viewerId: number, after: number | undefined, limit: number) {
  const q = db
    .selectFrom("position")
    .select(visibleColumns(viewerId))
    .orderBy("id")
    .limit(limit + 1);
  return after === undefined ? q : q.where("id", ">", after);
}

export const findPosition = (db: Db, viewerId: number, id: number) =>
  db.selectFrom("position").select(visibleColumns(viewerId)).where("id", "=", id);

export const insertPosition = (db: Db, values: Fields & { title: string }) =>
  db.insertInto("position").values(values).returning(COLUMNS);

export const updatePosition = (db: Db, id: number, patch: Fields) =>
  db.updateTable("position").set(patch).where("id", "=", id).returning(COLUMNS);

export const deletePosition = (db: Db, id: number) => db.deleteFrom("position").where("id", "=", id).returning("id");
