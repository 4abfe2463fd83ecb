// Upgrades apply the migrations before the new Worker is deployed, so for a while the previous
// release's Worker runs on the new schema. This test holds every migration to that rule (expand
// now, contract a release later): the previous release's bundle (scripts/upgrade/previous-release)
// is served on a database migrated with today's migrations/, and its smoke story must answer as
// that release documented.
import { createServer, type Server } from "node:http";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newSigningKey } from "../keys.ts";
import { migrate } from "../migrate.ts";
import { fixedBackend, newPglite, pglitePool, rawText } from "../neon-local/backend.ts";
import { type NeonLocal, startNeonLocal } from "../neon-local/server.ts";
import { buildRelease, type OldBuild, previousRelease, type Served, serveBuild } from "./old-worker.ts";

const PASSWORD = "correct horse battery";
const DAY = 86_400_000;

let build: OldBuild | undefined;
let worker: Served | undefined;
let endpoint: NeonLocal | undefined;
let pool: pg.Pool | undefined;
let closeDatabase = async () => {};

/** A fresh database with every current migration: PostgreSQL when TEST_DATABASE_URL is set, else PGlite. */
async function freshDatabase(): Promise<pg.Pool> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    const db = await newPglite();
    const p = pglitePool(db);
    closeDatabase = async () => {
      await p.end();
      await db.close();
    };
    return p;
  }
  const name = "timelog_upgrade";
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const target = new URL(url);
  target.pathname = `/${name}`;
  const p = new pg.Pool({ connectionString: target.toString(), types: rawText });
  closeDatabase = async () => {
    await p.end();
    const drop = new pg.Client({ connectionString: url });
    await drop.connect();
    await drop.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await drop.end();
  };
  return p;
}

beforeAll(async () => {
  const commit = previousRelease();
  build = buildRelease(commit);
  pool = await freshDatabase();
  const applied = await migrate(pool);
  expect(applied.length).toBeGreaterThan(0);
  endpoint = await startNeonLocal(fixedBackend(pool));
  // The settings the previous release reads (its src/settings.ts); the rest keep their defaults.
  worker = await serveBuild(build, {
    DATABASE_URL: "postgres://upgrade:upgrade@localhost/upgrade",
    NEON_FETCH_ENDPOINT: endpoint.url,
    JWT_PRIVATE_KEY: newSigningKey(),
    DB_TIMEOUT_MS: "15000",
    REGISTRATION_OPEN: "true",
    // The story registers several people from one address (its default allows 5 an hour).
    REGISTRATION_PER_HOUR: "100",
    WEBHOOK_ALLOW_LOOPBACK: "true",
  });
}, 90_000);

afterAll(async () => {
  await worker?.close();
  await endpoint?.close();
  await closeDatabase();
  build?.remove();
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** What workerd logged for one request (its id prefixes the worker's error line), or the tail. */
function logOf(requestId: unknown): string {
  const log = worker?.log() ?? "";
  const at = typeof requestId === "string" ? log.indexOf(`[${requestId}]`) : -1;
  return at >= 0 ? log.slice(at, at + 1200) : log.slice(-1200);
}

/**
 * One request of the story. A status outside what the release documented for it fails, with the
 * problem it returned and, on a 5xx, the database error the worker logged.
 */
async function step(method: string, path: string, expected: number | number[], token?: string, body?: unknown) {
  if (!worker) throw new Error("the previous release is not being served");
  const res = await fetch(`${worker.url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const answer: Answer = { status: res.status, body: text.startsWith("{") ? JSON.parse(text) : {} };
  const said = res.status >= 500 ? `\nworkerd logged:\n${logOf(answer.body.request_id)}` : "";
  const allowed = typeof expected === "number" ? [expected] : expected;
  expect(allowed, `${method} ${path} → ${res.status} ${text.slice(0, 400)}${said}`).toContain(res.status);
  return answer;
}

/** ISO 8601 week of a UTC date, as the timesheet routes spell it (2026-W49). */
function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  t.setUTCDate(t.getUTCDate() + 4 - (t.getUTCDay() || 7));
  const jan1 = Date.UTC(t.getUTCFullYear(), 0, 1);
  return `${t.getUTCFullYear()}-W${String(Math.ceil(((t.getTime() - jan1) / DAY + 1) / 7)).padStart(2, "0")}`;
}

/** A superuser: registered through the old API, promoted in SQL (the CLI's way), signed in again. */
async function superuser(email: string): Promise<string> {
  await step("POST", "/users/register", 201, undefined, {
    email,
    username: email.split("@")[0],
    password: PASSWORD,
    position_fk: 1,
  });
  await pool?.query("UPDATE app_user SET is_superuser = true, is_verified = true WHERE email = $1", [email]);
  const login = await step("POST", "/users/login", 200, undefined, { email, password: PASSWORD });
  return String(login.body.access_token);
}

/**
 * Breaks of the rule a release decided to ship anyway (named in CHANGELOG.md): test name → why.
 * Such a test is expected to fail (it.fails), so it turns red once the break is gone. Empty means
 * every migration keeps the previous release working.
 */
const ACCEPTED_BREAKS: Record<string, string> = {};
const test = (name: string, fn: () => Promise<void>) => (name in ACCEPTED_BREAKS ? it.fails : it)(name, fn);

describe(`the previous release's Worker on today's schema`, () => {
  test("runs its smoke story: sign in, a project, timers, a past entry, reports, a timesheet, the audit", async () => {
    const token = await superuser("ada@upgrade.test");
    const project = await step("POST", "/projects", 201, token, { secret_name: "Upgrade" });
    const projectId = Number(project.body.id);
    const other = await step("POST", "/projects", 201, token, { secret_name: "Other" });

    const running = await step("POST", "/timelog", 201, token, { project_fk: projectId, note: "running" });
    const current = await step("GET", "/timelog/current", 200, token);
    expect(current.body.open).toBe(true);
    expect((current.body.log as { id: unknown }).id).toBe(running.body.id);
    await step("POST", "/timelog/switch", 201, token, { project_fk: Number(other.body.id) });
    const closed = await step("POST", "/timelog/close", 200, token, {});
    expect(closed.body.end_time).toBeTruthy();

    // Finished entries last week, so the week can be submitted.
    const past = new Date(Date.now() - 8 * DAY);
    const day = past.toISOString().slice(0, 10);
    const entry = { project_fk: projectId, start_time: `${day}T09:00:00Z`, end_time: `${day}T11:30:00Z` };
    const logged = await step("POST", "/timelog", 201, token, { ...entry, note: "past" });
    await step("PATCH", `/timelog/${logged.body.id}`, 200, token, { note: "past, edited" });
    const extra = await step("POST", "/timelog", 201, token, {
      ...entry,
      start_time: `${day}T12:00:00Z`,
      end_time: `${day}T13:00:00Z`,
    });
    await step("DELETE", `/timelog/${extra.body.id}`, 204, token);
    const list = await step("GET", "/timelog?limit=50", 200, token);
    expect(JSON.stringify(list.body)).toContain("past, edited");

    const from = new Date(Date.now() - 14 * DAY).toISOString().slice(0, 10);
    const to = new Date(Date.now() + DAY).toISOString().slice(0, 10);
    const summary = await step("GET", `/reports/summary?from=${from}&to=${to}`, 200, token);
    expect(JSON.stringify(summary.body)).toContain("Upgrade");
    await step("GET", `/reports/timelog.csv?from=${from}&to=${to}`, 200, token);

    const sheet = await step("POST", `/timesheets/${isoWeek(past)}/submit`, 200, token);
    expect(sheet.body.status).toBe("submitted");

    const verify = await step("GET", "/audit/verify", 200, token);
    expect(verify.body.ok).toBe(true);
  });

  test("delivers its webhooks after a write", async () => {
    const received: string[] = [];
    const receiver: Server = createServer((req, res) => {
      let text = "";
      req.on("data", (d) => {
        text += d;
      });
      req.on("end", () => {
        received.push(text);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    try {
      const { port } = receiver.address() as { port: number };
      const token = await superuser("hook@upgrade.test");
      await step("POST", "/webhooks", 201, token, { url: `http://127.0.0.1:${port}/hook`, events: ["timer.started"] });
      const project = await step("POST", "/projects", 201, token, { secret_name: "Hooks" });
      await step("POST", "/timelog", 201, token, { project_fk: Number(project.body.id) });
      // The release delivers after the response (waitUntil): the event arrives within a second or two.
      for (let i = 0; i < 80 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      const log = worker?.log() ?? "";
      const said = log.slice(Math.max(0, log.indexOf("webhook delivery")), log.indexOf("webhook delivery") + 600);
      expect(received.length, `no delivery within 8 s; workerd logged:\n${said}`).toBeGreaterThan(0);
      expect(received[0]).toContain("timer.started");
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });

  test("rotates a webhook's secret", async () => {
    const token = await superuser("rotate@upgrade.test");
    const hook = await step("POST", "/webhooks", 201, token, {
      url: "https://receiver.example.com/hook",
      events: ["timelog.created"],
    });
    const rotated = await step("POST", `/webhooks/${hook.body.id}/rotate-secret`, 200, token);
    expect(rotated.body.secret).not.toBe(hook.body.secret);
    const shown = await step("GET", `/webhooks/${hook.body.id}`, 200, token);
    expect(shown.body.previous_secret_expires_at).toBeTruthy();
  });

  test("answers an admin token that changes another account with a documented status", async () => {
    const session = await superuser("admin@upgrade.test");
    const created = await step("POST", "/users/me/tokens", 201, session, { name: "script", scopes: ["admin"] });
    const token = String(created.body.token);
    const grace = { email: "grace@upgrade.test", username: "grace", password: PASSWORD, position_fk: 1 };
    await step("POST", "/users/register", 201, undefined, grace);
    const row = await pool?.query<{ id: number }>("SELECT id FROM app_user WHERE email = $1", [grace.email]);
    const id = Number(row?.rows[0]?.id);
    await step("PATCH", `/users/${id}`, 200, token, { weekly_hours: 30 });
    // Today's schema refuses superuser changes by token (0022); the release may say 403, not 5xx.
    await step("PATCH", `/users/${id}`, [200, 403], token, { is_superuser: true });
    // …and changes to the token owner's own account (0022), which the release let an admin token make.
    const me = await step("GET", "/users/me", 200, session);
    await step("PATCH", `/users/${me.body.id}`, [200, 403], token, { weekly_hours: 20 });
  });
});
