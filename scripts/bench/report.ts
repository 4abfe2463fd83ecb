// BENCHMARKS.md: the tables, the growth and money sentences, and the page around them.
import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import type { Bundle } from "./host.ts";
import { median, type Sample } from "./measure.ts";
import { CONNECTIONS, FIRST, QUICK, REPEATS, SECONDS, SIZES, started, WRITERS } from "./options.ts";

export interface Row {
  target: string;
  connections: number;
  samples: Sample[];
  baseline: number[];
}

/** Rows in which no request succeeded: printed as such (never as "0 req/s, p50 0 ms"), and the run fails. */
export const emptyRows: string[] = [];
export function noRequest(target: string, connections: number): string {
  emptyRows.push(`${target} (${connections} conns)`);
  return `| ${target} | ${connections} | no request completed | | | | | | |`;
}

export function table(rows: Row[]): string {
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

/** The summary with money against the same summary with nothing to price, at each size (target: ≤ 1.5×). */
export function moneyRatio(p50At: Map<string, number>): string {
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

/** One sentence per endpoint: how its single-connection p50 changed from the smallest to the largest table. */
export function growth(names: string[], p50At: Map<string, number>, monthAt: Map<number, number>): string {
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

const ROOT = join(import.meta.dirname, "..", "..");
const pkg = (name: string) =>
  (JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;

/** The whole page: how it was measured, then the sections the run produced. */
export function document(run: {
  bundle: Bundle;
  cold: { api: number; baseline: number; stack: number };
  hashMs: number;
  pgVersion: string;
  sections: string[];
  history: string;
}): string {
  const { bundle, cold } = run;
  const cpu = cpus()[0]?.model ?? "unknown";
  return `# Benchmarks

Written by \`npm run bench${QUICK ? " -- --quick" : ""}\` on ${new Date().toISOString()} in ${((Date.now() - started) / 1000).toFixed(0)} s.
Numbers from one noisy shared machine: compare rows within a run, not runs with each other.
The headline ratios of every run, this one included, are kept in [${run.history}](${run.history}).

- Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}
- Versions: workerd ${pkg("workerd")}, hono ${pkg("hono")}, kysely ${pkg("kysely")}, @neondatabase/serverless ${pkg("@neondatabase/serverless")}, PGlite ${pkg("@electric-sql/pglite")}, PostgreSQL ${run.pgVersion}
- Setup: the worker built as it deploys (\`wrangler deploy --dry-run --minify\`) on plain \`workerd serve\`; the database behind the
  local Neon HTTP endpoint (\`scripts/neon-local\`, its own Node process) on loopback. Load from autocannon; ${REPEATS} interleaved
  repeat(s) of ${SECONDS} s per row after a warm-up; medians. "× baseline" divides by the baseline worker's req/s in the same repeat.
  DB round trips are counted by the endpoint; workerd CPU is the process's user+system time over the run divided by requests.
- Bundle: ${(bundle.rawBytes / 1024).toFixed(0)} KiB raw, ${(bundle.gzipBytes / 1024).toFixed(0)} KiB gzipped. The fixed stack alone
  (\`scripts/bench/stack-worker.ts\`: hono, @hono/zod-openapi with zod, Kysely compile-only and \`neon()\`, one route) is
  ${(bundle.stackGzipBytes / 1024).toFixed(0)} KiB gzipped: the floor no change to our code can go below.
- Cold start (spawning \`workerd serve\` with one worker to its first response, no database; median of 7): the API
  ${cold.api.toFixed(0)} ms (to \`/.well-known/jwks.json\`), the baseline ${cold.baseline.toFixed(0)} ms — the difference,
  ${(cold.api - cold.baseline).toFixed(0)} ms, is our bundle's parse, evaluation and first request. The fixed stack alone:
  ${cold.stack.toFixed(0)} ms (its floor: ${(cold.stack - cold.baseline).toFixed(0)} ms over the baseline).
- One password hash (PBKDF2-SHA256, 100,000 iterations) in workerd: ${run.hashMs.toFixed(1)} ms CPU.
- The clock-in + close pair is counted per request (2 per pair); its writers are ${WRITERS} different users.

${run.sections.join("\n\n")}
`;
}
