import { type Kysely, sql } from "kysely";
import { removed } from "../db/client";
import type { Database } from "../db/schema";
import type { ApiToken } from "./schemas";

type Db = Kysely<Database>;

const tokenJson = sql<ApiToken>`jsonb_build_object('id', api_token.id, 'user_fk', api_token.user_fk,
  'name', api_token.name, 'scopes', to_jsonb(api_token.scopes), 'prefix', api_token.prefix,
  'created_at', api_time(api_token.created_at), 'last_used_at', api_time(api_token.last_used_at),
  'expires_at', api_time(api_token.expires_at))`.as("body");

export const insertToken = (
  db: Db,
  v: { user_fk: number; name: string; scopes: string[]; prefix: string; token_hash: string; expires_at?: string },
) => db.insertInto("api_token").values(v).returning(tokenJson);

/** Live tokens (not revoked), by id; one user's, or everyone's (superusers). */
export function listTokens(db: Db, userId: number | undefined, after: number | undefined, limit: number) {
  let q = db
    .selectFrom("api_token")
    .select(["api_token.id", tokenJson])
    .where("api_token.revoked_at", "is", null)
    // An OAuth grant's tokens are listed as the app they belong to (/users/me/apps).
    .where("api_token.grant_fk", "is", null)
    .orderBy("api_token.id")
    .limit(limit + 1);
  if (userId !== undefined) q = q.where("api_token.user_fk", "=", userId);
  if (after !== undefined) q = q.where("api_token.id", ">", after);
  return q;
}

export function revokeToken(db: Db, id: number, userId: number | undefined) {
  let q = db
    .updateTable("api_token")
    .set({ revoked_at: sql`now()` })
    .where("id", "=", id)
    .where("revoked_at", "is", null);
  if (userId !== undefined) q = q.where("user_fk", "=", userId);
  return q.returning(removed);
}
