import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema";
import type { CompanySettings, UpdateSettings } from "./schemas";

type Db = Kysely<Database>;
/** The settings as the API shows them, built by the database's company_settings_json(). */
const body = sql<CompanySettings>`company_settings_json(company_settings)`.as("body");

export const readSettings = (db: Db) => db.selectFrom("company_settings").select(body);

export const updateSettings = (db: Db, { break_rules, ...patch }: UpdateSettings) =>
  db
    .updateTable("company_settings")
    .set({ ...patch, ...(break_rules ? { break_rules: sql`${JSON.stringify(break_rules)}::jsonb` } : {}) })
    .returning(body);

/** The lock is moved by the database's company_set_lock(), which waits for time-log writes in flight. */
export const setLock = (db: Db, lockedBefore: string | null) =>
  db.selectNoFrom(sql`company_set_lock(${lockedBefore}::timestamptz)`.as("locked_before"));
