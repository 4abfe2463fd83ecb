// Export and erasure are one SQL function each (migrations/0041_gdpr_export_erasure.sql): one
// statement, so a big history is one round trip and the erasure is all or nothing.
import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema";
import type { User } from "../users/schemas";
import type { UserExport } from "./schemas";

type Db = Kysely<Database>;

/** No row when the viewer may not see the person (not themselves, not a superuser): a 404. */
export const exportUser = (db: Db, viewerId: number, userId: number) =>
  db.selectNoFrom(sql<UserExport | null>`user_export(${viewerId}::int, ${userId}::int)`.as("body"));

export const eraseUser = (db: Db, actorId: number, userId: number) =>
  db.selectNoFrom(sql<User | null>`user_erase(${actorId}::int, ${userId}::int)`.as("body"));
