// Hostile and edge-case inputs for every route, built from the route table below.
import fc from "fast-check";
import { inject } from "vitest";
import { app } from "../../src/app";

const RECENT = Date.parse("2026-01-01T00:00:00Z");

const dateStrings = fc.oneof(
  fc.integer({ min: RECENT - 400 * 86_400_000, max: RECENT + 300 * 86_400_000 }).map((t) => new Date(t).toISOString()),
  fc.constantFrom(
    "2026-01-01",
    "2026-02-30",
    "2026-01-01T00:00:00",
    "2026-01-01T25:00:00Z",
    "2026-01-01T00:00:00+14:00",
    "2026-01-01T00:00:00-12:00",
    "0000-01-01T00:00:00Z",
    "0001-01-01",
    "0001-01-01T00:00:00Z",
    "0099-12-31",
    "1901-12-31",
    "1999-12-31T23:00:00Z",
    "9999-12-31T23:59:59Z",
    "2026-03-29T02:30:00+01:00",
    "yesterday",
  ),
);

export const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "a\u0000b",
    "null",
    "NaN",
    "-1",
    "0",
    "1e309",
    "'; DROP TABLE timelog; --",
    "<script>alert(1)</script>",
    "=cmd|' /C calc'!A0",
    "\u202e\u200b\ufeff",
    "💥".repeat(300),
    "x".repeat(5000),
    "Europe/Berlin",
    "Mars/Olympus",
    "project,user,day",
    "open",
  ),
  dateStrings,
);

export const hostileNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1, 2, 3, 2 ** 31, 2 ** 31 - 1, 2 ** 53, 1.5, -0, 1e308),
);

export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: "small" },
  hostileString,
  hostileNumber,
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(hostileString, hostileNumber), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(hostileString, hostileNumber), { maxKeys: 3 }),
);

export interface Fixtures {
  projectIds: number[];
  logIds: () => number[];
  userIds: number[];
}

/** Values that are sometimes valid, so that some requests get through and change the state. */
function plausible(field: string, fx: Fixtures): fc.Arbitrary<unknown> {
  switch (field) {
    case "project_fk":
      return fc.oneof(fc.constantFrom(...fx.projectIds), hostileNumber);
    case "position_fk":
      return fc.oneof(fc.constant(1), hostileNumber);
    case "start_time":
    case "end_time":
    case "started_at":
    case "timelog_earliest":
    case "from":
    case "to":
      return dateStrings;
    case "note":
    case "description":
    case "secret_name":
    case "title":
    case "username":
      return fc.oneof(fc.string({ maxLength: 30 }), hostileString);
    case "email":
      return fc.oneof(fc.emailAddress(), hostileString);
    case "password":
    case "current_password":
      return fc.oneof(fc.string({ minLength: 8, maxLength: 20 }), hostileString);
    case "timelog_max_seconds":
      return fc.oneof(fc.integer({ min: -10, max: 40 * 86_400 }), hostileNumber);
    case "tz":
    case "time_zone":
    case "default_time_zone":
      return fc.constantFrom("UTC", "Europe/Berlin", "+05:00", "UTC+5", "PST", "Etc/GMT-5", "Mars/Base");
    case "locked_before":
      return fc.oneof(dateStrings, fc.constant(null));
    case "user_fk":
      return fc.oneof(fc.constantFrom(...fx.userIds), hostileNumber);
    case "role":
      return fc.oneof(fc.constantFrom("member", "manager"), hostileString);
    case "weekly_hours":
      return fc.oneof(fc.constantFrom(0, 37.5, 40, 168, 168.01, 0.001), hostileNumber);
    case "scopes":
      return fc.oneof(fc.subarray(["timelog:read", "timelog:write", "reports:read", "admin", "root"]), hostileValue);
    case "expires_at":
      return fc.oneof(dateStrings, fc.constant(null));
    case "name":
    case "comment":
      return fc.oneof(fc.string({ maxLength: 30 }), hostileString);
    case "is_archived":
    case "open_for_registration":
    case "is_active":
    case "is_superuser":
    case "is_verified":
      return fc.oneof(fc.boolean(), hostileValue);
    case "salary":
      return hostileNumber;
    case "url":
      return fc.oneof(
        fc.constantFrom(
          `${inject("webhookReceiver")}/hooks/fuzz`,
          "https://hooks.example.invalid/x",
          "http://example.com/hook",
          "http://[::1]:1/x",
          "file:///etc/passwd",
        ),
        hostileString,
      );
    case "kind":
      return fc.oneof(fc.constantFrom("billable", "cost"), hostileString);
    case "amount":
      return fc.oneof(fc.constantFrom(0, 1, 12_000, 100_000_000_000, 100_000_000_001, -1, 0.5), hostileNumber);
    case "effective_from":
      return fc.oneof(fc.constantFrom("2026-01-01", "0001-01-01", "9999-12-31", "2026-02-30"), hostileString);
    case "currency":
      return fc.oneof(fc.constantFrom("EUR", "USD", "eur", "EURO"), hostileString);
    case "tags":
      return fc.oneof(fc.array(fc.integer({ min: -1, max: 5 }), { maxLength: 4 }), hostileValue);
    case "billable":
      return fc.oneof(fc.boolean(), fc.constant(null), hostileValue);
    case "events":
      return fc.oneof(
        fc.subarray(["timelog.created", "timer.started", "user.created", "timelog.exploded"]),
        hostileValue,
      );
    case "status":
      return fc.oneof(fc.constantFrom("active", "paused", "failing"), hostileString);

    default:
      return hostileValue;
  }
}

export interface Route {
  method: string;
  path: string;
  body?: string[];
  query?: string[];
}

/**
 * Every operation in the OpenAPI document, with its body fields and query parameters: a new route
 * is fuzzed without anyone remembering to add it here.
 */
export const ROUTES: Route[] = routesOf(
  app.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "", version: "" } }) as unknown as OpenApi,
);

type Schema = { $ref?: string; properties?: Record<string, unknown>; allOf?: Schema[]; anyOf?: Schema[] };
interface Operation {
  parameters?: { in: string; name: string }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

interface OpenApi {
  paths?: Record<string, Record<string, Operation>>;
  components?: unknown;
}

function routesOf(doc: OpenApi): Route[] {
  const schemas = ((doc.components ?? {}) as { schemas?: Record<string, Schema> }).schemas ?? {};
  const fields = (schema: Schema | undefined): string[] => {
    if (!schema) return [];
    if (schema.$ref) return fields(schemas[schema.$ref.split("/").at(-1) ?? ""]);
    return [
      ...Object.keys(schema.properties ?? {}),
      ...(schema.allOf ?? []).flatMap(fields),
      ...(schema.anyOf ?? []).flatMap(fields),
    ];
  };
  return Object.entries(doc.paths ?? {}).flatMap(([path, operations]) =>
    Object.entries(operations)
      .filter(([method]) => ["get", "post", "put", "patch", "delete"].includes(method))
      .map(([method, op]) => {
        const body = [
          ...new Set(Object.values(op.requestBody?.content ?? {}).flatMap((content) => fields(content.schema))),
        ];
        const query = (op.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name);
        return {
          method: method.toUpperCase(),
          path,
          ...(body.length ? { body } : {}),
          ...(query.length ? { query } : {}),
        };
      }),
  );
}

export type Auth =
  | "user"
  | "admin"
  | "api-token"
  | "none"
  | "garbage"
  | "alg-none"
  | "refresh-as-access"
  | "duplicate"
  | "cookie";

export interface Case {
  route: Route;
  id: string;
  userId: string;
  week: string;
  /** A date segment ({date}) and a year segment ({year}) for issue 22's routes. */
  day: string;
  year: string;
  query: [string, string][];
  body: { kind: "json"; value: unknown } | { kind: "raw"; value: string } | { kind: "none" };
  contentType: string | undefined;
  auth: Auth;
  idempotencyKey: string | undefined;
}

/** Bodies that should be accepted, so that the state the other cases hit keeps changing. */
function validBody(route: Route, fx: Fixtures): fc.Arbitrary<Record<string, unknown>> | undefined {
  const project = fc.constantFrom(...fx.projectIds.slice(0, 2));
  const pastPair = fc
    .tuple(fc.integer({ min: 1, max: 300 * 24 * 60 }), fc.integer({ min: 1, max: 600 }))
    .map(([ago, len]) => {
      const start = Date.now() - ago * 60_000;
      return { start_time: new Date(start).toISOString(), end_time: new Date(start + len * 60_000).toISOString() };
    });
  const text = fc.string({ minLength: 1, maxLength: 20 });
  switch (`${route.method} ${route.path.replace(/(.)\/$/, "$1")}`) {
    case "POST /timelog":
      return fc.oneof(
        fc.record({ project_fk: project }),
        fc.tuple(project, pastPair).map(([project_fk, times]) => ({ project_fk, ...times })),
      );
    case "POST /timelog/switch":
      return fc.record({ project_fk: project });
    case "POST /timelog/close":
      return fc.constant({});
    case "PATCH /timelog/{id}":
      return fc.record({ note: text });
    case "POST /projects":
    case "PATCH /projects/{id}":
      return fc.record({ secret_name: text.map((t) => t.trim() || "x") });
    case "POST /positions":
      return fc.record({ title: text.map((t) => t.trim() || "x") });
    case "POST /teams":
      return fc.record({ name: text.map((t) => t.trim() || "x") });
    case "PUT /teams/{id}/members/{user_id}":
      return fc.record({ role: fc.constantFrom("member", "manager") });
    case "POST /timesheets/{week}/submit":
    case "POST /timesheets/{user_id}/{week}/approve":
      return fc.constant({});
    case "POST /timesheets/{user_id}/{week}/reject":
    case "POST /timesheets/{user_id}/{week}/reopen":
      return fc.record({ comment: text });
    // Absences (issue 22 §1): days around today, whole or half, of the three default types.
    case "POST /absences":
      return fc
        .record({
          type_fk: fc.constantFrom(1, 2, 3),
          day: fc.integer({ min: -400, max: 400 }),
          len: fc.nat({ max: 9 }),
        })
        .map(({ type_fk, day, len }) => {
          const date = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);
          return { type_fk, from: date(day), to: date(day + len) };
        });
    case "POST /absences/{id}/approve":
    case "POST /absences/{id}/cancel":
      return fc.constant({});
    case "POST /absences/{id}/reject":
      return fc.record({ comment: text });
    case "PUT /users/{id}/allowances/{type_fk}/{year}":
      return fc.record({ days: fc.integer({ min: 0, max: 60 }) });
    case "PUT /settings/lock":
      return fc.record({
        locked_before: fc.oneof(
          pastPair.map((p) => p.start_time),
          fc.constant(null),
        ),
      });
    case "POST /users/register":
      return fc.record({
        email: fc.uuid().map((u) => `${u}@fuzz.test`),
        username: text.map((t) => t.trim() || "x"),
        password: fc.constant("correct horse battery"),
        position_fk: fc.constant(1),
      });
    default:
      return undefined;
  }
}

const idSegment = (fx: Fixtures) =>
  fc.oneof(
    fc.constantFrom("1", "0", "-1", "1.5", "99999999999", "abc", "%00", "%2e%2e", "me", "1e3", " 1"),
    fc.nat({ max: 50 }).map(String),
    fc.constant(null).map(() => String(fx.logIds().at(-1) ?? 1)),
    fc.constantFrom(...fx.projectIds.map(String), ...fx.userIds.map(String)),
  );

/** ISO weeks, real and not, past, current and future, and what is not a week at all. */
const weekSegment = fc.oneof(
  fc.constantFrom(
    "2026-W40",
    "2026-W48",
    "2026-W53",
    "2025-W53",
    "2099-W01",
    "1999-W01",
    "2026-W00",
    "W48",
    "%00",
    "2026-w40",
  ),
  fc.integer({ min: 1, max: 53 }).map((w) => `2026-W${String(w).padStart(2, "0")}`),
);

/** Dates and years, real and not: ancient, far-future, impossible, and not dates at all. */
const daySegment = fc.oneof(
  fc.constantFrom(
    "2026-12-24",
    "2026-02-29",
    "2024-02-29",
    "1969-12-31",
    "0001-01-01",
    "9999-12-31",
    "2026-13-01",
    "x",
  ),
  fc.integer({ min: 0, max: 400 }).map((d) => new Date(Date.UTC(2026, 0, 1 + d)).toISOString().slice(0, 10)),
);
const yearSegment = fc.oneof(
  fc.constantFrom("2026", "2027", "1969", "0", "99999", "-1", "2026.5", "x"),
  fc.integer({ min: 1960, max: 10_000 }).map(String),
);

/** Mostly hostile requests, and some well-formed ones from signed-in users that change the state. */
export function caseArb(fx: Fixtures): fc.Arbitrary<Case> {
  return fc.oneof({ arbitrary: wellFormedArb(fx), weight: 1 }, { arbitrary: hostileArb(fx), weight: 3 });
}

function wellFormedArb(fx: Fixtures): fc.Arbitrary<Case> {
  const writable = ROUTES.filter((r) => validBody(r, fx) !== undefined);
  return fc.constantFrom(...writable).chain((route) =>
    fc.record({
      route: fc.constant(route),
      id: fc.constant(null).map(() => String(fx.logIds().at(-1) ?? 1)),
      userId: fc.constantFrom(...fx.userIds.map(String)),
      week: weekSegment,
      day: daySegment,
      year: yearSegment,
      query: fc.constant([] as [string, string][]),
      body: (validBody(route, fx) ?? fc.constant({})).map((value) => ({ kind: "json" as const, value })),
      contentType: fc.constant("application/json"),
      auth: fc.constantFrom<Auth>("user", "user", "admin"),
      idempotencyKey: fc.option(fc.constantFrom("w1", "w2", "w3"), { nil: undefined }),
    }),
  );
}

function hostileArb(fx: Fixtures): fc.Arbitrary<Case> {
  return fc.constantFrom(...ROUTES).chain((route) =>
    fc.record({
      route: fc.constant(route),
      id: idSegment(fx),
      userId: idSegment(fx),
      week: weekSegment,
      day: daySegment,
      year: yearSegment,
      query: fc.array(
        fc.tuple(
          fc.oneof(fc.constantFrom(...(route.query ?? ["x"])), fc.string({ maxLength: 6 })),
          fc.oneof(hostileString, hostileNumber.map(String)),
        ),
        { maxLength: 4 },
      ),
      body: fc.oneof(
        fc
          .record(Object.fromEntries((route.body ?? ["x"]).map((f) => [f, plausible(f, fx)])), { requiredKeys: [] })
          .map((v) => ({
            kind: "json" as const,
            value: v,
          })),
        fc
          .tuple(
            fc.record(Object.fromEntries((route.body ?? ["x"]).map((f) => [f, plausible(f, fx)])), {
              requiredKeys: [],
            }),
            fc.dictionary(fc.string({ maxLength: 10 }), hostileValue, { maxKeys: 2 }),
          )
          .map(([a, b]) => ({ kind: "json" as const, value: { ...b, ...a } })),
        fc.jsonValue().map((v) => ({ kind: "json" as const, value: v })),
        fc
          .oneof(hostileString, fc.constantFrom("{", '{"a":', "[1,2", "\u0000{}"))
          .map((v) => ({ kind: "raw" as const, value: v })),
        fc.constant({ kind: "none" as const }),
      ),
      contentType: fc.constantFrom(
        "application/json",
        "application/json",
        "application/json",
        "application/x-www-form-urlencoded",
        "text/plain",
        "application/json; charset=latin1",
        "multipart/form-data",
        undefined,
      ),
      auth: fc.constantFrom<Auth>(
        "user",
        "user",
        "user",
        "api-token",
        "admin",
        "admin",
        "none",
        "garbage",
        "alg-none",
        "refresh-as-access",
        "duplicate",
        "cookie",
      ),
      idempotencyKey: fc.option(fc.oneof(fc.uuid(), fc.string({ maxLength: 10 }), fc.constantFrom("k1", "k2")), {
        nil: undefined,
      }),
    }),
  );
}
