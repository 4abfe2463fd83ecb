import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema";
import type { Notifications, UpdateNotifications } from "./schemas";

type Db = Kysely<Database>;

/** The settings as the API shows them (notification_json: every kind on without a row). */
export const readNotifications = (db: Db, userId: number) =>
  db.selectNoFrom(sql<Notifications>`notification_json(${userId}::int)`.as("body"));

/** The kinds given change, the others stay: one upsert (notification_set, migrations/0040). */
export const setNotifications = (db: Db, userId: number, patch: UpdateNotifications) =>
  db.selectNoFrom(
    sql<Notifications>`notification_set(${userId}::int, ${patch.timer_forgotten ?? null}::boolean, ${
      patch.timesheet_overdue ?? null
    }::boolean, ${patch.absence_pending ?? null}::boolean)`.as("body"),
  );
