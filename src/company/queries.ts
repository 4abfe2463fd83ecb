import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema";

type Db = Kysely<Database>;
const COLUMNS = ["timelog_earliest", "timelog_max_seconds", "default_time_zone", "locked_before", "currency"] as const;

export const readSettings = (db: Db) => db.selectFrom("company_settings").select(COLUMNS);

export const updateSettings = (
  db: Db,
  patch: { timelog_earliest?: string; timelog_max_seconds?: number; default_time_zone?: string; currency?: string },
) => db.updateTable("company_settings").set(patch).returning(COLUMNS);

/** The lock is moved by the database's company_set_lock(), which waits for time-log writes in flight. */
export const setLock = (db: Db, lockedBefore: string | null) =>
  db.selectNoFrom(sql`company_set_lock(${lockedBefore}::timestamptz)`.as("locked_before"));

export const settingsBody = (db: Db) =>
  db.selectFrom("company_settings").select(
    sql<unknown>`jsonb_build_object('timelog_earliest', api_time(timelog_earliest),
        'timelog_max_seconds', timelog_max_seconds, 'default_time_zone', default_time_zone,
        'locked_before', api_time(locked_before), 'currency', currency)`.as("body"),
  );
