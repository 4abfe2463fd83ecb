import type { Kysely } from "kysely";
import type { Database } from "../db/schema";

type Db = Kysely<Database>;
const COLUMNS = ["timelog_earliest", "timelog_max_seconds"] as const;

export const readSettings = (db: Db) => db.selectFrom("company_settings").select(COLUMNS);

export const updateSettings = (db: Db, patch: { timelog_earliest?: string; timelog_max_seconds?: number }) =>
  db.updateTable("company_settings").set(patch).returning(COLUMNS);
