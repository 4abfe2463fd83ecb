// Incremental sync: every change to a person's logs after a cursor (creations, edits, deletions as
// tombstones, and logs whose lock changed), up to the snapshot's xmin so late commits are not skipped.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Compilable } from "kysely";
import { access } from "../auth/middleware";
import { read } from "../db/request";
import { json } from "../lib/openapi";
import { type AppEnv, createRouter } from "../lib/router";
import { problems, queryId } from "../lib/schemas";
import * as q from "./queries";
import { SyncPage } from "./schemas";

export async function syncPage(
  c: Context<AppEnv>,
  userId: number,
  since: string,
  limit: number,
  checks: Compilable<unknown>[],
): Promise<z.infer<typeof SyncPage>> {
  const { db } = c.get("database");
  const [xid = "0", id = "0"] = since.split(".");
  const { results } = await read(c, [q.lockedBefore(db), q.changesSince(db, userId, { xid, id: Number(id) }, limit)], {
    checks,
  });
  const [lock, changed] = results;
  const rows = changed.filter((r) => r.xid !== null);
  const page = rows.slice(0, limit);
  const has_more = rows.length > limit;
  const last = page.at(-1);
  const next_cursor = has_more && last ? `${last.xid}.${last.id}` : `${changed[0]?.upper ?? xid}.0`;
  const changes = page.map((r) => ({ id: r.id, deleted: r.deleted === true, log: r.log, deleted_at: r.deleted_at }));
  return { changes, next_cursor, has_more, locked_before: lock[0]?.locked_before ?? null };
}

const SyncQuery = z.object({
  since: z
    .string()
    .regex(/^\d{1,20}\.\d{1,10}$/, "a next_cursor from an earlier sync, or 0.0 for everything")
    .default("0.0")
    .openapi({ description: "next_cursor of the previous sync; 0.0 (the default) for everything" }),
  user_fk: queryId().optional().openapi({ description: "someone you manage (or anyone, superusers)" }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** Mounted under /timelog, before the routes with /{id}. */
export const sync = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/changes",
    tags: ["timelog"],
    summary: "Incremental sync: every change to your logs after a cursor (one response shape)",
    description:
      "Creations and edits carry the log; deletions are tombstones (deleted, deleted_at). Start with since=0.0, then pass next_cursor back as since; has_more says whether to ask again at once. user_fk: someone you manage, or anyone for a superuser (403 otherwise).",
    ...access({ scope: "timelog:read" }),
    request: { query: SyncQuery },
    responses: { 200: json(SyncPage, "A page of changes"), ...problems(401, 403, 422) },
  }),
  async (c) => {
    const { since, user_fk, limit } = c.req.valid("query");
    const me = c.get("auth").userId;
    const userId = user_fk ?? me;
    const checks = userId === me ? [] : [q.assertMayActFor(c.get("database").db, me, userId)];
    return c.json(await syncPage(c, userId, since, limit, checks), 200);
  },
);
