// The bench's workload: every endpoint it measures, with the users, bodies and state each needs,
// and a loopback webhook receiver for the rows where an endpoint listens.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mcpTargets } from "./mcp.ts";
import type { Target } from "./measure.ts";
import { monthAgo, now, WRITERS } from "./options.ts";
import { type Account, PASSWORD, priceEverything, type Stack } from "./stack.ts";

export function targets(stack: Stack, accounts: Account[], projectIds: number[]): Target[] {
  const writers = accounts.slice(1, WRITERS + 1).map((a) => a.token);
  const superuser = [accounts[0]?.token ?? ""];
  const json = { "content-type": "application/json" };
  return [
    { name: "baseline: one SELECT via neon()", base: "baseline", requests: [{ method: "GET", path: "/" }] },
    {
      name: "baseline: the same SELECT in a batch with statement_timeout",
      base: "baseline",
      requests: [{ method: "GET", path: "/batch" }],
    },
    { name: "GET /health", base: "api", requests: [{ method: "GET", path: "/health" }] },
    { name: "GET /users/me", base: "api", requests: [{ method: "GET", path: "/users/me" }], tokens: writers },
    {
      name: "GET /timelog/current",
      base: "api",
      requests: [{ method: "GET", path: "/timelog/current" }],
      tokens: writers,
    },
    // The MCP tool beside its route (issue 25 §1, h-mcp): scripts/bench/mcp.ts.
    ...mcpTargets(writers),
    {
      name: "GET /timelog/{id}",
      base: "api",
      requests: [{ method: "GET", path: "/timelog/1" }],
      tokens: superuser,
    },
    {
      name: "GET /timelog/?limit=50",
      base: "api",
      requests: [{ method: "GET", path: "/timelog/?limit=50" }],
      tokens: writers,
    },
    {
      name: "POST /timelog/ + /close (pair)",
      base: "api",
      tokens: writers,
      // The load stops mid-sequence: a clock-in whose close was cut off would make the next run's
      // first clock-in a (correct) 409.
      before: async () => {
        await stack.sql.query("UPDATE timelog SET end_time = now() WHERE end_time IS NULL");
        await stack.sql.query("UPDATE webhook_endpoint SET status = 'paused', events = '{user.created}'");
      },
      requests: [
        { method: "POST", path: "/timelog/", body: JSON.stringify({ project_fk: projectIds[0] }) },
        { method: "POST", path: "/timelog/close" },
      ],
    },
    {
      // The same pair with an endpoint listening: the outbox rows ride in the write's transaction;
      // delivery (claim, POST to a loopback receiver, record) runs after the response, and its
      // round trips are counted here too.
      name: "POST /timelog/ + /close (pair), a webhook endpoint listening",
      base: "api",
      tokens: writers,
      before: async () => {
        await stack.sql.query("UPDATE timelog SET end_time = now() WHERE end_time IS NULL");
        await listen(stack);
      },
      requests: [
        { method: "POST", path: "/timelog/", body: JSON.stringify({ project_fk: projectIds[0] }) },
        { method: "POST", path: "/timelog/close" },
      ],
    },
    {
      name: "GET /webhooks/{id}/deliveries",
      base: "api",
      tokens: superuser,
      before: () => listen(stack),
      requests: [{ method: "GET", path: "/webhooks/1/deliveries?limit=50" }],
    },
    {
      name: "POST /users/login",
      base: "api",
      // Each connection signs in as its own user from its own address. (One account from one
      // address is allowed 5 password checks at a time: each is reserved before it is verified.)
      logins: accounts.slice(1, 17).map((a, i) => ({ email: a.email, password: PASSWORD, ip: `10.8.${i}.1` })),
      requests: [{ method: "POST", path: "/users/login", headers: json }],
    },
    {
      // No rates: nothing to price (the lookups find no rate, every amount is 0).
      name: "GET /reports/summary (month by project, everyone)",
      base: "api",
      tokens: superuser,
      before: () => stack.sql.query("DELETE FROM rate").then(() => stack.sql.query("ANALYZE rate")),
      requests: [{ method: "GET", path: `/reports/summary?from=${monthAgo}&to=${now}&group_by=project` }],
    },
    {
      name: "GET /reports/summary (month by project, everyone, with money)",
      base: "api",
      tokens: superuser,
      before: () => priceEverything(stack),
      requests: [{ method: "GET", path: `/reports/summary?from=${monthAgo}&to=${now}&group_by=project` }],
    },
    {
      // Without rates, as before money existed (the money comparison is the pair of rows above).
      name: "GET /reports/summary (month by user × project × day)",
      base: "api",
      tokens: superuser,
      before: () => stack.sql.query("DELETE FROM rate"),
      requests: [{ method: "GET", path: `/reports/summary?from=${monthAgo}&to=${now}&group_by=user,project,day` }],
    },
    {
      // A row per date: schedule, holidays, absences, worked time and the opening balance before it.
      name: PEOPLE_TARGETS[0],
      base: "api",
      tokens: [accounts[1]?.token ?? ""],
      before: () => seedPeople(stack, accounts),
      requests: [{ method: "GET", path: `/users/${accounts[1]?.id}/time-account?from=${yearAgoDay}&to=${today}` }],
    },
    {
      name: PEOPLE_TARGETS[1],
      base: "api",
      tokens: superuser,
      before: () => seedPeople(stack, accounts),
      requests: [{ method: "GET", path: `/absences/calendar?team_fk=${BENCH_TEAM}&month=${today.slice(0, 7)}` }],
    },
  ];
}

/** Issue 22's two rows (judged against the month summary). */
export const PEOPLE_TARGETS = [
  "GET /users/{id}/time-account (one person, a year)",
  "GET /absences/calendar (team of 200, a month)",
] as const;
const today = new Date().toISOString().slice(0, 10);
const yearAgoDay = new Date(Date.now() - 365 * 86_400_000).toISOString().slice(0, 10);
const BENCH_TEAM = 9001;

/**
 * Everyone in one team, a holiday calendar with a holiday this month and last, and two absences per
 * person this month (a sick day and a half-day vacation), seeded without triggers and idempotently
 * (each stack runs it before each of these rows).
 */
async function seedPeople(stack: Stack, accounts: Account[]) {
  const ids = `{${accounts.map((a) => a.id).join(",")}}`;
  await stack.sql.transaction([
    stack.sql`SELECT set_config('session_replication_role', 'replica', true)`,
    stack.sql.query(
      `INSERT INTO holiday_calendar (id, name) OVERRIDING SYSTEM VALUE VALUES (9001, 'bench') ON CONFLICT (id) DO NOTHING`,
    ),
    stack.sql.query(
      `INSERT INTO holiday (calendar_fk, day, name, half_day)
       SELECT 9001, date_trunc('month', current_date)::date + d, 'bench holiday ' || d, d = 10 FROM unnest('{2,10,40}'::int[]) d
       ON CONFLICT DO NOTHING`,
    ),
    stack.sql.query("UPDATE company_settings SET holiday_calendar_fk = 9001"),
    stack.sql.query(`INSERT INTO team (id, name) VALUES (${BENCH_TEAM}, 'bench team') ON CONFLICT (id) DO NOTHING`),
    stack.sql.query(
      `INSERT INTO team_member (team_fk, user_fk, role)
       SELECT ${BENCH_TEAM}, u, CASE WHEN o = 1 THEN 'manager' ELSE 'member' END FROM unnest($1::int[]) WITH ORDINALITY x(u, o)
       ON CONFLICT DO NOTHING`,
      [ids],
    ),
    stack.sql.query(
      `INSERT INTO absence (user_fk, type_fk, first_day, last_day, half_day, status, requested_by, note)
       SELECT u, t.type, t.day, t.day, t.half, 'approved', u, 'bench'
       FROM unnest($1::int[]) WITH ORDINALITY x(u, o)
       CROSS JOIN LATERAL (VALUES
         (2, date_trunc('month', current_date)::date + (o % 20)::int, NULL),
         (1, date_trunc('month', current_date)::date + (o % 20)::int + 1, 'am')) t(type, day, half)
       WHERE NOT EXISTS (SELECT 1 FROM absence a WHERE a.note = 'bench' AND a.user_fk = u)`,
      [ids],
    ),
  ]);
}

/** A webhook receiver on loopback that accepts everything, and endpoint 1 pointing at it. */
export const receiver = createServer((req, res) => {
  req.resume();
  req.on("end", () => res.writeHead(204).end());
});
await new Promise<void>((ok) => receiver.listen(0, "127.0.0.1", ok));
async function listen(stack: Stack) {
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
  await stack.sql.query(
    `INSERT INTO webhook_endpoint (id, url, events, secret) OVERRIDING SYSTEM VALUE
     VALUES (1, $1, '{timelog.created,timer.started,timer.stopped}', $2)
     ON CONFLICT (id) DO UPDATE SET url = $1, status = 'active', events = EXCLUDED.events`,
    [url, `whsec_${Buffer.alloc(32, 7).toString("base64")}`],
  );
}

/** The reads whose statement a bare worker replays: the database's share of each, measured apart. */
const REPLAYED = [
  "POST /timelog/ + /close (pair)",
  "GET /users/me",
  "GET /timelog/current",
  "GET /timelog/{id}",
  "GET /timelog/?limit=50",
  "GET /reports/summary (month by project, everyone)",
  "GET /reports/summary (month by project, everyone, with money)",
  "GET /reports/summary (month by user × project × day)",
];
export const replayName = (name: string) => `the same SQL from a bare worker: ${name}`;

/**
 * For each replayed endpoint: its requests sent to the API once per user it runs as (each user's
 * sequence in order, so the pair leaves no timer running), and the statements the endpoint received,
 * sent by the baseline worker (`/replay`) as a row of its own, each connection with its user's. The
 * API's req/s over that row's is what the worker itself costs; the row's ratio to the baseline is
 * what the endpoint's SQL costs.
 */
export async function replays(stack: Stack, list: Target[]): Promise<Target[]> {
  const out: Target[] = [];
  for (const t of list.filter((x) => REPLAYED.includes(x.name))) {
    await t.before?.();
    const bodies: string[][] = [];
    // Reads are the same statement for every user; a write's user matters (one timer each).
    for (const token of t.name.startsWith("GET ") ? (t.tokens ?? [""]).slice(0, 1) : (t.tokens ?? [""])) {
      const sequence: string[] = [];
      for (const req of t.requests) {
        const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
        if (req.body) headers["content-type"] = "application/json";
        const res = await fetch(`${stack.host.apiUrl}${req.path}`, {
          method: req.method,
          headers,
          body: req.body as string | undefined,
        });
        if (!res.ok) throw new Error(`${t.name} before its replay: ${res.status}`);
        await res.arrayBuffer();
        sequence.push(JSON.stringify(await stack.lastRequest()));
      }
      bodies.push(sequence);
    }
    out.push({
      name: replayName(t.name),
      base: "baseline",
      requests: t.requests.map(() => ({
        method: "POST",
        path: "/replay",
        headers: { "content-type": "application/json" },
      })),
      bodies,
      // The same state as the endpoint's own row (rates priced or removed, no timer left running).
      before: t.before,
    });
  }
  return out;
}
