// Calendar feeds (issue 24 §4): every rule is in SQL (migrations/0050_calendar_feeds.sql).
import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema";
import type { Feed } from "./ics";
import type { CalendarFeed } from "./schemas";

type Db = Kysely<Database>;

/** Creates or replaces a feed (team null: the caller's own); no row's result: no such team (404). */
export const setFeed = (db: Db, actor: number, team: number | null, hash: string) =>
  db.selectNoFrom(
    sql<{
      body: Omit<CalendarFeed, "url" | "webcal_url">;
      old_hash: string | null;
    } | null>`calendar_feed_set(${actor}::int, ${team}::int, ${hash})`.as("result"),
  );

/** Revokes a feed: its hash as the body (to purge the edge cache), or no row when there was none. */
export const revokeFeed = (db: Db, actor: number, team: number | null) =>
  db
    .selectFrom(
      sql<{ hash: string | null }>`(SELECT calendar_feed_revoke(${actor}::int, ${team}::int) AS hash)`.as("r"),
    )
    .select(sql<string>`to_jsonb(r.hash)`.as("body"))
    .where(sql<boolean>`r.hash IS NOT NULL`);

/** A feed's content by its token's hash; null when the token opens nothing (404). */
export const feedByHash = (db: Db, hash: string) =>
  db.selectNoFrom(sql<Feed | null>`calendar_feed_json(${hash})`.as("feed"));
