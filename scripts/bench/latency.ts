// The latency table (issue 24 §5): what one client sees per request when the database is 0, 20 and
// 80 ms away. The local Neon endpoint injects the distance per round trip (--rtt, Faults.rttMs;
// scripts/neon-local/server.ts), so a route that makes one round trip pays one RTT and a handler
// that awaits three queries pays three. One client, requests one after another (latency, not
// throughput), every route once per round so drift on a busy machine hits all alike.
// `npm run bench -- --only latency` measures just this and replaces its section of the page.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { buildBundles } from "./host.ts";
import { FIRST, log, monthAgo, now, QUICK } from "./options.ts";
import { type Account, createAccounts, createProjects, PASSWORD, type Stack, seedLogs, startStack } from "./stack.ts";

export const RTTS = [0, 20, 80];
/** Requests per route at each distance (a quick run: enough to see the shape, not a p99). */
const SAMPLES = QUICK ? 5 : 100;
export const TITLE = "## Latency at a distance";
const ONE_SELECT = "baseline: one SELECT via neon()";
const MCP_CALL = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "tools/call",
  params: { name: "current_timer", arguments: {} },
});

interface Step {
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
}
interface Route {
  name: string;
  base: "api" | "baseline";
  /** Steps sent in order; each is one sample (a clock-in, then its clock-out). */
  steps: Step[];
  token?: string;
  /** Sign-ins rotate over accounts and client addresses, as real users' do. */
  logins?: { email: string; ip: string }[];
}

function routes(accounts: Account[], projectId: number): Route[] {
  const writer = accounts[1]?.token ?? "";
  const superuser = accounts[0]?.token ?? "";
  const reader = accounts[2]?.token ?? "";
  return [
    {
      name: "read: GET /timelog/current",
      base: "api",
      steps: [{ method: "GET", path: "/timelog/current" }],
      token: reader,
    },
    {
      // Issue 25: the MCP tool is that same route called inside the Worker, so the same one round trip.
      name: "MCP: POST /mcp tools/call current_timer",
      base: "api",
      steps: [
        { method: "POST", path: "/mcp", headers: { accept: "application/json, text/event-stream" }, body: MCP_CALL },
      ],
      token: reader,
    },
    {
      name: "list: GET /timelog/?limit=50",
      base: "api",
      steps: [{ method: "GET", path: "/timelog/?limit=50" }],
      token: reader,
    },
    {
      name: "write: POST /timelog/ (clock-in), POST /timelog/close (clock-out)",
      base: "api",
      token: writer,
      steps: [
        { method: "POST", path: "/timelog/", body: JSON.stringify({ project_fk: projectId }) },
        { method: "POST", path: "/timelog/close" },
      ],
    },
    {
      name: "report: GET /reports/summary (month by project, everyone)",
      base: "api",
      token: superuser,
      steps: [{ method: "GET", path: `/reports/summary?from=${monthAgo}&to=${now}&group_by=project` }],
    },
    {
      name: "login: POST /users/login",
      base: "api",
      logins: accounts.slice(3, 11).map((a, i) => ({ email: a.email, ip: `10.7.${i}.1` })),
      steps: [{ method: "POST", path: "/users/login" }],
    },
    { name: ONE_SELECT, base: "baseline", steps: [{ method: "GET", path: "/" }] },
    {
      name: "baseline: the same read as three sequential queries (session, user, row), as an ORM handler makes it",
      base: "baseline",
      steps: [{ method: "GET", path: `/three?user=${accounts[2]?.id ?? 1}` }],
    },
  ];
}

interface Tally {
  ms: Record<number, number[]>;
  trips: number;
  requests: number;
}

/** Sends one route's steps once; its samples go to `tally` under `rtt`. */
async function once(stack: Stack, route: Route, i: number, rtt: number, tally: Tally) {
  for (const step of route.steps) {
    const headers: Record<string, string> = { ...step.headers };
    let body = step.body;
    if (route.token) headers.authorization = `Bearer ${route.token}`;
    const login = route.logins?.[i % route.logins.length];
    if (login) {
      headers["cf-connecting-ip"] = login.ip;
      body = JSON.stringify({ email: login.email, password: PASSWORD });
    }
    if (body) headers["content-type"] = "application/json";
    const trips = await stack.roundTrips();
    const url = (route.base === "api" ? stack.host.apiUrl : stack.host.baselineUrl) + step.path;
    const t0 = performance.now();
    const res = await fetch(url, { method: step.method, headers, body });
    await res.arrayBuffer();
    const ms = performance.now() - t0;
    if (!res.ok) throw new Error(`latency: ${step.method} ${step.path} answered ${res.status}`);
    tally.trips += (await stack.roundTrips()) - trips;
    tally.requests++;
    tally.ms[rtt] = [...(tally.ms[rtt] ?? []), ms];
  }
}

const percentile = (values: number[], p: number) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
};

/** Measures every route at every distance and returns the page's section. */
export async function latencySection(stack: Stack, accounts: Account[], projectIds: number[]): Promise<string> {
  const list = routes(accounts, projectIds[0] ?? 1);
  const tallies = new Map<string, Tally>(list.map((r) => [r.name, { ms: {}, trips: 0, requests: 0 }]));
  // Nothing left running from earlier rows; webhooks quiet (their deliveries are round trips too).
  await stack.sql.query("UPDATE timelog SET end_time = now() WHERE end_time IS NULL");
  await stack.sql.query("UPDATE webhook_endpoint SET status = 'paused'");
  try {
    for (const rtt of RTTS) {
      // ±10 % jitter, the same draws in every run (the endpoint's generator, seeded).
      await stack.faults({ rttMs: rtt, jitterMs: rtt / 10, seed: 1 });
      const warm: Tally = { ms: {}, trips: 0, requests: 0 };
      for (const route of list) await once(stack, route, 0, rtt, warm);
      for (let i = 0; i < SAMPLES; i++) {
        for (const route of list) await once(stack, route, i, rtt, tallies.get(route.name) as Tally);
      }
      log(`latency at ${rtt} ms RTT: done (${SAMPLES} per route)`);
    }
  } finally {
    await stack.faults({ rttMs: 0, jitterMs: 0 });
  }
  return render(list, tallies);
}

function render(list: Route[], tallies: Map<string, Tally>): string {
  const far = RTTS.at(-1) ?? 80;
  const p50 = (t: Tally | undefined, rtt: number) => percentile(t?.ms[rtt] ?? [], 50);
  const growth = (t: Tally | undefined) => p50(t, far) - p50(t, 0);
  // What one round trip at `far` really cost on this machine (timers on a busy machine fire late):
  // the one-SELECT baseline pays exactly one, so each row's growth over its growth counts round trips.
  const one = growth(tallies.get(ONE_SELECT)) || far;
  const head = `| route | DB round trips/req | ${RTTS.map((r) => `p50 at ${r} ms | p99 at ${r} ms`).join(" | ")} | RTTs paid at ${far} ms |`;
  const rule = `|---|---:|${RTTS.map(() => "---:|---:").join("|")}|---:|`;
  const lines = list.map((route) => {
    const t = tallies.get(route.name) as Tally;
    const cells = RTTS.map((r) => `${p50(t, r).toFixed(1)} | ${percentile(t.ms[r] ?? [], 99).toFixed(1)}`);
    return `| ${route.name} | ${(t.trips / (t.requests || 1)).toFixed(2)} | ${cells.join(" | ")} | ${(growth(t) / one).toFixed(2)} |`;
  });
  return `${TITLE}

Measured by \`npm run bench${QUICK ? " -- --quick" : ""}\` (or \`-- --only latency\`, which rewrites only this section) on ${new Date().toISOString()}:
one client, one request at a time, ${SAMPLES} requests per route at each distance (interleaved), PostgreSQL with ${FIRST.toLocaleString("en")} time logs.
The local Neon endpoint holds every round trip for the RTT (half on the way there, half on the way back, ±10 % seeded jitter),
as a database that far from the Worker would. Times in ms, client-side, whole request.

${[head, rule, ...lines].join("\n")}

How to read it: the API makes one database round trip per request (login two: the password check, then the session), so
each row's p50 grows by about one RTT from column to column (login: two). "RTTs paid" is a row's p50 growth from 0 to
${far} ms divided by the one-SELECT baseline's (which pays exactly one round trip, so timer lateness on a busy machine cancels
out): ~1.0 for every route, ~2.0 for login, ~3.0 for the three-query baseline. The rest of a row is its own work (a report's aggregation, login's password hash), which does not grow with distance. The last
baseline row reads what \`GET /timelog/current\` reads the way an ORM handler does (session, then user, then the row, each
awaited): it pays three RTTs, so at ${far} ms it is ~${2 * far} ms slower than the API's read. The RTT is between the Worker and the
database: Smart Placement (README, Latency) keeps it small by running the Worker near the database.`;
}

/** `npm run bench -- --only latency`: a stack of its own, this section only, spliced into the page. */
export async function latencyOnly(outFile: string) {
  const bundle = await buildBundles();
  const stack = await startStack("postgres", bundle);
  let section = "";
  try {
    const accounts = await createAccounts(stack, 40, "lat", 12);
    const projects = await createProjects(stack, 10);
    await seedLogs(
      stack,
      accounts.map((a) => a.id),
      projects,
      FIRST / accounts.length,
    );
    section = await latencySection(stack, accounts, projects);
  } finally {
    await stack.close();
  }
  const page = existsSync(outFile) ? readFileSync(outFile, "utf8") : "# Benchmarks\n";
  const at = page.indexOf(TITLE);
  const next = at < 0 ? -1 : page.indexOf("\n## ", at + TITLE.length);
  const updated =
    at < 0
      ? `${page.trimEnd()}\n\n${section}\n`
      : `${page.slice(0, at)}${section}\n${next < 0 ? "" : page.slice(next)}`;
  writeFileSync(outFile, updated);
  log(`wrote the latency section of ${outFile}`);
}
