// The upgrade test's stack: a fresh database with every current migration behind the local Neon
// endpoint, the previous release's Worker on workerd in front of it, and requests in its terms.
import pg from "pg";
import { expect } from "vitest";
import { newSigningKey } from "../keys.ts";
import { migrate } from "../migrate.ts";
import { fixedBackend, newPglite, pglitePool, rawText } from "../neon-local/backend.ts";
import { startNeonLocal } from "../neon-local/server.ts";
import { buildRelease, previousRelease, serveBuild } from "./old-worker.ts";

export const PASSWORD = "correct horse battery";
export const DAY = 86_400_000;

/** PostgreSQL when TEST_DATABASE_URL is set (a database of its own, dropped afterwards), else PGlite. */
async function freshDatabase(url = process.env.TEST_DATABASE_URL): Promise<{ pool: pg.Pool; close(): Promise<void> }> {
  if (!url) {
    const db = await newPglite();
    const pool = pglitePool(db);
    return {
      pool,
      close: async () => {
        await pool.end();
        await db.close();
      },
    };
  }
  const name = "timelog_upgrade";
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(statement).finally(() => client.end());
  };
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: target.toString(), types: rawText });
  return {
    pool,
    close: async () => {
      await pool.end();
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

export interface OldApi {
  pool: pg.Pool;
  /** Everything workerd printed so far (the worker's error lines among it). */
  log(): string;
  step(method: string, path: string, expected: number | number[], token?: string, body?: unknown): Promise<Answer>;
  superuser(email: string): Promise<string>;
  close(): Promise<void>;
}

/** Builds the previous release, migrates a fresh database with today's migrations, serves one on the other. */
export async function startOldApi(): Promise<OldApi> {
  const build = buildRelease(previousRelease());
  const cleanups: (() => Promise<void> | void)[] = [() => build.remove()];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const database = await freshDatabase();
    cleanups.push(() => database.close());
    const applied = await migrate(database.pool);
    expect(applied.length).toBeGreaterThan(0);
    const endpoint = await startNeonLocal(fixedBackend(database.pool));
    cleanups.push(() => endpoint.close());
    // The settings the previous release reads (its src/settings.ts, src/config.ts since 0.2.0); the rest keep their defaults.
    const worker = await serveBuild(build, {
      DATABASE_URL: "postgres://upgrade:upgrade@localhost/upgrade",
      NEON_FETCH_ENDPOINT: endpoint.url,
      JWT_PRIVATE_KEY: newSigningKey(),
      DB_TIMEOUT_MS: "15000",
      REGISTRATION_OPEN: "true",
      // The story registers several people from one address (its default allows 5 an hour).
      REGISTRATION_PER_HOUR: "100",
      WEBHOOK_ALLOW_LOOPBACK: "true",
    });
    cleanups.push(() => worker.close());
    return api(database.pool, worker.url, worker.log, close);
  } catch (err) {
    await close();
    throw err;
  }
}

function api(pool: pg.Pool, url: string, log: () => string, close: () => Promise<void>): OldApi {
  /** What workerd logged for one request (its id prefixes the worker's error line), or the tail. */
  const logOf = (requestId: unknown) => {
    const text = log();
    const at = typeof requestId === "string" ? text.indexOf(`[${requestId}]`) : -1;
    return at >= 0 ? text.slice(at, at + 1200) : text.slice(-1200);
  };
  /**
   * One request of the story. A status outside what the release documented for it fails, with the
   * problem it returned and, on a 5xx, the database error the worker logged.
   */
  const step: OldApi["step"] = async (method, path, expected, token, body) => {
    const res = await fetch(`${url}${path}`, {
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
  };
  /** A superuser: registered through the old API, promoted in SQL (the CLI's way), signed in. */
  const superuser = async (email: string) => {
    const username = email.split("@")[0];
    await step("POST", "/users/register", 201, undefined, { email, username, password: PASSWORD, position_fk: 1 });
    await pool.query("UPDATE app_user SET is_superuser = true, is_verified = true WHERE email = $1", [email]);
    const login = await step("POST", "/users/login", 200, undefined, { email, password: PASSWORD });
    return String(login.body.access_token);
  };
  return { pool, log, step, superuser, close };
}

/** ISO 8601 week of a UTC date, as the timesheet routes spell it (2026-W49). */
export function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  t.setUTCDate(t.getUTCDate() + 4 - (t.getUTCDay() || 7));
  const jan1 = Date.UTC(t.getUTCFullYear(), 0, 1);
  return `${t.getUTCFullYear()}-W${String(Math.ceil(((t.getTime() - jan1) / DAY + 1) / 7)).padStart(2, "0")}`;
}
