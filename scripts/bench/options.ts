// What `npm run bench [-- --quick] [-- --out FILE] [-- --only latency]` was asked for, and the sizes that follow from it,
// shared by the workload, the rounds and the report.
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    out: { type: "string", default: "BENCHMARKS.md" },
    /** `latency`: only the latency table (latency.ts), spliced into the existing page. */
    only: { type: "string" },
  },
});
if (values.only !== undefined && values.only !== "latency") throw new Error("--only takes: latency");
export const ONLY = values.only;
export const OUT_FILE = values.out;
export const QUICK = values.quick;
export const REPEATS = QUICK ? 1 : 3;
export const SECONDS = QUICK ? 1 : 2;
export const CONNECTIONS = [1, 16];
export const USERS = 200;
export const WRITERS = 16;
export const SIZES = QUICK ? [10_000] : [10_000, 100_000, 1_000_000];
export const FIRST = 10_000;

export const started = Date.now();
export const log = (line: string) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${line}`);

/** The summaries' month: the 30 days before the run. */
export const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString();
export const now = new Date().toISOString();
