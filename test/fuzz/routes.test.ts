// Property-based fuzzing of every route through the worker, against the real database:
// no input produces a 5xx, every 4xx is problem+json, a rejected request changes nothing,
// and the time-log invariants hold afterwards. `npm test` runs a few hundred cases;
// `npm run fuzz` runs FUZZ_RUNS (10,000 by default).
import fc from "fast-check";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { INVARIANTS_SQL } from "../../scripts/invariants.ts";
import { call } from "../helpers/api";
import {
  addEntry,
  createProject,
  createSuperuser,
  createUser,
  minutesAgo,
  seedRowsWithoutTriggers,
  seedSql,
  type TestUser,
} from "../helpers/factories";
import { type Case, caseArb, type Fixtures } from "./arbitraries";

const RUNS = inject("fuzzRuns");

// Password attempts and registrations are recorded on purpose, before anything is checked
// (throttling across edge locations), so auth_attempt and registration_attempt are left out of
// the "nothing changed" checksum.
const CHECKSUM = `
  SELECT md5(coalesce(string_agg(r, '|' ORDER BY r), '')) AS sum FROM (
    SELECT 'u' || row(id, email, username, position_fk, is_active, is_superuser, is_verified, password_hash,
                      time_zone, weekly_hours, holiday_calendar_fk)::text AS r FROM app_user
    UNION ALL SELECT 'p' || row(p.*)::text FROM position p
    UNION ALL SELECT 'j' || row(j.*)::text FROM project j
    UNION ALL SELECT 't' || row(id, user_fk, project_fk, start_time, end_time, note, task_fk, tag_ids, billable)::text FROM timelog
    UNION ALL SELECT 'd' || id::text FROM timelog_tombstone
    UNION ALL SELECT 's' || row(id, refresh_generation, revoked_at)::text FROM session
    UNION ALL SELECT 'i' || row(user_fk, key, response)::text FROM idempotency_key
    UNION ALL SELECT 'c' || row(c.*)::text FROM company_settings c
    UNION ALL SELECT 'T' || row(t.*)::text FROM team t
    UNION ALL SELECT 'm' || row(m.*)::text FROM team_member m
    UNION ALL SELECT 'w' || row(w.*)::text FROM timesheet w
    UNION ALL SELECT 'a' || id::text FROM audit_event
    UNION ALL SELECT 'l' || id::text FROM timelog_lock_change
    UNION ALL SELECT 'k' || row(id, user_fk, name, scopes, expires_at, revoked_at)::text FROM api_token
    UNION ALL SELECT 'W' || row(id, url, events, description, status, secret)::text FROM webhook_endpoint
    UNION ALL SELECT 'D' || row(id, status, attempts, next_attempt_at)::text FROM webhook_delivery
    UNION ALL SELECT 'C' || row(x.*)::text FROM client x
    UNION ALL SELECT 'K' || row(x.*)::text FROM task x
    UNION ALL SELECT 'G' || row(x.*)::text FROM tag x
    UNION ALL SELECT 'R' || row(x.*)::text FROM rate x
    UNION ALL SELECT 'H' || row(x.*)::text FROM holiday_calendar x
    UNION ALL SELECT 'h' || row(x.*)::text FROM holiday x
    UNION ALL SELECT 'S' || row(x.*)::text FROM work_schedule x
    UNION ALL SELECT 'Y' || row(x.*)::text FROM absence_type x
    UNION ALL SELECT 'A' || row(x.*)::text FROM absence x
    UNION ALL SELECT 'L' || row(x.*)::text FROM absence_allowance x
    UNION ALL SELECT 'J' || row(x.*)::text FROM time_adjustment x
    UNION ALL SELECT 'I' || row(x.*)::text FROM invitation x
    UNION ALL SELECT 'T' || row(x.*)::text FROM account_token x
    UNION ALL SELECT 'O' || row(x.*)::text FROM user_totp x
    UNION ALL SELECT 'Q' || row(x.*)::text FROM totp_recovery_code x
    UNION ALL SELECT 'N' || row(x.*)::text FROM notification_setting x
    UNION ALL SELECT 'E' || row(id, to_address, template, data, status)::text FROM email_outbox
    -- Offline writes (issue 24 §2, h-offline): a log's client_id and source, a tombstone's client_id
    UNION ALL SELECT 'o' || row(id, client_id, source)::text FROM timelog
    UNION ALL SELECT 'b' || row(id, client_id)::text FROM timelog_tombstone
    -- Calendar feeds (issue 24 §4, h-cal)
    UNION ALL SELECT 'F' || row(x.*)::text FROM calendar_feed x
    -- OAuth (issue 25 §2, h-oauth)
    UNION ALL SELECT 'oc' || row(x.*)::text FROM oauth_client x
    UNION ALL SELECT 'og' || row(x.*)::text FROM oauth_grant x
    UNION ALL SELECT 'oa' || row(x.*)::text FROM oauth_code x
    UNION ALL SELECT 'or' || row(x.*)::text FROM oauth_refresh x
    -- The sync feed's change log and scope rows (issue 24 §1, h-sync)
    UNION ALL SELECT 'V' || id::text FROM sync_change
    UNION ALL SELECT 'Z' || id::text FROM sync_scope
  ) x`;

async function checksum(): Promise<string> {
  const [row] = await seedSql(CHECKSUM);
  return row?.sum as string;
}

const b64url = (s: string) => btoa(s).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");

let admin: TestUser;
let user: TestUser;
let fx: Fixtures;
/** An API token of the ordinary user, with every scope. */
let apiToken = "";
const logIds: number[] = [];

async function repair() {
  // Fuzzed superuser calls may deactivate or demote the fixtures, or end their logins: undo that
  // (directly in SQL) and sign in again, so later cases still exercise authenticated paths.
  await seedSql("UPDATE app_user SET is_active = true, is_superuser = (id = $1) WHERE id = ANY($2::int[])", [
    admin.id,
    [admin.id, user.id],
  ]);
  for (const who of [admin, user]) {
    if ((await call("GET", "/users/me", { token: who.token })).status === 200) continue;
    const [row] = await seedSql("SELECT email FROM app_user WHERE id = $1", [who.id]);
    const email = row?.email as string;
    await seedSql(
      "UPDATE app_user SET password_hash = (SELECT password_hash FROM app_user WHERE id = $1) WHERE id = $2",
      [fixtureHashOwner, who.id],
    );
    // Its own client address: fuzzed logins may have throttled the default one.
    const res = await call("POST", "/users/login", {
      body: { email, password: FIXTURE_PASSWORD },
      headers: { "cf-connecting-ip": "198.51.100.7" },
    });
    const tokens = (await res.json()) as { access_token: string; refresh_token: string };
    who.token = tokens.access_token;
    who.refresh = tokens.refresh_token;
  }
}
const FIXTURE_PASSWORD = "correct horse battery";

/** Undoes an erasure of a fixture (behind the guard that keeps erased accounts erased). */
async function unerase() {
  for (const who of [admin, user]) {
    await seedRowsWithoutTriggers(
      "app_user",
      "UPDATE app_user SET erased_at = NULL, email = $1, username = $2 WHERE id = $3 AND erased_at IS NOT NULL",
      [who.email, who.username, who.id],
    );
  }
}
let fixtureHashOwner = 0;

function headersFor(c: Case): Headers {
  const h = new Headers();
  if (c.contentType) h.set("content-type", c.contentType);
  if (c.idempotencyKey !== undefined) {
    try {
      h.set("idempotency-key", c.idempotencyKey);
    } catch {
      // not a legal header value: the client could not send it either
    }
  }
  const token = { user: user.token, admin: admin.token, "api-token": apiToken }[
    c.auth as "user" | "admin" | "api-token"
  ];
  if (token) h.set("authorization", `Bearer ${token}`);
  if (c.auth === "garbage") h.set("authorization", "Bearer a.b.c");
  if (c.auth === "alg-none") {
    const [, payload] = user.token.split(".");
    h.set("authorization", `Bearer ${b64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${payload}.`);
  }
  if (c.auth === "refresh-as-access") h.set("authorization", `Bearer ${user.refresh}`);
  if (c.auth === "duplicate") {
    h.append("authorization", `Bearer ${user.token}`);
    h.append("authorization", `Bearer ${admin.token}`);
  }
  if (c.auth === "cookie") {
    h.set("cookie", `auth_cookie=${user.token}`);
    h.set("origin", "https://app.example.com");
  }
  return h;
}

function requestOf(c: Case) {
  const segment = (v: string) => encodeURIComponent(v).replaceAll("%25", "%");
  const path = c.route.path
    .replace("{id}", segment(c.id))
    .replace("{user_id}", segment(c.userId))
    .replace("{week}", segment(c.week))
    .replace("{date}", segment(c.day))
    .replace("{year}", segment(c.year))
    .replace("{type_fk}", segment(c.userId));
  const qs = new URLSearchParams(c.query).toString();
  let body: string | undefined;
  if (!["GET", "HEAD"].includes(c.route.method)) {
    if (c.body.kind === "json") {
      body =
        c.contentType === "application/x-www-form-urlencoded" && c.body.value && typeof c.body.value === "object"
          ? new URLSearchParams(
              Object.entries(c.body.value as object).map(([k, v]) => [
                k,
                typeof v === "string" ? v : (JSON.stringify(v) ?? ""),
              ]),
            ).toString()
          : JSON.stringify(c.body.value);
    } else if (c.body.kind === "raw") body = c.body.value;
  }
  return { path: qs ? `${path}?${qs}` : path, body };
}

describe("fuzzing every route", () => {
  beforeAll(async () => {
    admin = await createSuperuser();
    user = await createUser();
    fixtureHashOwner = (await createUser()).id;
    const projects = [
      await createProject(admin),
      await createProject(admin),
      await createProject(admin, { is_archived: true }),
    ];
    for (let i = 0; i < 5; i++) {
      const log = await addEntry(user, projects[0]?.id ?? 0, minutesAgo(600 - i * 100), minutesAgo(550 - i * 100));
      logIds.push(log.id);
    }
    fx = { projectIds: projects.map((p) => p.id), logIds: () => logIds, userIds: [admin.id, user.id] };
    const minted = await call("POST", "/users/me/tokens", {
      token: user.token,
      body: { name: "fuzz", scopes: ["timelog:read", "timelog:write", "reports:read", "admin"] },
    });
    apiToken = ((await minted.json()) as { token: string }).token;
  });

  it(
    `holds its properties for ${RUNS} generated requests`,
    async () => {
      let before = await checksum();
      let cases = 0;
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(
          fc.constant(null).chain(() => caseArb(fx)),
          async (c) => {
            cases++;
            const { path, body } = requestOf(c);
            const headers = headersFor(c);
            const res = await call(c.route.method, path, { body, headers: Object.fromEntries(headers) });
            const text = await res.text();
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            const where = `${c.route.method} ${path} [${c.auth}] ${String(body).slice(0, 300)} → ${res.status} ${text.slice(0, 300)}`;
            expect(res.status, where).toBeLessThan(500);
            if (res.status >= 400 && c.route.path.startsWith("/oauth/")) {
              // OAuth's endpoints answer RFC 6749 JSON, the consent page HTML (issue 25 §2, h-oauth).
              expect(res.headers.get("content-type"), where).toMatch(/^(application\/(problem\+)?json|text\/html)/);
            } else if (res.status >= 400) {
              expect(res.headers.get("content-type"), where).toBe("application/problem+json");
              const problem = JSON.parse(text) as { status: number; title: string };
              expect(problem.status, where).toBe(res.status);
            } else if (
              c.route.method === "POST" &&
              c.route.path.replace(/\/$/, "") === "/timelog" &&
              res.status === 201
            ) {
              logIds.push((JSON.parse(text) as { id: number }).id);
            }
            const after = await checksum();
            if (res.status >= 400) expect(after, `a rejected request changed the database: ${where}`).toBe(before);
            before = after;
            // An erased fixture (POST /users/{id}/erase) gets its identity back, then is repaired.
            if (c.route.path === "/users/{id}/erase" && res.status === 200) await unerase();
            if (
              ["/users/me", "/users/{id}", "/users/logout", "/users/logout-all", "/users/{id}/erase"].includes(
                c.route.path,
              ) &&
              c.route.method !== "GET"
            ) {
              await repair();
              before = await checksum();
            }
          },
        ),
        { numRuns: RUNS, endOnFailure: true },
      );
      const [inv] = await seedSql(INVARIANTS_SQL);
      expect(inv).toEqual({
        overlaps: 0,
        multi_open: 0,
        backwards: 0,
        locked_changes: 0,
        audit_missing: 0,
        broken_chains: 0,
        dangling_tags: 0,
        stale_rate_spans: 0,
      });
      expect(cases).toBe(RUNS);
      console.log(`fuzz: ${RUNS} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
      // The generator must reach past the front door: successes and each kind of refusal.
      for (const s of [200, 401, 404, 422]) expect(statuses.get(s) ?? 0, `status ${s} never seen`).toBeGreaterThan(0);
    },
    60_000 + RUNS * 50,
  );
});
