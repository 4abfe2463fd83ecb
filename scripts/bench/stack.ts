// The whole stack for measurements: a database (PostgreSQL cluster or PGlite) behind the local
// Neon endpoint in its own process, the worker bundle on plain workerd, and test accounts.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { neon, neonConfig } from "@neondatabase/serverless";
import pg from "pg";
import { hashPassword } from "../../src/auth/password.ts";
import { newSigningKey } from "../keys.ts";
import type { Faults } from "../neon-local/server.ts";
import { type Cluster, startPostgres } from "../pg-cluster.ts";
import { type Bundle, type Host, serve } from "./host.ts";

export const DB_URL = "postgres://bench:bench@localhost/bench";
export const PASSWORD = "correct horse battery";

export interface Stack {
  kind: "postgres" | "pglite";
  endpoint: string;
  host: Host;
  sql: ReturnType<typeof neon>;
  roundTrips(): Promise<number>;
  /** The last request the endpoint was sent for the bench database, as it came (a Neon HTTP body). */
  lastRequest(): Promise<unknown>;
  faults(f: Partial<Faults>): Promise<void>;
  close(): Promise<void>;
}

async function startEndpoint(databaseUrl?: string): Promise<{ child: ChildProcess; url: string }> {
  const args = ["--experimental-strip-types", "--no-warnings", "scripts/neon-local/serve.ts", "--migrate", "--faults"];
  if (databaseUrl) args.push("--database-url", databaseUrl);
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    lines.on("line", (line) => line.startsWith("ready ") && resolve(line.slice(6)));
    child.once("exit", (code) => reject(new Error(`endpoint exited (${code})`)));
  });
  return { child, url };
}

export async function startStack(
  kind: "postgres" | "pglite",
  bundle: Bundle,
  extraBindings: Record<string, string> = {},
): Promise<Stack> {
  let cluster: Cluster | undefined;
  let databaseUrl: string | undefined;
  if (kind === "postgres") {
    cluster = startPostgres(process.env.BENCH_DATABASE_URL);
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query("DROP DATABASE IF EXISTS timelog_bench WITH (FORCE)");
    await admin.query("CREATE DATABASE timelog_bench");
    await admin.end();
    const u = new URL(cluster.url);
    u.pathname = "/timelog_bench";
    databaseUrl = u.toString();
  }
  const endpoint = await startEndpoint(databaseUrl);
  const host = await serve(bundle, {
    DATABASE_URL: DB_URL,
    NEON_FETCH_ENDPOINT: endpoint.url,
    JWT_PRIVATE_KEY: newSigningKey(),
    ...extraBindings,
  });
  neonConfig.fetchEndpoint = endpoint.url;
  const base = new URL(endpoint.url).origin;
  return {
    kind,
    endpoint: endpoint.url,
    host,
    sql: neon(DB_URL),
    async lastRequest() {
      return (await fetch(`${base}/__last?db=bench`)).json();
    },
    async roundTrips() {
      const res = await fetch(`${base}/__stats?db=bench`);
      return ((await res.json()) as { requests: number }).requests;
    },
    async faults(f) {
      await fetch(`${base}/__faults`, { method: "POST", body: JSON.stringify(f) });
    },
    async close() {
      await host.close();
      endpoint.child.kill("SIGTERM");
      await new Promise((r) => endpoint.child.once("exit", r));
      cluster?.stop();
    },
  };
}

export interface Account {
  id: number;
  email: string;
  token: string;
}

/** Users (one superuser first) with a shared known password; the first `signIn` log in through the API. */
export async function createAccounts(stack: Stack, count: number, prefix: string, signIn = count): Promise<Account[]> {
  const hash = await hashPassword(PASSWORD);
  const rows = (await stack.sql.query(
    `INSERT INTO app_user (email, username, position_fk, password_hash, is_superuser, is_verified)
     SELECT $1 || g || '@bench.test', $1 || g, 1, $2, g = 1, true FROM generate_series(1, $3::int) g
     RETURNING id, email`,
    [prefix, hash, count],
  )) as { id: number; email: string }[];
  const accounts: Account[] = [];
  for (const row of rows) {
    if (accounts.length >= signIn) {
      accounts.push({ ...row, token: "" });
      continue;
    }
    const res = await fetch(`${stack.host.apiUrl}/users/login`, {
      method: "POST",
      headers: { "content-type": "application/json", "cf-connecting-ip": `10.9.${accounts.length % 250}.1` },
      body: JSON.stringify({ email: row.email, password: PASSWORD }),
    });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
    accounts.push({ ...row, token: ((await res.json()) as { access_token: string }).access_token });
  }
  return accounts;
}

export async function createProjects(stack: Stack, count: number): Promise<number[]> {
  const rows = (await stack.sql.query(
    "INSERT INTO project (secret_name) SELECT 'Project ' || g FROM generate_series(1, $1::int) g RETURNING id",
    [count],
  )) as { id: number }[];
  return rows.map((r) => r.id);
}

/**
 * Adds `perUser` finished logs to each user, back to back going back in time from before their
 * earliest log: 1–7 hour shifts, 8 hours apart, on a random project. For the bench's millions of rows
 * triggers are skipped (the exclusion constraint and unique index still check every row), so those
 * logs have no audit events; `audited` keeps the triggers, as the load's audit checks need.
 */
export async function seedLogs(
  stack: Stack,
  userIds: number[],
  projectIds: number[],
  perUser: number,
  { audited = false } = {},
): Promise<void> {
  await stack.sql.transaction([
    // A million rows take longer than the database's default timeout for requests.
    stack.sql`SELECT set_config('statement_timeout', '0', true)`,
    stack.sql`SELECT set_config('session_replication_role', ${audited ? "origin" : "replica"}, true)`,
    stack.sql.query(
      `INSERT INTO timelog (user_fk, project_fk, start_time, end_time, note)
       SELECT u.id, ($2::int[])[1 + (g % array_length($2::int[], 1))],
              e.edge - (g + 1) * interval '8 hours',
              e.edge - (g + 1) * interval '8 hours' + (1 + g % 7) * interval '1 hour',
              CASE WHEN g % 5 = 0 THEN 'seeded note ' || g END
       FROM unnest($1::int[]) AS u(id)
       CROSS JOIN LATERAL (SELECT coalesce(min(start_time), now() - interval '1 day') AS edge FROM timelog WHERE user_fk = u.id) e
       CROSS JOIN generate_series(0, $3::int - 1) g`,
      [`{${userIds.join(",")}}`, `{${projectIds.join(",")}}`, perUser],
    ),
  ]);
  await stack.sql.transaction([
    stack.sql`SELECT set_config('statement_timeout', '0', true)`,
    stack.sql`ANALYZE timelog`,
  ]);
}

/** Two billable rates per project (one changes mid-month) and a cost rate per position. */
export async function priceEverything(stack: Stack) {
  await stack.sql.query("DELETE FROM rate");
  await stack.sql.query(
    `INSERT INTO rate (kind, amount, effective_from, project_fk)
     SELECT 'billable', 9000 + id, d, id FROM project, (VALUES ('2000-01-01'::date), (current_date - 15)) v(d)`,
  );
  await stack.sql.query(
    "INSERT INTO rate (kind, amount, effective_from, position_fk) SELECT 'cost', 4000 + id, '2000-01-01', id FROM position",
  );
  // As autovacuum would soon after: the planner's picture of the rate card.
  await stack.sql.query("ANALYZE rate");
}
