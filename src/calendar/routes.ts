// Making and revoking calendar feeds (issue 24 §4): your own (mounted under /users) and a team's
// absences for its managers (under /teams). Sessions only: a feed outlives any API token, so a
// token may not mint one.
import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { access } from "../auth/middleware";
import { commit, read } from "../db/request";
import { ApiError } from "../lib/errors";
import { json, noContent } from "../lib/openapi";
import { type AppEnv, createRouter } from "../lib/router";
import { IdempotencyHeader, IdParam, problems } from "../lib/schemas";
import { forgetFeed, newFeedToken } from "./cache";
import * as q from "./queries";
import { CalendarFeed } from "./schemas";

const tags = ["calendar"];
const noFeed = () => new ApiError("not_found", "You have no such calendar feed.");
const noTeam = () => new ApiError("not_found", "No such team.");

/** Creates or replaces the caller's feed; the answer holds the URL, which is never stored. */
async function create(c: Context<AppEnv>, team: number | null) {
  // A stored answer would keep the secret URL: a retry with a key is refused, not replayed.
  if (c.req.header("idempotency-key") !== undefined) {
    throw new ApiError(
      "idempotency_unsupported",
      "Creating a calendar feed does not take an Idempotency-Key (its answer holds the secret URL, which is never stored); create it again instead, which replaces it.",
    );
  }
  const { token, hash } = await newFeedToken();
  const query = q.setFeed(c.get("database").db, c.get("auth").userId, team, hash);
  const { results } = await read(c, [query], { write: true });
  const result = results[0][0]?.result;
  if (!result) throw noTeam();
  const origin = new URL(c.req.url).origin;
  // The replaced URL is dead in the database already; here it leaves this data centre's cache.
  await forgetFeed(origin, result.old_hash);
  const url = `${origin}/calendar/${token}.ics`;
  // What was created is managed (revoked) at the path it was made on: there is no id to name.
  c.header("Location", c.req.path.replace(/\/+$/, ""));
  return c.json({ ...result.body, url, webcal_url: url.replace(/^https?:/, "webcal:") }, 201);
}

async function revoke(c: Context<AppEnv>, team: number | null) {
  const query = q.revokeFeed(c.get("database").db, c.get("auth").userId, team);
  const done = await commit(c, [], query, 204);
  if (!done) throw noFeed();
  await forgetFeed(new URL(c.req.url).origin, done.body as string);
  return c.body(null, 204);
}

const CREATED =
  "The answer's url is the secret: anyone holding it reads the feed, so it is shown once and only its hash is kept. " +
  "Creating again replaces the feed (the old URL answers 404 at once here, within minutes everywhere: README, Calendar feeds). " +
  "No Idempotency-Key (422 idempotency_unsupported): a stored answer would keep the URL.";

export const myCalendarFeed = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/me/calendar-feed",
      tags,
      summary: "A secret calendar address (.ics) with your time logs and absences, for calendar apps",
      description: `Your time logs and requested and approved absences from 90 days back to 90 days ahead. ${CREATED}`,
      ...access({ scope: null }),
      responses: { 201: json(CalendarFeed, "The feed, with its secret URL"), ...problems(401, 403, 422) },
    }),
    (c) => create(c, null),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/me/calendar-feed",
      tags,
      summary: "Revoke your calendar feed: its URL answers 404",
      description: "404 when you have none.",
      ...access({ scope: null }),
      request: { headers: IdempotencyHeader },
      responses: { 204: noContent("Revoked"), ...problems(401, 403, 404, 422) },
    }),
    (c) => revoke(c, null),
  );

export const teamCalendarFeed = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/calendar-feed",
      tags,
      summary: "A secret calendar address (.ics) with a team's absences (its managers and superusers)",
      description:
        "Requested and approved absences of the team's members, 90 days back to 90 ahead, each reason shown as the absence calendar shows it to you (GET /absences/calendar): " +
        'for people you manage the type, otherwise "away"; never notes. A member who does not manage the team is 403; a team you are not in is 404 (superusers: any team). ' +
        `The feed stops (404) once you no longer manage the team or your account is deactivated (a copy already in the edge cache lives out its 5 minutes). ${CREATED}`,
      ...access({ scope: null }),
      request: { params: IdParam },
      responses: { 201: json(CalendarFeed, "The feed, with its secret URL"), ...problems(401, 403, 404, 422) },
    }),
    (c) => create(c, c.req.valid("param").id),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}/calendar-feed",
      tags,
      summary: "Revoke your feed of a team's absences",
      description: "404 when you have no feed of this team.",
      ...access({ scope: null }),
      request: { params: IdParam, headers: IdempotencyHeader },
      responses: { 204: noContent("Revoked"), ...problems(401, 403, 404, 422) },
    }),
    (c) => revoke(c, c.req.valid("param").id),
  );
