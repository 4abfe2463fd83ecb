// GET /calendar/{token}.ics: the feed a calendar app polls. Public: the token in the URL is the
// credential. One statement on a miss, none on an edge-cache hit; every refusal is the same 404.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { access, publicRoute } from "../auth/middleware";
import { anonymous } from "../db/request";
import { ApiError } from "../lib/errors";
import { countRequest } from "../lib/rate-limit";
import { type AppEnv, createRouter } from "../lib/router";
import { COMMON_HEADERS, problems } from "../lib/schemas";
import { cachedFeed, cacheFeed, FEED_TTL, feedHash } from "./cache";
import { toIcs } from "./ics";
import { feedByHash } from "./queries";
import { FeedToken } from "./schemas";

const route = createRoute({
  method: "get",
  path: "/{token}.ics",
  operationId: "getCalendarFeed",
  tags: ["calendar"],
  summary: "A calendar feed (iCalendar, RFC 5545), by its secret URL",
  description:
    "The URL from POST /users/me/calendar-feed or POST /teams/{id}/calendar-feed. No sign-in: the token is the credential. " +
    "An unknown or revoked token, a deactivated owner, or a team feed whose owner no longer manages the team: 404, all alike. " +
    `Kept at the edge and by the client for up to ${FEED_TTL} seconds (Cache-Control: private). HEAD answers the headers.`,
  ...access("public"),
  request: { params: FeedToken },
  responses: {
    200: {
      description: "The calendar",
      headers: z.object({
        ...COMMON_HEADERS,
        "Cache-Control": z.string().openapi({ description: `private, max-age=${FEED_TTL}` }),
      }),
      content: { "text/calendar": { schema: z.string() } },
    },
    ...problems(404),
  },
});

// The same problem for every refusal.
const gone = () => new ApiError("not_found", "No such calendar feed.");

/**
 * Any problem this route answers (404, 429, 500) names the template as its instance, not the path:
 * a problem never repeats a credential (the path holds the token), not even to the one who sent it.
 */
const withoutToken = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (c.res.headers.get("content-type") !== "application/problem+json") return;
  const body = { ...((await c.res.json()) as object), instance: "/calendar/{token}.ics" };
  c.res = new Response(JSON.stringify(body), { status: c.res.status, headers: c.res.headers });
});

function answer(c: Context<AppEnv>, ics: string) {
  return c.body(ics, 200, {
    "content-type": "text/calendar; charset=utf-8",
    "cache-control": `private, max-age=${FEED_TTL}`,
    "content-disposition": 'inline; filename="timelog.ics"',
  });
}

// access("public")'s middleware is publicRoute, given to the handler below.
const { middleware: _public, ...documented } = route;
export const calendarFeed = createRouter();
// Documented as /calendar/{token}.ics but routed by hand: the router's path parameters are whole
// segments, so the segment is read as a whole ("<token>.ics") and the suffix checked here.
calendarFeed.openAPIRegistry.registerPath(documented);
calendarFeed.get("/:token.ics", publicRoute, withoutToken, async (c) => {
  const segment = c.req.param("token.ics") ?? "";
  const hash = segment.endsWith(".ics") ? await feedHash(segment.slice(0, -4)) : undefined;
  if (hash === undefined) {
    await countRequest(c);
    throw gone();
  }
  const origin = new URL(c.req.url).origin;
  const hit = await cachedFeed(origin, hash);
  if (hit !== undefined) {
    await countRequest(c);
    return answer(c, hit);
  }
  const [rows] = await anonymous(c, [feedByHash(c.get("database").db, hash)]);
  const feed = rows[0]?.feed;
  if (!feed) throw gone();
  const ics = toIcs(feed, new URL(c.req.url).hostname);
  c.executionCtx.waitUntil(cacheFeed(origin, hash, ics));
  return answer(c, ics);
});
