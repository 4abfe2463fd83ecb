// The one Hono app: middleware that every request passes, the resources, the API document.
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { methodNotAllowed } from "hono/method-not-allowed";
import { secureHeaders } from "hono/secure-headers";
import { absenceBalances } from "./absences/balance-routes";
import { absenceCalendar } from "./absences/calendar-routes";
import { absences } from "./absences/routes";
import { absenceTypes } from "./absences/type-routes";
import { allTokens, myTokens } from "./api-tokens/routes";
import { audit, history } from "./audit/routes";
import { publicRoute } from "./auth/middleware";
import { wellKnown } from "./auth/routes";
import { sessions } from "./auth/session-routes";
// Calendar feeds (issue 24 §4, h-cal)
import { calendarFeed } from "./calendar/feed-routes";
import { myCalendarFeed, teamCalendarFeed } from "./calendar/routes";
import { clients } from "./clients/routes";
import { company } from "./company/routes";
import { configOf } from "./config";
import { createDb } from "./db/client";
import { fromDbError } from "./db/errors";
import { docs } from "./docs/routes";
// Email (issue 23 §1) and password reset (§3), h-mail.
import { deliverEmailsSoon, noteEmailsQueued } from "./email/dispatch";
import { emails } from "./email/routes";
// Export and erasure (issue 23 §6, h-gdpr)
import { gdpr } from "./gdpr/routes";
import { health } from "./health/routes";
import { holidays } from "./holidays/routes";
// Invitations, email verification and change (issue 23 §2, h-inv)
import { acceptInvitation } from "./invitations/accept-routes";
import { invitations } from "./invitations/routes";
// Conditional reads (issue 24 §3, h-etag)
import { conditional } from "./lib/conditional";
import { ApiError, problem, toApiError } from "./lib/errors";
import { location } from "./lib/location";
import { finishDocument, TAGS, withIntegerFormats } from "./lib/openapi-doc";
import { createRouter } from "./lib/router";
// The MCP server for assistants (issue 25 §1, h-mcp)
import { mcp } from "./mcp/routes";
// OAuth 2.1 for assistants and apps (issue 25 §2, h-oauth)
import { myApps } from "./oauth/apps-routes";
import { oauthAuthorize } from "./oauth/authorize-routes";
import { oauthMetadata } from "./oauth/metadata-routes";
import { oauthRegister } from "./oauth/register-routes";
import { oauthTokens } from "./oauth/token-routes";
import { positions } from "./positions/routes";
import { projects } from "./projects/routes";
import { rates } from "./rates/routes";
// Reminders and notification settings (issue 23 §5, h-rem)
import { notifications } from "./reminders/routes";
// Breaks and working-time compliance (issue 22 §4).
import { compliance } from "./reports/compliance-routes";
import { reports } from "./reports/routes";
// One change feed for mobile apps (issue 24 §1, h-sync)
import { sync as syncFeed } from "./sync/routes";
import { tagRoutes } from "./tags/routes";
import { tasks } from "./tasks/routes";
import { teams } from "./teams/routes";
import { timeAccount } from "./time-account/routes";
// Offline writes (issue 24 §2, h-offline)
import { batch as timelogBatch } from "./timelog/batch";
import { timelog } from "./timelog/routes";
// Who is clocked in now (issue 25 §1, h-mcp): before /timelog/{id}
import { running } from "./timelog/running";
import { sync } from "./timelog/sync";
import { timesheets } from "./timesheets/routes";
// Two-factor sign-in (issue 23 §4, h-otp)
import { twoFactorReset } from "./two-factor/reset-routes";
import { twoFactor } from "./two-factor/routes";
import { emailRoutes } from "./users/email-routes";
import { passwordReset } from "./users/password-reset-routes";
import { users } from "./users/routes";
import { deliverSoon } from "./webhooks/dispatch";
import { documentWebhookEvents } from "./webhooks/events";
import { webhooks } from "./webhooks/routes";
import { noteQueued } from "./webhooks/signal";
import { workSchedules } from "./work-schedules/routes";

export const MAX_BODY_BYTES = 64 * 1024;

export const app = createRouter();

// A client's X-Request-Id is kept (echoed, logged, stored in audit events) only in a plain form:
// 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit. Anything else is
// replaced by our own id rather than stored as the client wrote it.
const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
app.use(async (c, next) => {
  const given = c.req.header("x-request-id");
  const id = given !== undefined && REQUEST_ID.test(given) ? given : crypto.randomUUID();
  c.set("requestId", id);
  c.header("X-Request-Id", id);
  await next();
});
app.use(secureHeaders());
// Answers carry tokens or someone's data: no cache may keep them, shared or private, unless a route
// says otherwise (the public JWKS), or they are successful GETs a client may keep and revalidate
// (src/lib/conditional.ts).
app.use(async (c, next) => {
  c.header("Cache-Control", "no-store");
  await next();
});
// Conditional reads (issue 24 §3, h-etag): ETag on every successful GET, If-None-Match → 304, and
// `private, no-cache` for the GETs a client may keep (src/lib/conditional.ts).
app.use(conditional);
app.use(async (c, next) => {
  const settings = configOf(c.env);
  c.set("config", settings);
  // Only listed origins get CORS headers at all, so credentials are never offered to others.
  const origin = c.req.header("origin");
  if (!origin || !settings.CORS_ORIGINS.includes(origin)) return next();
  return cors({
    origin,
    credentials: true,
    allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
    allowHeaders: [
      "Authorization",
      "Content-Type",
      "Idempotency-Key",
      "X-Request-Id",
      "If-None-Match",
      "If-Match",
      // h-lat (issue 24 §5): the read replica's read-your-writes bookmark (src/db/replica.ts).
      "Read-After",
      // Issue 25: browser-based MCP clients send the protocol version on every request to /mcp.
      "Mcp-Protocol-Version",
      ...settings.CORS_ALLOW_HEADERS,
    ],
    exposeHeaders: [
      "X-Request-Id",
      "Retry-After",
      "Location",
      "Idempotent-Replayed",
      "Content-Disposition",
      "WWW-Authenticate",
      "Allow",
      "ETag",
      "RateLimit",
      "RateLimit-Policy",
      // h-lat (issue 24 §5): a write's bookmark, for the client to send back as Read-After.
      "Read-After",
    ],
    maxAge: 600,
  })(c, next);
});
app.use(
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new ApiError("body_too_large", `The request body is over ${MAX_BODY_BYTES} bytes.`);
    },
  }),
);
app.use(
  methodNotAllowed({
    app,
    onMethodNotAllowed: (c, methods) =>
      problem(
        c,
        new ApiError("method_not_allowed", `${c.req.method} is not allowed here.`, {}, { Allow: methods.join(", ") }),
      ),
  }),
);
app.use(location);
app.use(async (c, next) => {
  c.set("database", createDb(c.get("config")));
  await next();
  // The write committed events to the outbox: deliver them now, after the response; the Cron
  // Trigger retries whatever this does not deliver.
  // It also leaves a note for the Cron Trigger, which reads notes, not the database (an idle
  // deployment makes no round trip: src/webhooks/signal.ts).
  if (c.get("webhooksQueued")) {
    c.executionCtx.waitUntil(Promise.all([deliverSoon(c.get("database"), c.get("config")), noteQueued(c.env.SIGNALS)]));
  }
  // The same for emails the write queued (src/email/dispatch.ts), with their own KV note.
  if (c.get("emailsQueued")) {
    c.executionCtx.waitUntil(
      Promise.all([
        deliverEmailsSoon(c.get("database"), c.get("config"), c.env.EMAIL),
        noteEmailsQueued(c.env.SIGNALS),
      ]),
    );
  }
});

app.route("/health", health);
app.route("/users", sessions);
// Email (issue 23 §1) and password reset (§3), h-mail: before /users/{id}.
app.route("/users", passwordReset);
app.route("/emails", emails);
app.route("/users", users);
app.route("/users", myTokens);
// Invitations, email verification and change (issue 23 §2, h-inv)
app.route("/users", emailRoutes);
app.route("/invitations", acceptInvitation);
app.route("/invitations", invitations);
// Export and erasure (issue 23 §6, h-gdpr)
app.route("/users", gdpr);
app.route("/tokens", allTokens);
app.route("/positions", positions);
app.route("/clients", clients);
app.route("/projects", projects);
app.route("/projects", tasks);
app.route("/tags", tagRoutes);
app.route("/rates", rates);
app.route("/timelog", sync);
app.route("/timelog", timelogBatch); // Offline writes (issue 24 §2, h-offline)
// Who is clocked in now (issue 25 §1, h-mcp): before /timelog/{id}
app.route("/timelog", running);
// One change feed for mobile apps (issue 24 §1, h-sync)
app.route("/sync", syncFeed);
app.route("/timelog", timelog);
app.route("/timelog", history);
app.route("/teams", teams);
app.route("/timesheets", timesheets);
app.route("/audit", audit);
app.route("/reports", reports);
// Breaks and working-time compliance (issue 22 §4).
app.route("/reports", compliance);
app.route("/settings", company);
app.route("/webhooks", webhooks);
// Issue 22 §2 (h-hol): holiday calendars; the team absence calendar, mounted BEFORE any
// /absences/{id} route so that "calendar" is never read as an id.
app.route("/holiday-calendars", holidays);
app.route("/absences", absenceCalendar);
app.route("/.well-known", wellKnown);
// Absences (issue 22 §1). A team calendar at /absences/calendar must be mounted before these:
// GET /absences/{id} would take "calendar" for an id.
app.route("/absence-types", absenceTypes);
app.route("/absences", absences);
app.route("/users", absenceBalances);
// Issue 22 §3: work schedules and the working-time account
app.route("/work-schedules", workSchedules);
app.route("/users", timeAccount);
// Reminders and notification settings (issue 23 §5, h-rem)
app.route("/users", notifications);
// Two-factor sign-in (issue 23 §4, h-otp): /users/me/totp and /users/login/otp
app.route("/users", twoFactor);
app.route("/users", twoFactorReset);
// Calendar feeds (issue 24 §4, h-cal): made under /users/me and /teams/{id}, read at /calendar.
app.route("/users", myCalendarFeed);
app.route("/teams", teamCalendarFeed);
app.route("/calendar", calendarFeed);
// The MCP server for assistants (issue 25 §1, h-mcp): outside the API document, like /docs.
app.route("/mcp", mcp);
// OAuth 2.1 for assistants and apps (issue 25 §2, h-oauth): discovery, registration, consent,
// tokens, and the connected apps under /users/me/apps
app.route("/.well-known", oauthMetadata);
app.route("/oauth", oauthRegister);
app.route("/oauth", oauthAuthorize);
app.route("/oauth", oauthTokens);
app.route("/users", myApps);

finishDocument(app);
documentWebhookEvents(app.openAPIRegistry);
// Built on the first request for it, then kept for the isolate's life: it cannot change.
let document: unknown;
app.get("/openapi.json", publicRoute, (c) => {
  document ??= withIntegerFormats(
    app.getOpenAPI31Document({
      openapi: "3.1.0",
      info: {
        title: "TimeLog API",
        version: "0.2.0",
        description: "Clock in and out of projects; see who worked on what, when.",
      },
      servers: [{ url: "/", description: "this deployment" }],
      tags: TAGS,
    }),
  );
  return c.json(document);
});
app.route("/docs", docs);

app.notFound((c) => problem(c, new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}.`)));
app.onError((err, c) => {
  const apiError = err instanceof ApiError ? err : (fromDbError(err) ?? toApiError(err, c.get("requestId")));
  return problem(c, apiError);
});
