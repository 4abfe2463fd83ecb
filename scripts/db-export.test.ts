// npm run db:export / db:import: a company with some of everything is exported, imported into a
// second freshly migrated database, and must come back row for row; its audit trail must still
// verify there (the hashes were carried, not recomputed), no trigger may have re-fired during the
// load (no extra audit events or webhook deliveries), and the next write must get fresh ids.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImportRefused, importCompany } from "./company-import.ts";
import { companyTables } from "./company-tables.ts";
import { migrate } from "./migrate.ts";
import { newPglite, pglitePool } from "./neon-local/backend.ts";

const ROOT = join(import.meta.dirname, "..");
const data = mkdtempSync(join(tmpdir(), "timelog-export-"));
const file = join(data, "company.jsonl");

interface Db {
  pool: pg.Pool;
  close(): Promise<void>;
}
/** A migrated database's files, copied for each database here (migrating each would take seconds). */
let migrated: Blob;
/** A freshly migrated database, in memory or in a data folder the commands can open. */
async function fresh(dir?: string): Promise<Db> {
  if (dir) mkdirSync(dir, { recursive: true });
  return open(await newPglite(dir, migrated));
}
function open(db: PGlite): Db {
  const pool = pglitePool(db);
  return {
    pool,
    close: async () => {
      await pool.end();
      await db.close();
    },
  };
}

// A secret the endpoint's CHECK accepts: whsec_ and 32 bytes of base64.
const SECRET = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;

/** Some of everything, written the way the API writes it, so the triggers fill the audit trail and webhook queue. */
const SEED = `DO $seed$
DECLARE
  engineer int; boss int; ann int; acme int; apollo int; design int; urgent int; call int; core int; gone int;
BEGIN
  PERFORM set_config('timelog.request_id', 'req-seed', true);
  INSERT INTO position (title, description, salary, weekly_hours)
  VALUES ('Engineer', 'Builds; "quotes", back\\slash', 5000, 37.5) RETURNING id INTO engineer;
  INSERT INTO app_user (email, username, position_fk, password_hash, is_superuser, time_zone)
  VALUES ('boss@example.com', 'boss', (SELECT min(id) FROM position), 'pbkdf2$x', true, 'Europe/Paris') RETURNING id INTO boss;
  INSERT INTO app_user (email, username, position_fk, password_hash, time_zone, weekly_hours)
  VALUES ('ann@example.com', 'Ann ✓ Ünïcode', engineer, 'pbkdf2$y', 'UTC', 32.25) RETURNING id INTO ann;
  PERFORM set_config('timelog.actor', boss::text, true);
  INSERT INTO webhook_endpoint (url, events, secret, description)
  VALUES ('https://hooks.example.com/in?x=1', ARRAY['timelog.created', 'timesheet.submitted', 'user.deactivated'],
          '${SECRET}', E'line\\nbreak');
  INSERT INTO client (name) VALUES ('Acme') RETURNING id INTO acme;
  INSERT INTO project (secret_name, client_fk, billable, budget_hours, budget_amount, budget_period)
  VALUES ('Apollo', acme, true, 120.5, 9000000, 'month') RETURNING id INTO apollo;
  INSERT INTO task (project_fk, name) VALUES (apollo, 'Design') RETURNING id INTO design;
  INSERT INTO tag (name) VALUES ('urgent') RETURNING id INTO urgent;
  INSERT INTO tag (name) VALUES ('client-call') RETURNING id INTO call;
  INSERT INTO rate (kind, amount, effective_from, project_fk) VALUES ('billable', 12000, '2026-01-01', apollo);
  INSERT INTO rate (kind, amount, effective_from, user_fk) VALUES ('cost', 7000, '2026-01-01', ann);
  INSERT INTO team (name, description) VALUES ('Core', 'The core team') RETURNING id INTO core;
  INSERT INTO team_member (team_fk, user_fk, role) VALUES (core, boss, 'manager'), (core, ann, 'member');
  INSERT INTO timelog (user_fk, project_fk, task_fk, tag_ids, start_time, end_time, note)
  VALUES (ann, apollo, design, ARRAY[urgent, call], '2026-11-02 09:00:00.123456+00', '2026-11-02 12:30:00+00', 'morning 🌅'),
         (ann, apollo, NULL, NULL, '2026-11-03 09:00:00+00', '2026-11-03 10:00:00+00', 'to delete');
  DELETE FROM timelog WHERE note = 'to delete';
  PERFORM timesheet_submit(ann, '2026-W45');
  INSERT INTO timelog (user_fk, project_fk, start_time) VALUES (ann, apollo, now() - interval '1 hour');
  -- The newest log deleted: its id stays taken, as sync clients hold its tombstone. (Numbered far
  -- past the others, so "after the highest id left" and "where the sequence stood" differ.)
  PERFORM setval(pg_get_serial_sequence('timelog', 'id'), 5000);
  INSERT INTO timelog (user_fk, project_fk, start_time, end_time)
  VALUES (boss, apollo, '2026-10-20 08:00+00', '2026-10-20 09:00+00') RETURNING id INTO gone;
  DELETE FROM timelog WHERE id = gone;
  -- Written long ago on a busy server: a transaction id this database has not reached.
  UPDATE timelog_tombstone SET changed_xid = '9000000000' WHERE id = gone;
  UPDATE app_user SET weekly_hours = 40 WHERE id = boss;
  UPDATE company_settings SET default_time_zone = 'Europe/Berlin';
  INSERT INTO api_token (user_fk, name, prefix, token_hash, scopes, expires_at)
  VALUES (ann, 'laptop', 'tl_abc', 'hash-1', ARRAY['timelog:read', 'timelog:write'], now() + interval '30 days');
  INSERT INTO session (user_fk, expires_at) VALUES (ann, now() + interval '7 days');
  INSERT INTO idempotency_key (user_fk, key, request_hash, response)
  VALUES (ann, 'k-1', 'h', '{"status": 201, "body": {"n": 1.5e300}}');
  INSERT INTO auth_attempt (account, client, trusted, succeeded) VALUES ('ann@example.com', '203.0.113.9', false, true);
  INSERT INTO registration_attempt (client) VALUES ('203.0.113.9');
  -- Issue 22: holidays, schedules, absences, allowances, adjustments.
  INSERT INTO holiday_calendar (name, region) VALUES ('DE-BY', 'DE-BY');
  INSERT INTO holiday (calendar_fk, day, name, half_day)
  VALUES ((SELECT max(id) FROM holiday_calendar), '2026-12-24', 'Heiligabend', true),
         ((SELECT max(id) FROM holiday_calendar), '2026-12-25', '1. Weihnachtstag', false);
  UPDATE company_settings SET holiday_calendar_fk = (SELECT max(id) FROM holiday_calendar);
  INSERT INTO work_schedule (user_fk, effective_from, hours) VALUES (ann, '2026-12-01', '{8,8,8,8,4.5,0,0}');
  INSERT INTO absence_allowance (user_fk, type_fk, year, days) VALUES (ann, 1, 2026, 27.5);
  INSERT INTO absence (user_fk, type_fk, first_day, last_day, half_day, status, requested_by, note)
  VALUES (ann, 1, '2026-12-21', '2026-12-21', 'am', 'approved', boss, 'Weihnachten ✓');
  INSERT INTO time_adjustment (user_fk, day, seconds, reason, created_by) VALUES (ann, '2026-01-01', 18000, 'opening', boss);
  -- Issue 23: email, invitations, one-time links, second factor, reminders, throttles, the rehash record.
  PERFORM email_enqueue('ann@example.com', 'password_changed', '{}', ann);
  INSERT INTO invitation (email, token_hash, invited_by, expires_at) VALUES ('new@example.com', 'inv-1', boss, now() + interval '7 days');
  INSERT INTO account_token (kind, user_fk, token_hash, expires_at) VALUES ('password_reset', ann, 'rst-1', now() + interval '1 hour');
  INSERT INTO user_totp (user_fk, secret_encrypted, confirmed_at) VALUES (ann, 'enc', now());
  INSERT INTO totp_recovery_code (user_fk, code_hash) VALUES (ann, 'code-1');
  INSERT INTO notification_setting (user_fk, timer_forgotten) VALUES (ann, false);
  INSERT INTO reminder_sent (kind, user_fk, occasion) VALUES ('timesheet_overdue', ann, '2026-W44');
  INSERT INTO password_reset_attempt (account, client) VALUES ('ann@example.com', 'ip:1');
  INSERT INTO audit_rehash (chain, seq, event_id, old_hash, new_hash)
  SELECT chain, seq, id, 'old-' || hash, hash FROM audit_event ORDER BY id LIMIT 1;
  -- Issues 24 and 25: a calendar feed; an OAuth client with a grant, its code and refresh token.
  INSERT INTO calendar_feed (user_fk, token_hash) VALUES (ann, 'cal-1');
  INSERT INTO oauth_client (id, name, redirect_uris, registered_by)
  VALUES ('tlc_AAAAAAAAAAAAAAAAAAAAAA', 'Assistant', '{http://127.0.0.1:8976/cb}', 'ip:1');
  WITH g AS (
    INSERT INTO oauth_grant (client_fk, user_fk, scopes, resource)
    VALUES ('tlc_AAAAAAAAAAAAAAAAAAAAAA', ann, '{timelog:read}', 'http://127.0.0.1:8787/mcp') RETURNING id
  ), c AS (
    INSERT INTO oauth_code (code_hash, grant_fk, redirect_uri, code_challenge, expires_at)
    SELECT 'code-1', id, 'http://127.0.0.1:8976/cb', repeat('a', 43), now() + interval '2 minutes' FROM g
  )
  INSERT INTO oauth_refresh (token_hash, grant_fk) SELECT 'refresh-1', id FROM g;
  -- An erasure: its redactions (audit_redaction) must survive the round trip and still verify.
  INSERT INTO app_user (email, username, position_fk, password_hash)
  VALUES ('leaver@example.com', 'leaver', engineer, 'pbkdf2$z') RETURNING id INTO gone;
  UPDATE app_user SET weekly_hours = 30 WHERE id = gone;
  PERFORM user_erase(boss, gone);
  PERFORM audit_verify_page(NULL, 1000);
END
$seed$`;

/** Every table's rows as one comparable text, xid8 columns aside (the import re-stamps them). */
async function snapshot(pool: pg.Pool): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of await companyTables(pool)) {
    const cols = t.columns.filter((c) => c.type !== "xid8").map((c) => `"${c.name}"`);
    const { rows } = await pool.query<{ rows: string }>(
      `SELECT coalesce(json_agg(r ORDER BY r::text), '[]')::text AS rows FROM (SELECT ${cols.join(", ")} FROM "${t.name}") r`,
    );
    out[t.name] = rows[0]?.rows ?? "";
  }
  return out;
}

function tool(script: string, dir: string, ...args: string[]) {
  const res = spawnSync(
    process.execPath,
    ["--experimental-strip-types", "--no-warnings=ExperimentalWarning", join(ROOT, "scripts", script), ...args],
    { cwd: ROOT, env: { ...process.env, TIMELOG_DATA_DIR: dir, DATABASE_URL: "" }, encoding: "utf8", timeout: 60_000 },
  );
  return { code: res.status, out: res.stdout, err: res.stderr };
}

let before: Record<string, string>;
beforeAll(async () => {
  const template = await newPglite();
  const pool = pglitePool(template);
  await migrate(pool);
  await pool.end();
  migrated = await template.dumpDataDir("none");
  await template.close();
  // The source is the embedded database of a data folder, exported by the command itself.
  const source = await fresh(join(data, "source", "pglite"));
  await source.pool.query(SEED);
  before = await snapshot(source.pool);
  await source.close();
  const run = tool("db-export.ts", join(data, "source"), file);
  expect(run.err).toBe("");
  expect(run.out).toMatch(/exported \d+ rows of \d+ tables/);
  await (await fresh(join(data, "target", "pglite"))).close();
}, 60_000);
afterAll(() => rmSync(data, { recursive: true, force: true }));

async function* lines(text: string) {
  yield* text.split("\n");
}
/** The first row of the (last) statement's result. */
async function one<T>(pool: pg.Pool, sql: string): Promise<T> {
  const res: pg.QueryResult | pg.QueryResult[] = await pool.query(sql);
  return (Array.isArray(res) ? res[res.length - 1] : res)?.rows[0] as T;
}
/** One page of migration 0023's verification: from an event id (0: the start), or NULL past the checkpoints. */
async function verifyPage(pool: pg.Pool, after: number | null): Promise<{ broken: unknown; events: number }> {
  const { v } = await one<{ v: string }>(pool, `SELECT audit_verify_page(${after ?? "NULL"}, 1000)::text AS v`);
  return JSON.parse(v);
}

describe("npm run db:export / db:import", () => {
  it("exports every table of the catalog, each holding rows here, so the round trip compares them all", async () => {
    const header = JSON.parse(readFileSync(file, "utf8").split("\n")[0] ?? "");
    const db = await fresh();
    const catalog = await db.pool.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'",
    );
    await db.close();
    expect([...header.tables].sort()).toEqual(catalog.rows.map((r) => r.name).sort());
    // A table added by a later migration fails here until SEED writes to it.
    const empty = Object.entries(before)
      .filter(([, rows]) => rows === "[]")
      .map(([name]) => name);
    expect(empty).toEqual([]);
    expect(header.migrations.length).toBeGreaterThanOrEqual(23);
  });

  it("imports row for row, the audit trail verifies, no trigger re-fires, and new writes get fresh ids", async () => {
    const run = tool("db-import.ts", join(data, "target"), file);
    expect(run.err).toBe("");
    expect(run.out).toMatch(/imported \d+ rows/);
    const target = open(await newPglite(join(data, "target", "pglite")));
    try {
      expect(await snapshot(target.pool)).toEqual(before);

      // The chain recomputed from the rows, whole and in pages (full, then incremental past the checkpoints).
      expect(await one(target.pool, "SELECT broken_id FROM audit_verify()")).toEqual({ broken_id: null });
      const full = await verifyPage(target.pool, 0);
      expect(full.broken).toBeNull();
      expect(full.events).toBeGreaterThan(5);

      // Sync's change markers are the import's transaction, already visible to a reader's snapshot.
      const xids = await one<{ n: string; visible: string }>(
        target.pool,
        `SELECT count(DISTINCT changed_xid)::text AS n, bool_and(changed_xid < pg_snapshot_xmin(pg_current_snapshot()))::text AS visible
         FROM (SELECT changed_xid FROM timelog UNION ALL SELECT changed_xid FROM timelog_tombstone
               UNION ALL SELECT changed_xid FROM timelog_lock_change) x`,
      );
      expect(xids).toEqual({ n: "1", visible: "true" });

      // Written through the triggers again: ids continue where the export's sequences stood (the
      // deleted newest log's id is not handed out again), and the audit chain goes on from its end.
      const ids = await one<{ gone: string; user: string }>(
        target.pool,
        "SELECT (SELECT max(id) FROM timelog_tombstone)::text AS gone, (SELECT max(id) FROM app_user)::text AS user",
      );
      const log = await one<{ id: string }>(
        target.pool,
        `SELECT set_config('timelog.actor', id::text, true) FROM app_user WHERE email = 'ann@example.com';
         INSERT INTO timelog (user_fk, project_fk, start_time, end_time)
         SELECT u.id, p.id, '2026-12-01 08:00+00', '2026-12-01 09:00+00' FROM app_user u, project p
         WHERE u.email = 'ann@example.com' RETURNING id::text`,
      );
      expect(Number(log.id)).toBe(Number(ids.gone) + 1);
      const user = await one<{ id: string }>(
        target.pool,
        `INSERT INTO app_user (email, username, position_fk, password_hash)
         SELECT 'new@example.com', 'new', min(id), 'x' FROM position RETURNING id::text`,
      );
      expect(Number(user.id)).toBeGreaterThan(Number(ids.user));
      const added = await one<{ kind: string; seq: string }>(
        target.pool,
        `SELECT kind, seq FROM audit_event WHERE entity = 'timelog' AND entity_id = '${log.id}'`,
      );
      expect(added.kind).toBe("timelog.created");
      expect(Number(added.seq)).toBeGreaterThan(1);
      const after = await verifyPage(target.pool, null);
      expect(after.broken).toBeNull();
      expect(after.events).toBeGreaterThanOrEqual(1); // past the imported checkpoints
      expect(await one(target.pool, "SELECT broken_id FROM audit_verify()")).toEqual({ broken_id: null });
    } finally {
      await target.close();
    }
  });

  it("refuses a database that holds data, and says so", () => {
    const run = tool("db-import.ts", join(data, "source"), file);
    expect(run.code).toBe(1);
    expect(run.err).toContain("already holds data");
    expect(run.err).not.toMatch(/\n\s+at /);
  });

  it("refuses other migrations and a file cut short, leaving the database empty", async () => {
    const db = await fresh();
    try {
      const text = readFileSync(file, "utf8");
      const [first = "", ...rest] = text.split("\n");
      const header = JSON.parse(first);
      const tamper = (migrations: string[]) => [JSON.stringify({ ...header, migrations }), ...rest].join("\n");
      await expect(importCompany(db.pool, lines(tamper([...header.migrations, "0999_future.sql"])))).rejects.toThrow(
        /migrations differ.*missing here: 0999_future.sql/,
      );
      await expect(importCompany(db.pool, lines(tamper(header.migrations.slice(0, -1))))).rejects.toThrow(
        `not in the export: ${header.migrations.at(-1)}`,
      );
      // Cut in the middle: every table before the cut was loaded, then rolled back.
      const cut = rest.slice(0, rest.length / 2).join("\n");
      await expect(importCompany(db.pool, lines(`${first}\n${cut}`))).rejects.toBeInstanceOf(ImportRefused);
      const cutEnd = rest.filter((l) => !l.startsWith('{"end"')).join("\n");
      await expect(importCompany(db.pool, lines(`${first}\n${cutEnd}`))).rejects.toThrow(/cut short/);
      await expect(importCompany(db.pool, lines("not json"))).rejects.toThrow();
      const left = await one<{ users: string; audit: string }>(
        db.pool,
        "SELECT (SELECT count(*) FROM app_user)::text AS users, (SELECT count(*) FROM audit_event)::text AS audit",
      );
      expect(left).toEqual({ users: "0", audit: "0" });
      // Its triggers are on again: the same import then succeeds and the trail is appended to by writes.
      await importCompany(db.pool, lines(text));
      const count = await one<{ n: string }>(db.pool, "SELECT count(*)::text AS n FROM audit_event");
      await db.pool.query("UPDATE app_user SET weekly_hours = 20 WHERE email = 'ann@example.com'");
      const more = await one<{ n: string }>(db.pool, "SELECT count(*)::text AS n FROM audit_event");
      expect(Number(more.n)).toBe(Number(count.n) + 1);
    } finally {
      await db.close();
    }
  });
});
