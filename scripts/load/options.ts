// What `npm run load [-- --quick] [-- --out FILE] [-- --fuzz-runs N]` was asked for, and the load,
// fault windows and fuzz size that follow from it.
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    out: { type: "string", default: "RELIABILITY.md" },
    "fuzz-runs": { type: "string" },
  },
});
export const QUICK = values.quick;
export const OUT_FILE = values.out;
export const ROOT = join(import.meta.dirname, "..", "..");
export const CONNECTIONS = QUICK ? 16 : 64;
export const SECONDS = QUICK ? 16 : 60;
export const DB_TIMEOUT_MS = 1500;
// Fault windows, in seconds from the start of the load.
export const DOWN: [number, number] = QUICK ? [3, 5] : [20, 25];
export const SLOW: [number, number] = QUICK ? [7, 9] : [32, 37];
export const FUZZ_RUNS = Number(values["fuzz-runs"] ?? (QUICK ? 300 : 10_000));

const started = Date.now();
export const log = (line: string) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${line}`);
