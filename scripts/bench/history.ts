// The bench's history: every run appends its headline numbers to a small table of its own, next to
// the page it wrote, so drift shows the day it happens. The row is read back from the page just
// written (the same parser recovered the older rows from BENCHMARKS.md's git history), so the
// history can never say something the page did not.
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
import { basename } from "node:path";

/** BENCHMARKS.md → BENCHMARKS-history.md: a run written elsewhere (CI's smoke run) keeps its own. */
export const historyFile = (out: string) => out.replace(/(\.md)?$/, "-history.md");

/** The targets whose ratio to the baseline is tracked, with their column titles. */
const RATIOS: [string, string][] = [
  ["GET /health", "/health"],
  ["GET /users/me", "/users/me"],
  ["GET /timelog/current", "/timelog/current"],
  ["GET /timelog/{id}", "/timelog/{id}"],
  ["GET /timelog/?limit=50", "list of 50"],
  ["POST /timelog/ + /close (pair)", "clock-in + close"],
];
const BASELINE = "baseline: one SELECT via neon()";
const SUMMARY = "GET /reports/summary (month by project, everyone)";

export interface Headline {
  date: string;
  quick: boolean;
  machine: string;
  /** `target|connections` → [× baseline req/s, p50 ms, workerd CPU ms/req] from the PostgreSQL table. */
  rows: Map<string, [number, number, number]>;
  cold?: { api: number; baseline: number };
  bundleKiB?: number;
}

/** The headline numbers of a BENCHMARKS.md as the bench writes it (and has, since its first version). */
export function headline(page: string): Headline | undefined {
  const written = /Written by `npm run bench( -- --quick)?` on (\d{4}-\d\d-\d\d)T(\d\d:\d\d)/.exec(page);
  const pg = /^## PostgreSQL[^\n]*\n([\s\S]*?)(?=^## |$(?![\s\S]))/m.exec(page);
  if (!written || !pg) return undefined;
  const rows = new Map<string, [number, number, number]>();
  for (const line of pg[1]?.split("\n") ?? []) {
    const cells = line.split("|").map((c) => c.trim());
    // | endpoint | conns | req/s | p50 | p99 | × baseline | round trips | CPU | non-2xx |
    if (cells.length < 10 || !/^\d+$/.test(cells[2] ?? "")) continue;
    const [ratio, p50, cpu] = [cells[6], cells[4], cells[8]].map(Number) as [number, number, number];
    if ([ratio, p50, cpu].some(Number.isNaN)) continue;
    rows.set(`${cells[1]}|${cells[2]}`, [ratio, p50, cpu]);
  }
  const machine = /^- Machine: (\d+ × [^,]+),/m.exec(page)?.[1] ?? "?";
  const cold = /the API\s+(\d+) ms \(to [^)]*\), the baseline (\d+) ms/.exec(page);
  const gz = /(\d+) KiB gzipped/.exec(page);
  return {
    date: `${written[2]} ${written[3]}`,
    quick: Boolean(written[1]),
    machine,
    rows,
    cold: cold ? { api: Number(cold[1]), baseline: Number(cold[2]) } : undefined,
    bundleKiB: gz ? Number(gz[1]) : undefined,
  };
}

const HEAD = `# Benchmark history

One row per \`npm run bench\` (appended by the bench; see BENCHMARKS.md for how it measures). Ratios are
req/s divided by the baseline worker's (one \`SELECT\` through \`neon()\`) in the same run, on PostgreSQL,
at 1 · 16 connections; CPU is workerd's ms per request for \`/users/me\` with the baseline's in brackets;
cold start is the API's with the baseline's in brackets; the month summary is by project over 10k logs,
without money, at one connection. "quick" runs are 1 repeat of 1 s per row instead of 3 of 2 s: noisier,
kept so that drift still shows, but compare them with each other rather than with full runs. Numbers
from a shared machine: a row is a run, not a verdict; look for steps that persist.

The commit is the code measured; \`+\` marks uncommitted changes.

| commit | date (UTC) | machine | run | ${RATIOS.map(([, title]) => title).join(" | ")} | /users/me CPU ms/req | cold start ms | bundle KiB gz | month summary p50 ms |
|---|---|---|---|${"---:|".repeat(RATIOS.length + 4)}
`;

export function historyRow(h: Headline, commit: string): string {
  const at = (target: string, c: number, i: 0 | 1 | 2, digits: number) => {
    const v = h.rows.get(`${target}|${c}`)?.[i];
    return v === undefined ? "–" : v.toFixed(digits);
  };
  const both = (target: string) => `${at(target, 1, 0, 2)} · ${at(target, 16, 0, 2)}`;
  const cpu = (c: number) => `${at("GET /users/me", c, 2, 2)} (${at(BASELINE, c, 2, 2)})`;
  const cells = [
    commit,
    h.date,
    h.machine,
    h.quick ? "quick" : "full",
    ...RATIOS.map(([target]) => both(target)),
    `${cpu(1)} · ${cpu(16)}`,
    h.cold ? `${h.cold.api} (${h.cold.baseline})` : "–",
    h.bundleKiB === undefined ? "–" : String(h.bundleKiB),
    at(SUMMARY, 1, 1, 0),
  ];
  return `| ${cells.join(" | ")} |\n`;
}

export function appendHistory(file: string, row: string) {
  if (!existsSync(file)) writeFileSync(file, HEAD);
  appendFileSync(file, row);
}

/** The short hash of HEAD, `+` when tracked files other than the bench's own outputs have changed. */
export function currentCommit(out: string): string {
  const git = (...args: string[]) => spawnSync("git", args, { encoding: "utf8" }).stdout;
  const hash = git("rev-parse", "--short", "HEAD").trim() || "?";
  const mine = new Set([basename(out), basename(historyFile(out))]);
  // Not trimmed: a porcelain line starts with its two status columns, the first often a space.
  const changed = git("status", "--porcelain", "--untracked-files=no")
    .split("\n")
    .filter((l) => l && !mine.has(basename(l.slice(3))));
  return changed.length ? `${hash}+` : hash;
}
