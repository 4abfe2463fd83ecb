// What the OpenAPI document says beyond the routes themselves: tags, servers, security schemes,
// and an operationId for every operation (generators name methods after them), derived from the
// method and path so they stay stable as long as the routes do.
import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { COMMON_HEADERS, problems } from "./schemas";

export const TAGS = [
  { name: "health", description: "Is the service up" },
  { name: "users", description: "Accounts, sign-in, sessions and user admin" },
  { name: "tokens", description: "API tokens for scripts and services" },
  { name: "positions", description: "Positions: titles, expected weekly hours, salaries (superusers)" },
  { name: "clients", description: "Clients projects are done for" },
  { name: "projects", description: "Projects time is logged to, and their tasks" },
  { name: "tags", description: "Tags time logs carry" },
  { name: "rates", description: "The rate card: billable and cost rates, effective-dated (superusers)" },
  { name: "timelog", description: "Clocking in and out, time logs, sync" },
  // The sync feed (issue 24 §1, h-sync)
  { name: "sync", description: "One change feed over everything an offline-first app caches" },
  { name: "teams", description: "Teams, members and managers" },
  { name: "timesheets", description: "Weekly timesheets: submit, approve, reject, reopen" },
  { name: "reports", description: "Summaries and the CSV export" },
  { name: "audit", description: "The tamper-evident audit trail" },
  { name: "settings", description: "Company-wide settings and the payroll lock" },
  { name: "webhooks", description: "Signed notifications of changes to registered endpoints (superusers)" },
  // Issue 22 (h-hol): public holidays; the team absence calendar (the absences branch names this tag too).
  { name: "holidays", description: "Public holiday calendars and their days" },
  { name: "absences", description: "Absences: time off, its types, balances and the team calendar" },
  // Issue 22 §3
  { name: "work-schedules", description: "Hours per weekday for positions and people, effective-dated" },
  { name: "time-account", description: "The working-time account: expected, worked, credited, balance per day" },
  // Issue 23 §1 (h-mail)
  { name: "emails", description: "The email outbox: what was sent, what waits, what failed (superusers)" },
  // Issue 23 §2 (h-inv)
  { name: "invitations", description: "Inviting people to create their account by email" },
  // Issue 24 §4 (h-cal)
  {
    name: "calendar",
    description: "Calendar feeds (.ics) for calendar apps: your time logs and absences, a team's absences",
  },
  // Issue 25 §2 (h-oauth)
  { name: "oauth", description: "OAuth 2.1 for assistants and apps: discovery, registration, consent, tokens" },
];

const pascal = (s: string) =>
  s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]?.toUpperCase() + w.slice(1))
    .join("");

/** GET /timelog/{id}/history → getTimelogByIdHistory; POST /timelog/ → postTimelog. */
export function operationIdOf(method: string, path: string): string {
  const parts = path
    .split("/")
    .filter(Boolean)
    .map((seg) => (seg.startsWith("{") ? `By${pascal(seg.slice(1, -1))}` : pascal(seg)));
  return `${method.toLowerCase()}${parts.join("") || "Root"}`;
}

// biome-ignore lint/suspicious/noExplicitAny: any OpenAPIHono, whatever its env
export function finishDocument(app: OpenAPIHono<any>) {
  // The problems every route may add, built once (not once per route at start-up).
  const { 403: forbidden, 409: conflict, 429: limited } = problems(403, 409, 429) as Record<number, unknown>;
  for (const def of app.openAPIRegistry.definitions) {
    if (def.type !== "route") continue;
    def.route.operationId ??= operationIdOf(def.route.method, def.route.path);
    // Each route's security, x-required-scope and x-required-role come from its access()
    // declaration (src/auth/middleware.ts; public ones: no requirement at all, not "inherit the
    // default"). One without a declaration fails test/foundation/access.test.ts.
    def.route.security ??= [];
    const responses = def.route.responses as Record<string, unknown>;
    // Any signed-in route may refuse a token's scope (insufficient_scope) or a cookie's origin
    // (csrf_rejected), and any route may be over its rate limit: say so on each operation.
    if (def.route.security.length > 0) responses[403] ??= forbidden;
    responses[429] ??= limited;
    // A write that takes an Idempotency-Key may meet its own retry still running (409
    // idempotency_in_progress).
    const headers = (def.route.request?.headers as { shape?: Record<string, unknown> } | undefined)?.shape;
    if (headers && "idempotency-key" in headers) responses[409] ??= conflict;
    // A 201 says where the new resource lives (src/lib/location.ts sets it).
    const created = responses[201] as { headers?: z.ZodObject } | undefined;
    if (created?.headers) {
      created.headers = created.headers.extend({
        Location: z.string().openapi({ description: "the path of the created resource, e.g. /timelog/42" }),
      });
    }
  }
  conditionalRequests(app);
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT access token, or an API token tl_pat_…",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "cookie", {
    type: "apiKey",
    in: "cookie",
    name: "auth_cookie",
    description: "Browsers: the access token as a cookie (unsafe methods need an allowed Origin)",
  });
}

// Conditional requests (issue 24 §3, h-etag), documented the same way for every route: a GET's 200
// carries ETag and the GET takes If-None-Match (→ 304 with no body); a write that declares If-Match
// (ConditionalWriteHeaders in src/lib/schemas.ts) may answer 412 and its 200/201 carries the new ETag.
const etagHeader = z.string().openapi({
  description:
    'the entity tag of this answer, e.g. "5d41402abc4b2a76b9719d911017c592": send it back as If-None-Match, or as If-Match on a write',
});
const ifNoneMatch = z.string().optional().openapi({
  description: "ETags the client holds (or *): 304 Not Modified without a body when the answer would be the same",
});

// biome-ignore lint/suspicious/noExplicitAny: any OpenAPIHono, whatever its env
function conditionalRequests(app: OpenAPIHono<any>) {
  const { 412: failed } = problems(412) as Record<number, unknown>;
  const plainHeaders = z.object({ "if-none-match": ifNoneMatch });
  const tagged = new Map<unknown, z.ZodObject>();
  const withEtag = (headers: z.ZodObject | undefined) => {
    let extended = tagged.get(headers);
    if (!extended) {
      extended = (headers ?? z.object({})).extend({ ETag: etagHeader });
      tagged.set(headers, extended);
    }
    return extended;
  };
  let notModified: unknown;
  for (const def of app.openAPIRegistry.definitions) {
    if (def.type !== "route") continue;
    const route = def.route;
    const responses = route.responses as Record<string, { headers?: z.ZodObject } | undefined>;
    const headers = route.request?.headers as z.ZodObject | undefined;
    if (route.method === "get" && responses[200]) {
      route.request = {
        ...route.request,
        headers: headers ? headers.extend({ "if-none-match": ifNoneMatch }) : plainHeaders,
      };
      responses[200] = { ...responses[200], headers: withEtag(responses[200]?.headers) };
      notModified ??= {
        description: "Not Modified: the If-None-Match named the current ETag (no body)",
        headers: withEtag(z.object(COMMON_HEADERS)),
      };
      responses[304] = notModified as never;
    }
    if (headers?.shape && "if-match" in headers.shape) {
      responses[412] ??= failed as never;
      for (const status of ["200", "201"]) {
        const ok = responses[status];
        if (ok) responses[status] = { ...ok, headers: withEtag(ok.headers) };
      }
    }
  }
}

const INT32 = 2 ** 31 - 1;

/**
 * The document as served: every integer says its width (format int32 when its bounds fit, int64
 * otherwise), since Kotlin and Java generators map a format-less integer to a 32-bit Int.
 */
export function withIntegerFormats<T>(doc: T): T {
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== "object") return;
    const schema = node as Record<string, unknown>;
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (types.includes("integer") && schema.format === undefined) {
      const { minimum, maximum, enum: values } = schema as { minimum?: number; maximum?: number; enum?: number[] };
      const lo = values ? Math.min(...values) : minimum;
      const hi = values ? Math.max(...values) : maximum;
      const fits = lo !== undefined && hi !== undefined && lo >= -INT32 - 1 && hi <= INT32;
      schema.format = fits ? "int32" : "int64";
    }
    for (const value of Object.values(schema)) walk(value);
  };
  walk(doc);
  return doc;
}
