// Where a request's CPU goes (issue 21 §5): the worker bundle, built as it deploys but unminified
// (so the V8 profile keeps esbuild's `// path/to/module` markers and our function names), run in
// this Node process against a RECORDED database: each endpoint's Neon HTTP answers are recorded
// once from the local endpoint (PGlite) and then replayed by a stub of globalThis.fetch, so the
// loop measures only the worker's own work. Prints µs/request and a breakdown by bucket
// (scripts/bench/profile-report.ts).
//   npm run bench:profile [-- --quick] [-- --requests N] [-- --interval µs] [-- --top 'regexp']
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { neon, neonConfig } from "@neondatabase/serverless";
import { build } from "esbuild";
import { hashPassword } from "../../src/auth/password.ts";
import { newSigningKey } from "../keys.ts";
import { type Measured, type Profile, report } from "./profile-report.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const OUT = join(ROOT, "bench-out", "profile");
const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    requests: { type: "string" },
    interval: { type: "string", default: "100" },
    /** Which endpoints get a top-25 list of functions (a regular expression on their names). */
    top: { type: "string", default: "/users/me|/health" },
  },
});
const N = Number(args.requests ?? (args.quick ? 1500 : 20_000));
const WARMUP = Math.max(300, Math.floor(N / 10));
const ROUNDS = 5;

// As scripts/build.mjs and scripts/bench/host.ts build them, without minify. (build.mjs's
// leaving-out of zod's locales only changes the bundle's size and start-up, not a request.)
async function bundle(entry: string, outfile: string): Promise<string> {
  await build({
    entryPoints: [join(ROOT, entry)],
    outfile,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2024",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["cloudflare:*", "node:*"],
    minify: false,
    logLevel: "warning",
  });
  return outfile;
}

/** wrangler.toml [vars], the bindings the API reads as settings. */
async function vars(): Promise<Record<string, string>> {
  const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  const section = /^\[vars\]$([^[]*)/m.exec(toml)?.[1] ?? "";
  return Object.fromEntries([...section.matchAll(/^(\w+) = "(.*)"$/gm)].map((m) => [m[1], m[2]]));
}

async function startEndpoint(): Promise<{ child: ChildProcess; url: string }> {
  const script = join(ROOT, "scripts", "neon-local", "serve.ts");
  const child = spawn(process.execPath, ["--experimental-strip-types", "--no-warnings", script, "--migrate"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    lines.on("line", (line) => line.startsWith("ready ") && resolve(line.slice(6)));
    child.once("exit", (code) => reject(new Error(`endpoint exited (${code})`)));
  });
  return { child, url };
}

type Handler = { fetch(req: Request, env: object, ctx: object): Promise<Response> };
interface Answer {
  status: number;
  body: string;
}
interface Case {
  name: string;
  worker: Handler;
  env: object;
  request: () => Request;
  answers: Answer[];
}

const realFetch = globalThis.fetch;
let setup = true; // the script's own statements (seeding) go straight to the endpoint
let recording: Answer[] | undefined;
let replay: Answer[] = [];
let replayAt = 0;
const DB_HOST = "neon.recorded";
globalThis.fetch = async (input, init) => {
  const url = input instanceof Request ? input.url : String(input);
  if (setup) return realFetch(input, init);
  if (recording) {
    const res = await realFetch(input, init);
    const body = await res.text();
    recording.push({ status: res.status, body });
    return new Response(body, { status: res.status, headers: { "content-type": "application/json" } });
  }
  if (!url.includes(DB_HOST)) throw new Error(`unexpected fetch during replay: ${url}`);
  const a = replay[replayAt++ % replay.length] as Answer;
  return new Response(a.body, { status: a.status, headers: { "content-type": "application/json" } });
};

const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} };

async function call(c: Case): Promise<Response> {
  const res = await c.worker.fetch(c.request(), c.env, ctx);
  await res.arrayBuffer();
  return res;
}

async function main() {
  const api = (await import(pathToFileURL(await bundle("src/index.ts", join(OUT, "worker.js"))).href))
    .default as Handler;
  const baseline = (
    await import(pathToFileURL(await bundle("scripts/bench/baseline-worker.ts", join(OUT, "baseline.js"))).href)
  ).default as Handler;
  const endpoint = await startEndpoint();
  const DATABASE_URL = "postgres://bench:bench@localhost/bench";
  const limiter = { limit: async () => ({ success: true }) };
  const bindings = {
    ...(await vars()),
    DATABASE_URL,
    JWT_PRIVATE_KEY: newSigningKey(),
    RATE_LIMIT_CREDENTIAL: limiter,
    RATE_LIMIT_ADDRESS: limiter,
    RATE_LIMIT_HEAVY: limiter,
  };
  // Recording talks to the real endpoint; replay to a host that only the stub answers. Settings
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
    setup = false;
    recording = [];
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
      recording = [];
      const isApi = worker === api;
      const r = await worker.fetch(request(), isApi ? recordEnv : baselineEnv(endpoint.url), ctx);
      const text = await r.text();
      if (r.status !== expect) throw new Error(`${name}: ${r.status} ${text}`);
      const env = isApi ? replayEnv : baselineEnv(replayEnv.NEON_FETCH_ENDPOINT);
      cases.push({ name, worker, request, answers: recording, env });
      return text;
    };
    await add("GET /health", api, apiReq("/health"), 200);
    await add("GET /users/me", api, apiReq("/users/me", { headers: auth }), 200);
    const log = JSON.parse(await add("POST /timelog/ (clock in)", api, apiReq("/timelog/", clockIn), 201));
    await add("GET /timelog/current", api, apiReq("/timelog/current", { headers: auth }), 200);
    await add("GET /timelog/{id}", api, apiReq(`/timelog/${log.id}`, { headers: auth }), 200);
    await add("GET /timelog/?limit=50", api, apiReq("/timelog/?limit=50", { headers: auth }), 200);
    await add("baseline (one SELECT)", baseline, () => new Request("https://baseline.bench/"), 200);
    recording = undefined;

    const session = new Session();
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: Number(args.interval) });
    for (const c of cases) {
      replay = c.answers;
      replayAt = 0;
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
      await session.post("Profiler.start");
      for (let i = 0; i < N; i++) await call(c);
      const { profile } = await session.post("Profiler.stop");
      results.push({ name: c.name, ...best, profile: profile as Profile });
      console.error(`${c.name}: ${best.thread.toFixed(1)} µs CPU/request (${c.answers.length} round trip)`);
    }
    session.disconnect();
  } finally {
    endpoint.child.kill("SIGTERM");
  }
  console.log(report(results, { requests: N, intervalUs: Number(args.interval), top: new RegExp(args.top) }));
}

await main();
