// GET /sync: one change feed over everything a mobile app caches (issue 24 §1). Without a cursor
// it pages through a full snapshot, then carries on with changes from the moment the snapshot
// started; every page is one round trip.
import { createRoute, type z } from "@hono/zod-openapi";
import { access } from "../auth/middleware";
import { read } from "../db/request";
import { ApiError } from "../lib/errors";
import { json } from "../lib/openapi";
import { createRouter } from "../lib/router";
import { problems } from "../lib/schemas";
import { changesCursor, decode, snapshotCursor } from "./cursor";
import { changesPage, type PageRow, snapshotPage, TYPES } from "./queries";
import { type SyncChange, SyncFeed, SyncQuery } from "./schemas";

/** A row as the feed sends it; data is the database's *_json() of that type (see SyncChange). */
const toChange = (r: PageRow) => {
  const type = TYPES[r.rank ?? 0];
  const id = r.key ?? "";
  const change = r.data === null ? { type, id, op: "delete" } : { type, id, op: "upsert", data: r.data, etag: r.etag };
  return change as z.infer<typeof SyncChange>;
};

export const sync = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["sync"],
    summary: "Everything your app caches, as a snapshot and then as changes (upserts and deletes)",
    description:
      "Without cursor: a full snapshot, a page at a time, then the changes since it began; with next_cursor: what " +
      "changed since. Apply each change to a cache keyed by type + id: upsert stores data (exactly what the " +
      "type's single GET shows; etag is its ETag), delete removes the key (deleted, or no longer yours to see). " +
      "has_more: ask again at once. A cursor this API did not give out is 422; one from another database " +
      "(a restore) is 410 cursor_expired: sync again without a cursor and replace the cache.",
    ...access({ scope: "timelog:read" }),
    request: { query: SyncQuery },
    responses: { 200: json(SyncFeed, "A page of changes"), ...problems(401, 410, 422) },
  }),
  async (c) => {
    const { cursor, limit } = c.req.valid("query");
    const at = decode(cursor);
    const { db } = c.get("database");
    const me = c.get("auth").userId;
    const query = at.phase === "s" ? snapshotPage(db, me, at.at, limit) : changesPage(db, me, at.at, limit);
    // The primary: a replica behind the cursor's xid would answer 410 cursor_expired (review r3).
    const { results } = await read(c, [query], { primary: true });
    const [rows] = results;
    const head = rows[0];
    if (head?.future)
      throw new ApiError("cursor_expired", "This cursor is from another database: sync again without one.");
    const found = rows.filter((r) => r.rank !== null);
    const page = found.slice(0, limit);
    const more = found.length > limit;
    const last = page.at(-1);
    const upper = head?.upper ?? "0";
    let next: string;
    if (at.phase === "s") {
      // The snapshot's first page fixes where the changes start: its xmin (anything not yet
      // committed then has an xid at or above it, so the change phase re-reads it).
      const since = cursor === undefined ? upper : at.since;
      next =
        more && last
          ? snapshotCursor(since, { rank: last.rank ?? 0, a: last.a ?? "0", b: last.b ?? "0" })
          : changesCursor({ xid: since, rank: -1, key: "" });
      // At the snapshot's end the changes made meanwhile are still to come: has_more stays true.
      return c.json({ changes: page.map(toChange), next_cursor: next, has_more: true }, 200);
    }
    next =
      more && last
        ? changesCursor({ xid: last.xid ?? upper, rank: last.rank ?? 0, key: last.key ?? "" })
        : changesCursor({ xid: upper, rank: -1, key: "" });
    return c.json({ changes: page.map(toChange), next_cursor: next, has_more: more }, 200);
  },
);
