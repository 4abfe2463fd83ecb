// Password reset: each step one statement, the rules in SQL (migrations/0037).
import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema";

type Db = Kysely<Database>;

/** Budget, then (for a live account) older resets end, a new token starts, its email is queued. */
export const requestReset = (db: Db, email: string, client: string, token: string, hash: string) =>
  db.selectNoFrom(sql<null>`password_reset_request(${email}, ${client}, ${token}, ${hash})`.as("requested"));

/** The client's confirm budget and whether the token is live (410 link_invalid), before hashing. */
export const checkReset = (db: Db, hash: string, client: string) =>
  db.selectNoFrom(sql<boolean>`password_reset_check(${hash}, ${client})`.as("live"));

/** Spends the token and sets the password; every login and API token of the account ends. */
export const applyReset = (db: Db, hash: string, passwordHash: string) =>
  db.selectNoFrom(sql<null>`password_reset_apply(${hash}, ${passwordHash})`.as("applied"));
