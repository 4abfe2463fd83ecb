// Turns V8 CPU profiles of the unminified bundle into per-request buckets. Each profile node's
// self time goes to the bundle module its line falls in (esbuild writes `// src/app.ts`,
// `// node_modules/hono/dist/…` before each module when not minifying), and the module to a
// bucket. V8 builtins without a script (RegExp, Array, …) count for their caller's bucket.
import { readFileSync } from "node:fs";

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}
export interface Measured {
  name: string;
  /** Per request, µs, best round: wall time, this thread's CPU, the whole process's CPU. */
  wall: number;
  thread: number;
  process: number;
  profile: Profile;
}

/** First match wins: module path (in the bundle) or node: URL → bucket. */
const BUCKETS: [RegExp, string][] = [
  [
    /hono\/dist\/(utils\/jwt|utils\/encode|middleware\/jwt)|src\/auth\/tokens\.ts|node:internal\/crypto/,
    "WebCrypto/JWT",
  ],
  [/src\/lib\/rate-limit\.ts/, "rate-limit"],
  [/src\/lib\/openapi|@asteasolutions\/zod-to-openapi|@hono\/zod-openapi/, "OpenAPI/document"],
  [/node_modules\/(zod|@hono\/zod-validator)\//, "zod validation"],
  [/node_modules\/hono\//, "hono routing/middleware"],
  [/node_modules\/kysely\//, "kysely compile"],
  [/node_modules\/(@neondatabase|pg-types|postgres-|pg-int8|buffer|events)/, "neon driver"],
  [/^src\//, "our handler code"],
  [/^scripts\/bench\/profile|node:(internal\/)?inspector/, "harness (this script)"],
  [/node:internal\/modules\//, "runtime module loader"],
  [
    /node:internal\/(deps\/undici|webstreams|url|event_target|abort|blob|encoding|streams)|^node:/,
    "runtime Request/Response/URL/streams",
  ],
];
const ORDER = [
  "hono routing/middleware",
  "zod validation",
  "kysely compile",
  "neon driver",
  "JSON stringify/parse",
  "WebCrypto/JWT",
  "rate-limit",
  "our handler code",
  "OpenAPI/document",
  "runtime Request/Response/URL/streams",
  "runtime module loader",
  "GC",
  "other",
  "harness (this script)",
];

const indexes = new Map<string, (line: number) => string>();

/** The module a line of a bundle (by its file: URL) belongs to. */
function moduleAt(url: string, line: number): string {
  let index = indexes.get(url);
  if (!index) {
    index = moduleIndex(new URL(url).pathname);
    indexes.set(url, index);
  }
  return index(line);
}

function moduleIndex(bundle: string) {
  const starts: { line: number; path: string }[] = [];
  readFileSync(bundle, "utf8")
    .split("\n")
    .forEach((text, line) => {
      // node_modules may be a symlink elsewhere (a worktree's): esbuild writes the real path.
      const m = /^\/\/ (\S*?)((?:src|node_modules|scripts)\/\S+\.[cm]?[jt]s)$/.exec(text);
      if (m?.[2]) starts.push({ line, path: m[2].replace(/^.*node_modules\//, "node_modules/") });
    });
  return (line: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = "";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const start = starts[mid] as (typeof starts)[number];
      if (start.line <= line) {
        found = start.path;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

interface Attributed {
  bucket: string;
  where: string;
}

function attribute(profile: Profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map<number, Attributed>();
  const of = (id: number): Attributed => {
    const hit = memo.get(id);
    if (hit) return hit;
    const { functionName: fn, url, lineNumber } = (byId.get(id) as ProfileNode).callFrame;
    let a: Attributed;
    if (fn === "(garbage collector)") a = { bucket: "GC", where: "" };
    else if (fn === "(idle)") a = { bucket: "idle", where: "" };
    else if (fn === "(program)" || fn === "(root)") a = { bucket: "other", where: "" };
    else if (!url && /^(stringify|parse|JSONStringify|JSONParse)$/.test(fn))
      a = { bucket: "JSON stringify/parse", where: "" };
    else if (!url) {
      const up = parent.get(id);
      a = up === undefined ? { bucket: "other", where: "" } : { bucket: of(up).bucket, where: "(builtin)" };
    } else {
      const bundled = url.includes("/bench-out/profile/");
      const mod = bundled ? moduleAt(url, lineNumber) : url.replace(/^file:\/\/.*?\/scripts\//, "scripts/");
      const bucket = BUCKETS.find(([re]) => re.test(mod))?.[1] ?? "other";
      a = { bucket, where: `${mod}:${bundled ? `bundle ${lineNumber + 1}` : lineNumber + 1}` };
    }
    memo.set(id, a);
    return a;
  };
  const self = new Map<number, number>();
  // Samples counted, not timed: a sample's delta also holds the time the thread was descheduled
  // (the machine is shared), which counting spreads evenly instead of charging to one function.
  for (const id of profile.samples) self.set(id, (self.get(id) ?? 0) + 1);
  const buckets = new Map<string, number>();
  const functions = new Map<string, { us: number; bucket: string }>();
  for (const [id, us] of self) {
    const a = of(id);
    buckets.set(a.bucket, (buckets.get(a.bucket) ?? 0) + us);
    const fn = (byId.get(id) as ProfileNode).callFrame.functionName || "(anonymous)";
    const key = `${fn} — ${a.where}`;
    const f = functions.get(key) ?? { us: 0, bucket: a.bucket };
    f.us += us;
    functions.set(key, f);
  }
  return { buckets, functions };
}

/** µs with one decimal; a start-up (once, not per request) in ms. */
const fmt = (us: number, row: { name: string }) =>
  row.name.startsWith("start-up") ? `${(us / 1000).toFixed(1)} ms` : us.toFixed(1);

interface Options {
  requests: number;
  intervalUs: number;
  /** Endpoints (by name) whose top functions are listed. */
  top: RegExp;
}

/** Not the worker's own JavaScript: Node's Request/Response (C++ in workerd), this loop, idle. */
const NOT_WORKER = new Set([
  "runtime Request/Response/URL/streams",
  "runtime module loader",
  "harness (this script)",
  "idle",
]);

export function report(results: Measured[], opts: Options): string {
  const rows = results.map((r) => {
    const { buckets, functions } = attribute(r.profile);
    const busy = [...buckets].filter(([b]) => b !== "idle").reduce((n, [, c]) => n + c, 0);
    // A bucket's share of the busy samples, in µs of this thread's CPU per (unprofiled) request.
    const us = (samples: number) => (samples / busy) * r.thread;
    return { ...r, buckets, functions, us };
  });
  const line = (label: string, cell: (r: (typeof rows)[number]) => string) =>
    `| ${label} | ${rows.map(cell).join(" | ")} |`;
  // Requests compare with the baseline's request, start-ups with the baseline's start-up.
  const base = (r: Measured) =>
    rows.find((b) => b.name.includes("baseline") && b.name.startsWith("start-up") === r.name.startsWith("start-up"));
  const out = [
    `Per request, µs: best of 5 rounds of ${opts.requests / 5} after warm-up (Node ${process.version}, recorded database answers). Buckets: each one's share of the profile's busy samples (every ${opts.intervalUs} µs, ${opts.requests} more requests) times the main-thread CPU. Start-up: importing the bundle once (parse, compile, top level), profiled; its "zod" and "OpenAPI" rows are schema and route construction, not validation.`,
    "",
    `| | ${rows.map((r) => r.name).join(" | ")} |`,
    `|---|${rows.map(() => "---:").join("|")}|`,
    line("**main-thread CPU**", (r) => `**${fmt(r.thread, r)}**`),
    line("× baseline", (r) => `${(r.thread / (base(r)?.thread ?? Number.NaN)).toFixed(2)}×`),
    line("process CPU (+ thread pool, GC helpers)", (r) => (Number.isNaN(r.process) ? "–" : fmt(r.process, r))),
    line("wall", (r) => fmt(r.wall, r)),
    line("**worker's own JS** (CPU − runtime − harness)", (r) => {
      const own = [...r.buckets].filter(([b]) => !NOT_WORKER.has(b)).reduce((n, [, c]) => n + c, 0);
      return `**${fmt(r.us(own), r)}**`;
    }),
    ...ORDER.map((b) => line(b, (r) => fmt(r.us(r.buckets.get(b) ?? 0), r))),
    line("(idle samples, % of all: awaiting the thread pool)", (r) => {
      const all = r.profile.samples.length;
      return `${(((r.buckets.get("idle") ?? 0) / all) * 100).toFixed(0)} %`;
    }),
  ];
  for (const r of rows.filter((r) => opts.top.test(r.name))) {
    out.push(
      "",
      `Top 25 functions by self time, ${r.name} (CPU${r.name.startsWith("start-up") ? "" : " µs/request"}):`,
      "",
    );
    out.push("| CPU | % | function — module:line (bundle line) | bucket |", "|---:|---:|---|---|");
    const top = [...r.functions].filter(([, f]) => f.bucket !== "idle").sort((a, b) => b[1].us - a[1].us);
    for (const [key, f] of top.slice(0, 25))
      out.push(
        `| ${fmt(r.us(f.us), r)} | ${((r.us(f.us) / r.thread) * 100).toFixed(1)} | ${key.replaceAll("|", "\\|")} | ${f.bucket} |`,
      );
  }
  return out.join("\n");
}
