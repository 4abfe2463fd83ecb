// The team absence calendar: one statement, the body built by absence_calendar_json() (0028).
import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema";
import type { AbsenceCalendar } from "./calendar-schemas";

type Db = Kysely<Database>;

/**
 * A month of the team's absences, or no row (404) when the team does not exist or the viewer is
 * neither a superuser nor in the team: strangers learn nothing, not even that the team exists.
 */
export const teamCalendar = (db: Db, teamId: number, viewerId: number, month: string) =>
  db
    .selectFrom("team")
    .select(sql<AbsenceCalendar>`absence_calendar_json(team.id, ${viewerId}::int, ${`${month}-01`}::date)`.as("body"))
    .where("team.id", "=", teamId)
    .where(
      sql<boolean>`(user_is_superuser(${viewerId}::int)
        OR EXISTS (SELECT 1 FROM team_member v WHERE v.team_fk = team.id AND v.user_fk = ${viewerId}::int))`,
    );
