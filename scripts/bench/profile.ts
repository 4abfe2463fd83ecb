// Where a request's CPU goes (issue 21 §5): the worker bundle, built as it deploys but unminified
// (so the V8 profile keeps esbuild's `// path/to/module` markers and our function names), run in
// this Node process against a RECORDED database: each endpoint's Neon HTTP answers are recorded
// once from the local endpoint (PGlite) and then replayed by a stub of globalThis.fetch, so the
// loop measures only the worker's own work. Prints µs/request and a breakdown by bucket
// (scripts/bench/profile-report.ts), and what evaluating each bundle costs (start-up).
//   npm run bench:profile [-- --quick] [-- --requests N] [-- --interval µs] [-- --top 'regexp']
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { neon, neonConfig } from "@neondatabase/serverless";
import { hashPassword } from "../../src/auth/password.ts";
import { newSigningKey } from "../keys.ts";
import { type Measured, type Profile, report } from "./profile-report.ts";
import { bundle, DB_HOST, OUT, passThrough, record, replay, startEndpoint, vars } from "./profile-setup.ts";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    requests: { type: "string" },
    interval: { type: "string", default: "100" },
    /** Which rows get a top-25 list of functions (a regular expression on their names). */
    top: { type: "string", default: "/users/me|/health|start-up: API" },
  },
});
const N = Number(args.requests ?? (args.quick ? 1500 : 20_000));
const WARMUP = Math.max(300, Math.floor(N / 10));
const ROUNDS = 5;

type Handler = { fetch(req: Request, env: object, ctx: object): Promise<Response> };
interface Case {
  name: string;
  worker: Handler;
  env: object;
  request: () => Request;
  answers: ReturnType<typeof record>;
}

const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} };

async function call(c: Case): Promise<Response> {
  const res = await c.worker.fetch(c.request(), c.env, ctx);
  await res.arrayBuffer();
  return res;
}

const session = new Session();
session.connect();
await session.post("Profiler.enable");
await session.post("Profiler.setSamplingInterval", { interval: Number(args.interval) });

/** Runs `work` under the profiler; its CPU is this thread's (µs). */
async function profiled(work: () => Promise<unknown>): Promise<{ profile: Profile; thread: number; wall: number }> {
  const t0 = performance.now();
  const thread0 = process.threadCpuUsage();
  await session.post("Profiler.start");
  await work();
  const { profile } = await session.post("Profiler.stop");
  const thread = process.threadCpuUsage(thread0);
  return { profile: profile as Profile, thread: thread.user + thread.system, wall: (performance.now() - t0) * 1000 };
}

/** Builds and evaluates a bundle, profiled: the script's parse, compile and top level (cold start's share). */
async function load(entry: string, file: string, name: string, results: Measured[]): Promise<Handler> {
  const url = pathToFileURL(await bundle(entry, file)).href;
  let handler: Handler | undefined;
  const p = await profiled(async () => {
    handler = (await import(url)).default as Handler;
  });
  results.push({ name, wall: p.wall, thread: p.thread, process: Number.NaN, profile: p.profile });
  return handler as Handler;
}

async function main() {
  const startup: Measured[] = [];
  const api = await load("src/index.ts", "worker.js", "start-up: API (once)", startup);
  const baseline = await load("scripts/bench/baseline-worker.ts", "baseline.js", "start-up: baseline (once)", startup);
  const endpoint = await startEndpoint();
  const DATABASE_URL = "postgres://bench:bench@localhost/bench";
  const limiter = { limit: async () => ({ success: true }) };
  const bindings = {
    ...vars(),
    DATABASE_URL,
    JWT_PRIVATE_KEY: newSigningKey(),
    RATE_LIMIT_CREDENTIAL: limiter,
    RATE_LIMIT_ADDRESS: limiter,
    RATE_LIMIT_HEAVY: limiter,
  };
  // Recording talks to the real endpoint; replay to a host that only the stub answers. Config
  // are parsed once per env object, so each phase has its own.
  const recordEnv = { ...bindings, NEON_FETCH_ENDPOINT: endpoint.url };
  const replayEnv = { ...bindings, NEON_FETCH_ENDPOINT: `http://${DB_HOST}/sql` };
  const results: Measured[] = [];
  try {
    neonConfig.fetchEndpoint = endpoint.url;
    const sql = neon(DATABASE_URL);
    const password = "correct horse battery";
    const [user] = (await sql.query(
      `INSERT INTO app_user (email, username, position_fk, password_hash, is_verified)
       VALUES ('profile@bench.test', 'profile', 1, $1, true) RETURNING id`,
      [await hashPassword(password)],
    )) as [{ id: number }];
    const [project] = (await sql.query("INSERT INTO project (secret_name) VALUES ('Profiled') RETURNING id")) as [
      { id: number },
    ];
    // 60 finished logs in the past, so a list of 50 is full (as the bench seeds them).
    await sql.transaction([
      sql`SELECT set_config('session_replication_role', 'replica', true)`,
      sql.query(
        `INSERT INTO timelog (user_fk, project_fk, start_time, end_time, note)
         SELECT $1, $2, now() - (g + 1) * interval '8 hours', now() - (g + 1) * interval '8 hours' + interval '3 hours',
                CASE WHEN g % 5 = 0 THEN 'seeded note ' || g END
         FROM generate_series(1, 60) g`,
        [user.id, project.id],
      ),
    ]);
    const apiReq =
      (path: string, init: RequestInit = {}) =>
      () =>
        new Request(`https://api.bench${path}`, {
          ...init,
          headers: { "cf-connecting-ip": "10.1.2.3", ...init.headers },
        });
    const login = apiReq("/users/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "profile@bench.test", password }),
    });
    record();
    const res = await api.fetch(login(), recordEnv, ctx);
    if (res.status !== 200) throw new Error(`login: ${res.status} ${await res.text()}`);
    const token = ((await res.json()) as { access_token: string }).access_token;
    const auth = { authorization: `Bearer ${token}` };
    const clockIn = {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ project_fk: project.id, note: "profiled" }),
    };
    const cases: Case[] = [];
    const baselineEnv = (at: string) => ({ DATABASE_URL, NEON_FETCH_ENDPOINT: at });
    const add = async (name: string, worker: Handler, request: () => Request, expect: number) => {
      const answers = record();
      const isApi = worker === api;
      const r = await worker.fetch(request(), isApi ? recordEnv : baselineEnv(endpoint.url), ctx);
      const text = await r.text();
      if (r.status !== expect) throw new Error(`${name}: ${r.status} ${text}`);
      const env = isApi ? replayEnv : baselineEnv(replayEnv.NEON_FETCH_ENDPOINT);
      cases.push({ name, worker, request, answers, env });
      return text;
    };
    await add("GET /health", api, apiReq("/health"), 200);
    await add("GET /users/me", api, apiReq("/users/me", { headers: auth }), 200);
    const log = JSON.parse(await add("POST /timelog/ (clock in)", api, apiReq("/timelog/", clockIn), 201));
    await add("GET /timelog/current", api, apiReq("/timelog/current", { headers: auth }), 200);
    await add("GET /timelog/{id}", api, apiReq(`/timelog/${log.id}`, { headers: auth }), 200);
    await add("GET /timelog/?limit=50", api, apiReq("/timelog/?limit=50", { headers: auth }), 200);
    await add("baseline (one SELECT)", baseline, () => new Request("https://baseline.bench/"), 200);
    passThrough();
    for (const c of cases) {
      replay(c.answers);
      const check = await call(c);
      if (check.status >= 300) throw new Error(`${c.name} replayed: ${check.status}`);
      for (let i = 0; i < WARMUP; i++) await call(c);
      // Timed without the profiler, best of ROUNDS: the machine is shared, and the least disturbed
      // round is the closest to the code's own cost. threadCpuUsage is this (the isolate's) thread
      // only; the process's CPU adds Node's thread pool (WebCrypto's RSA) and GC helpers.
      const best = { wall: Infinity, thread: Infinity, process: Infinity };
      const perRound = Math.ceil(N / ROUNDS);
      for (let round = 0; round < ROUNDS; round++) {
        const t0 = performance.now();
        const thread0 = process.threadCpuUsage();
        const cpu0 = process.cpuUsage();
        for (let i = 0; i < perRound; i++) await call(c);
        const thread = process.threadCpuUsage(thread0);
        const cpu = process.cpuUsage(cpu0);
        best.wall = Math.min(best.wall, ((performance.now() - t0) * 1000) / perRound);
        best.thread = Math.min(best.thread, (thread.user + thread.system) / perRound);
        best.process = Math.min(best.process, (cpu.user + cpu.system) / perRound);
      }
      const { profile } = await profiled(async () => {
        for (let i = 0; i < N; i++) await call(c);
      });
      results.push({ name: c.name, ...best, profile });
      console.error(`${c.name}: ${best.thread.toFixed(1)} µs CPU/request (${c.answers.length} round trip)`);
    }
  } finally {
    endpoint.child.kill("SIGTERM");
  }
  session.disconnect();
  // For Chrome DevTools or VS Code (call trees, flame charts): one file per row.
  for (const r of [...results, ...startup]) {
    const file = `${r.name.replace(/\W+/g, "-").replace(/^-|-$/g, "")}.cpuprofile`;
    writeFileSync(join(OUT, file), JSON.stringify(r.profile));
  }
  console.error(`profiles: ${OUT}/*.cpuprofile`);
  console.log(
    report([...results, ...startup], { requests: N, intervalUs: Number(args.interval), top: new RegExp(args.top) }),
  );
}

await main();
