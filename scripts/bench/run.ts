// `npm run bench [-- --quick] [-- --out FILE]`: measures the API as it deploys (minified bundle on
// plain workerd) against the local Neon endpoint on PostgreSQL (and on PGlite), next to a baseline
// worker that runs one SELECT through neon(), and writes BENCHMARKS.md.
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { newSigningKey } from "../keys.ts";
import { buildBundles, coldStartMs, cpuSeconds } from "./host.ts";
import { measure, median, type Sample, type Target } from "./measure.ts";
import {
  type Account,
  createAccounts,
  createProjects,
  PASSWORD,
  priceEverything,
  type Stack,
  seedLogs,
  startStack,
} from "./stack.ts";

const { values } = parseArgs({
  options: { quick: { type: "boolean", default: false }, out: { type: "string", default: "BENCHMARKS.md" } },
});
const quick = values.quick;
const REPEATS = quick ? 1 : 3;
const SECONDS = quick ? 1 : 2;
const CONNECTIONS = [1, 16];
const USERS = 200;
const WRITERS = 16;
const SIZES = quick ? [10_000] : [10_000, 100_000, 1_000_000];
const FIRST = 10_000;
const ROOT = join(import.meta.dirname, "..", "..");
const started = Date.now();
const log = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${line}`);

const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString();
const now = new Date().toISOString();

function targets(stack: Stack, accounts: Account[], projectIds: number[]): Target[] {
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
  ];
}

/** A webhook receiver on loopback that accepts everything, and endpoint 1 pointing at it. */
const receiver = createServer((req, res) => {
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

/** The summary with money against the same summary with nothing to price, at each size (target: ≤ 1.5×). */
function moneyRatio(p50At: Map<string, number>): string {
  const base = "GET /reports/summary (month by project, everyone)";
  const lines = SIZES.flatMap((size) =>
    CONNECTIONS.map((c) => {
      const a = p50At.get(`${base}|${size}|${c}`) ?? 0;
      const b = p50At.get(`${base.slice(0, -1)}, with money)|${size}|${c}`) ?? 0;
      return `${size.toLocaleString("en")} logs, ${c} connection${c > 1 ? "s" : ""}: ${b} ms with money vs ${a} ms without (${a > 0 ? (b / a).toFixed(2) : "?"}×)`;
    }),
  );
  return `Money in the month summary (p50, medians of ${REPEATS} interleaved rounds; two billable rates per project, one changing mid-month, and a cost rate per position): ${lines.join("; ")}.`;
}

interface Row {
  target: string;
  connections: number;
  samples: Sample[];
  baseline: number[];
}

async function benchEndpoints(stack: Stack, list: Target[], repeats: number): Promise<Row[]> {
  log(`${stack.kind}: warm-up`);
  for (const t of list) await measure(stack, t, 4, 1);
  const rows: Row[] = [];
  for (const c of CONNECTIONS)
    for (const t of list) rows.push({ target: t.name, connections: c, samples: [], baseline: [] });
  for (let r = 0; r < repeats; r++) {
    for (const c of CONNECTIONS) {
      // Interleaved: every endpoint once, then again, so drift on a noisy machine hits all alike.
      let base = 0;
      for (const t of list) {
        const s = await measure(stack, t, c, SECONDS);
        // The first baseline row is the floor the others are divided by.
        if (t.base === "baseline" && base === 0) base = s.reqPerSec;
        const row = rows.find((x) => x.target === t.name && x.connections === c);
        row?.samples.push(s);
        row?.baseline.push(base);
        log(
          `${stack.kind} r${r + 1} c${c} ${t.name}: ${s.reqPerSec.toFixed(0)} req/s p50 ${s.p50} ms, non-2xx ${s.non2xx}`,
        );
      }
    }
  }
  return rows;
}

/** Rows in which no request succeeded: printed as such (never as "0 req/s, p50 0 ms"), and the run fails. */
const emptyRows: string[] = [];
function noRequest(target: string, connections: number): string {
  emptyRows.push(`${target} (${connections} conns)`);
  return `| ${target} | ${connections} | no request completed | | | | | | |`;
}

function table(rows: Row[]): string {
  const head =
    "| endpoint | conns | req/s | p50 ms | p99 ms | × baseline req/s | DB round trips/req | workerd CPU ms/req | non-2xx |\n" +
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|";
  const lines = rows.map((r) => {
    // A row of refusals (all 4xx, say) measured nothing: it counts as empty too.
    const done = r.samples.filter((s) => s.requests > s.non2xx);
    if (!done.length) return noRequest(r.target, r.connections);
    const m = (f: (s: Sample) => number) => median(done.map(f));
    const ratio = median(
      r.samples.flatMap((s, i) => (s.requests > s.non2xx ? [s.reqPerSec / (r.baseline[i] || 1)] : [])),
    );
    return `| ${r.target} | ${r.connections} | ${m((s) => s.reqPerSec).toFixed(0)} | ${m((s) => s.p50).toFixed(1)} | ${m((s) => s.p99).toFixed(1)} | ${ratio.toFixed(2)} | ${m((s) => s.roundTrips).toFixed(2)} | ${m((s) => s.cpuMsPerReq).toFixed(2)} | ${m((s) => s.non2xx)} |`;
  });
  return [head, ...lines].join("\n");
}

/** One sentence per endpoint: how its single-connection p50 changed from the smallest to the largest table. */
function growth(names: string[], p50At: Map<string, number>, monthAt: Map<number, number>): string {
  const first = SIZES[0] ?? FIRST;
  const last = SIZES.at(-1) ?? FIRST;
  if (first === last) return "Only one size was measured (quick mode), so growth is not reported.";
  const lines = names.map((name) => {
    const a = p50At.get(`${name}|${first}|1`) ?? 0;
    const b = p50At.get(`${name}|${last}|1`) ?? 0;
    const factor = a > 0 ? b / a : 0;
    let verdict =
      factor < 1.5 ? "flat: the query touches the same rows whatever the table size" : `grows ${factor.toFixed(1)}×`;
    const [m1, m2] = [monthAt.get(first) ?? 0, monthAt.get(last) ?? 0];
    if (name.includes("summary") && factor >= 1.5 && m1 > 0) {
      verdict += `, while the logs in its month grew ${(m2 / m1).toFixed(1)}× (${m1.toLocaleString("en")} → ${m2.toLocaleString("en")}): the cost follows the logs in the range, not the table`;
    }
    return `- ${name}: p50 ${a} ms at ${first.toLocaleString("en")} logs, ${b} ms at ${last.toLocaleString("en")} (${verdict}).`;
  });
  return `How latency grows with ${(last / first).toLocaleString("en")}× more logs (one connection):\n\n${lines.join("\n")}`;
}

/** Medians of 7 fresh starts each: the API to its first answer (the JWKS, no database), the baseline to its. */
async function coldStarts() {
  const bindings = { DATABASE_URL: "postgres://bench:bench@localhost/none", JWT_PRIVATE_KEY: newSigningKey() };
  const api: number[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < 7; i++) {
    api.push(await coldStartMs(bundle.api, "/.well-known/jwks.json", bindings));
    baseline.push(await coldStartMs(bundle.baseline, "/ping", bindings));
  }
  return { api: median(api), baseline: median(baseline) };
}

async function hashCpuMs(stack: Stack, n = 20): Promise<number> {
  const before = cpuSeconds(stack.host.workerdPid);
  for (let i = 0; i < n; i++) await (await fetch(`${stack.host.baselineUrl}/hash`)).text();
  return ((cpuSeconds(stack.host.workerdPid) - before) * 1000) / n;
}

const bundle = await buildBundles();
log(`bundle ${bundle.rawBytes} B raw, ${bundle.gzipBytes} B gzip`);
const cold = await coldStarts();
log(`cold start: api ${cold.api.toFixed(0)} ms, baseline ${cold.baseline.toFixed(0)} ms`);
const sections: string[] = [];

// PostgreSQL leg, with the scale series.
const pgStack = await startStack("postgres", bundle, { WEBHOOK_ALLOW_LOOPBACK: "true" });
let pgVersion = "";
let hashMs = 0;
try {
  pgVersion = String(
    ((await pgStack.sql.query("SHOW server_version")) as { server_version: string }[])[0]?.server_version,
  );
  const accounts = await createAccounts(pgStack, USERS, "pg", WRITERS + 1);
  const projects = await createProjects(pgStack, 50);
  const ids = accounts.map((a) => a.id);
  await seedLogs(pgStack, ids, projects, FIRST / USERS);
  const list = targets(pgStack, accounts, projects);
  const rows = await benchEndpoints(pgStack, list, REPEATS);
  sections.push(
    `## PostgreSQL ${pgVersion} (${FIRST.toLocaleString("en")} time logs, ${USERS} users)\n\n${table(rows)}`,
  );
  hashMs = await hashCpuMs(pgStack);

  // The month × user × project × day report leaves the scale series: past 10k logs its month has more
  // than the 20,000 groups a summary may return, and it answers 422 too_many_groups, by design.
  const scaleTargets = list.filter(
    (t) => t.name.startsWith("GET /timelog/?") || t.name.startsWith("GET /reports/summary (month by project, everyone"),
  );
  const scale: string[] = [];
  const p50At = new Map<string, number>(); // "target|size|connections" → p50
  const monthAt = new Map<number, number>(); // size → logs inside the summary's month
  let seeded = FIRST;
  for (const size of SIZES) {
    if (size > seeded) {
      log(`seeding to ${size} logs`);
      const t0 = Date.now();
      await seedLogs(pgStack, ids, projects, (size - seeded) / USERS);
      seeded = size;
      log(`seeded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
    const [inMonth] = (await pgStack.sql.query(
      "SELECT count(*)::int AS n FROM timelog WHERE tstzrange(start_time, end_time, '[)') && tstzrange($1::timestamptz, $2::timestamptz)",
      [monthAgo, now],
    )) as { n: number }[];
    monthAt.set(size, inMonth?.n ?? 0);
    // Interleaved rounds (every target once, then again) so drift on a noisy machine hits the
    // money row and the row without money alike: their ratio is the target.
    const sampled = new Map<string, Sample[]>();
    for (const c of CONNECTIONS) {
      for (let r = 0; r < REPEATS; r++) {
        for (const t of scaleTargets) {
          const key = `${t.name}|${c}`;
          sampled.set(key, [...(sampled.get(key) ?? []), await measure(pgStack, t, c, SECONDS)]);
        }
      }
    }
    for (const t of scaleTargets) {
      for (const c of CONNECTIONS) {
        const samples = sampled.get(`${t.name}|${c}`) ?? [];
        const done = samples.filter((s) => s.requests > s.non2xx);
        const m = (f: (s: Sample) => number) => median(done.map(f));
        if (!done.length) {
          scale.push(
            `| ${size.toLocaleString("en")} | ${(inMonth?.n ?? 0).toLocaleString("en")} ${noRequest(t.name, c)}`,
          );
          continue;
        }
        p50At.set(
          `${t.name}|${size}|${c}`,
          m((s) => s.p50),
        );
        scale.push(
          `| ${size.toLocaleString("en")} | ${(inMonth?.n ?? 0).toLocaleString("en")} | ${t.name} | ${c} | ${m((s) => s.reqPerSec).toFixed(0)} | ${m((s) => s.p50).toFixed(1)} | ${m((s) => s.p99).toFixed(1)} |`,
        );
        log(`scale ${size} c${c} ${t.name}: p50 ${m((s) => s.p50)} ms`);
      }
    }
  }
  sections.push(
    `## Scale (PostgreSQL): list and month summary as the table grows\n\n` +
      `${USERS} users, 50 projects; logs are 1–7 h shifts every 8 h going back from yesterday, so the month the summary ` +
      "covers holds the whole table at 10k logs (17 days of history) and the same ~18k logs at every larger size. " +
      "The month × user × project × day report is not in this series: from 100k logs on its month has more than " +
      "20,000 groups, and it answers 422 too_many_groups by design.\n\n" +
      "| time logs | logs in the month | endpoint | conns | req/s | p50 ms | p99 ms |\n|---:|---:|---|---:|---:|---:|---:|\n" +
      scale.join("\n") +
      "\n\n" +
      growth(
        scaleTargets.map((t) => t.name),
        p50At,
        monthAt,
      ) +
      "\n\n" +
      moneyRatio(p50At),
  );
} finally {
  await pgStack.close();
}

if (!quick) {
  const liteStack = await startStack("pglite", bundle, { WEBHOOK_ALLOW_LOOPBACK: "true" });
  try {
    const accounts = await createAccounts(liteStack, 40, "lite", WRITERS + 1);
    const projects = await createProjects(liteStack, 10);
    await seedLogs(
      liteStack,
      accounts.map((a) => a.id),
      projects,
      50,
    );
    const rows = await benchEndpoints(liteStack, targets(liteStack, accounts, projects), 1);
    sections.push(
      `## PGlite (embedded, one connection: requests are serialised; 2,000 logs)\n\nFor development only; shown so the two can be told apart.\n\n${table(rows)}`,
    );
  } finally {
    await liteStack.close();
  }
}

const pkg = (name: string) =>
  (JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
const cpu = cpus()[0]?.model ?? "unknown";
const doc = `# Benchmarks

Written by \`npm run bench${quick ? " -- --quick" : ""}\` on ${new Date().toISOString()} in ${((Date.now() - started) / 1000).toFixed(0)} s.
Numbers from one noisy shared machine: compare rows within a run, not runs with each other.

- Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}
- Versions: workerd ${pkg("workerd")}, hono ${pkg("hono")}, kysely ${pkg("kysely")}, @neondatabase/serverless ${pkg("@neondatabase/serverless")}, PGlite ${pkg("@electric-sql/pglite")}, PostgreSQL ${pgVersion}
- Setup: the worker built as it deploys (\`wrangler deploy --dry-run --minify\`) on plain \`workerd serve\`; the database behind the
  local Neon HTTP endpoint (\`scripts/neon-local\`, its own Node process) on loopback. Load from autocannon; ${REPEATS} interleaved
  repeat(s) of ${SECONDS} s per row after a warm-up; medians. "× baseline" divides by the baseline worker's req/s in the same repeat.
  DB round trips are counted by the endpoint; workerd CPU is the process's user+system time over the run divided by requests.
- Bundle: ${(bundle.rawBytes / 1024).toFixed(0)} KiB raw, ${(bundle.gzipBytes / 1024).toFixed(0)} KiB gzipped.
- Cold start (spawning \`workerd serve\` with one worker to its first response, no database; median of 7): the API
  ${cold.api.toFixed(0)} ms (to \`/.well-known/jwks.json\`), the baseline ${cold.baseline.toFixed(0)} ms — the difference,
  ${(cold.api - cold.baseline).toFixed(0)} ms, is our bundle's parse, evaluation and first request.
- One password hash (PBKDF2-SHA256, 100,000 iterations) in workerd: ${hashMs.toFixed(1)} ms CPU.
- The clock-in + close pair is counted per request (2 per pair); its writers are ${WRITERS} different users.

${sections.join("\n\n")}
`;
writeFileSync(resolve(ROOT, values.out), doc);
receiver.close();
log(`wrote ${values.out}`);
if (emptyRows.length) {
  console.error(`bench: no request completed in ${emptyRows.length} row(s): ${emptyRows.join(", ")}`);
  process.exitCode = 1;
}
