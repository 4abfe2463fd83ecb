import { createRoute } from "@hono/zod-openapi";
import { access } from "../auth/middleware";
import { read } from "../db/request";
import { ApiError } from "../lib/errors";
import { json } from "../lib/openapi";
import { decodeCursor, encodeCursor, invalidCursor, PageQuery, pageOf } from "../lib/page";
import { createRouter } from "../lib/router";
import { IdParam, problems } from "../lib/schemas";
import * as q from "./queries";
import { type AuditEvent, AuditPage, AuditQuery, Verification, VerifyQuery } from "./schemas";

const tags = ["audit"];

/** Audit ids are bigint: a cursor is the last id, up to 18 digits. */
function eventAfter(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const [id = ""] = decodeCursor(cursor, 1);
  if (!/^\d{1,15}$/.test(id)) throw invalidCursor();
  return Number(id);
}

const page = (rows: { id: string; body: AuditEvent }[], limit: number) => pageOf(rows, limit, (r) => [r.id]);

export const audit = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "Audit events, newest first (superusers: all; managers: the people they manage)",
      description: "Filter by from, to, actor_fk, user_fk and kind. Pass next_cursor back as cursor.",
      ...access({ scope: "timelog:read", heavy: true }),
      request: { query: AuditQuery },
      responses: { 200: json(AuditPage, "A page of events"), ...problems(401, 422) },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const filter = {
        viewerId: c.get("auth").userId,
        from: query.from,
        to: query.to,
        actorId: query.actor_fk,
        userId: query.user_fk,
        kind: query.kind,
        after: eventAfter(query.cursor),
        limit: query.limit,
      };
      const { results } = await read(c, [q.listEvents(c.get("database").db, filter)]);
      return c.json(page(results[0], query.limit), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/verify",
      tags,
      summary: "Verify the chains' hashes, a bounded page at a time (superusers)",
      description:
        "Superusers only (403). By default verifies the events written since each chain's last checkpoint " +
        "and moves the checkpoints when none is broken; from=start re-verifies every event from the first, " +
        "in pages (follow next_cursor), which is what finds an edit to an event older than a checkpoint. " +
        "ok is false when a stored event no longer matches its chain, and first_broken says where.",
      ...access({ scope: "timelog:read", role: "superuser", heavy: true }),
      request: { query: VerifyQuery },
      responses: { 200: json(Verification, "ok, or where a chain breaks"), ...problems(401, 403, 422) },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const full = query.cursor !== undefined || query.from === "start";
      const after = full ? (eventAfter(query.cursor) ?? 0) : undefined;
      const db = c.get("database").db;
      // A write: an incremental page records the checkpoints it reached, in the same round trip.
      const { results } = await read(c, [q.verifyPage(db, after, query.limit)], { write: true });
      const v = results[0][0]?.v;
      if (!v) throw new Error("audit_verify_page() answers one row");
      const broken = v.broken && {
        id: Number(v.broken.id),
        user_fk: v.broken.chain || null,
        seq: v.broken.seq,
        reason: v.broken.reason,
      };
      const through = v.through === null ? null : Number(v.through);
      return c.json(
        {
          ok: broken === null,
          mode: full ? ("full" as const) : ("checkpoint" as const),
          events: Number(v.events),
          chains: Number(v.chains),
          through_id: through,
          checkpoints: Number(v.checkpoints),
          complete: !v.more,
          next_cursor: full && v.more && through !== null ? encodeCursor(through) : null,
          first_broken: broken,
        },
        200,
      );
    },
  );

/** Mounted under /timelog. */
export const history = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/{id}/history",
    tags: ["timelog", ...tags],
    summary: "Every change to one time log, oldest first (its owner, their managers, superusers)",
    description:
      "Audit events of the log; 404 when there is no such log or it is not yours to see. Pass next_cursor back as cursor.",
    ...access({ scope: "timelog:read" }),
    request: { params: IdParam, query: PageQuery },
    responses: { 200: json(AuditPage, "A page of events"), ...problems(401, 404, 422) },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const query = q.logHistory(
      c.get("database").db,
      c.get("auth").userId,
      c.req.valid("param").id,
      eventAfter(cursor),
      limit,
    );
    const { results } = await read(c, [query]);
    if (results[0].length === 0) throw new ApiError("not_found", "No such time log, or none of yours to see.");
    return c.json(page(results[0], limit), 200);
  },
);
