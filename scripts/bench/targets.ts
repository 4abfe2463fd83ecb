// Issue 21's targets, each judged on this run's PostgreSQL table: the row, the number, met or not.
// Where the fixed stack alone is above a target (bundle, cold start), the floor is printed beside it.
import type { Headline } from "./history.ts";
import type { Bundle } from "./host.ts";

type Cold = { api: number; baseline: number; stack: number };

export function judgeTargets(head: Headline, bundle: Bundle, cold: Cold): string {
  const lines: string[] = [];
  const row = (name: string, conns: number) => head.rows.get(`${name}|${conns}`);
  const base = (conns: number) => row("baseline: one SELECT via neon()", conns);
  const judge = (what: string, value: string, target: string, met: boolean, note = "") =>
    lines.push(`| ${what} | ${value} | ${target} | ${met ? "met" : "**not met**"}${note ? ` — ${note}` : ""} |`);
  const ratio = (name: string, min: number, cpu?: number) => {
    for (const conns of [1, 16]) {
      const r = row(name, conns);
      const b = base(conns);
      if (!r || !b) continue;
      judge(`${name}, ${conns} conn.`, `${r[0].toFixed(2)}×`, `≥ ${min}×`, r[0] >= min);
      if (cpu !== undefined) {
        const x = r[2] / b[2];
        judge(
          `${name}, ${conns} conn., workerd CPU`,
          `${r[2].toFixed(2)} ms (${x.toFixed(2)}× the baseline's)`,
          `≤ ${cpu}×`,
          x <= cpu,
        );
      }
    }
  };
  ratio("GET /health", 0.85);
  for (const name of ["GET /users/me", "GET /timelog/current", "GET /timelog/{id}"]) ratio(name, 0.8, 1.3);
  ratio("GET /timelog/?limit=50", 0.6);
  ratio("POST /timelog/ + /close (pair)", 0.4);
  const over = cold.api - cold.baseline;
  judge(
    "cold start",
    `${cold.api.toFixed(0)} ms (baseline + ${over.toFixed(0)})`,
    "≤ baseline + 50 ms",
    over <= 50,
    `the fixed stack alone is baseline + ${(cold.stack - cold.baseline).toFixed(0)} ms`,
  );
  const kib = bundle.gzipBytes / 1024;
  judge(
    "bundle, gzipped",
    `${kib.toFixed(0)} KiB`,
    "≤ 170 KiB",
    kib <= 170,
    `the fixed stack alone is ${(bundle.stackGzipBytes / 1024).toFixed(0)} KiB`,
  );
  const day = row("GET /reports/summary (month by user × project × day)", 1);
  if (day)
    judge("month × user × project × day report, workerd CPU", `${day[2].toFixed(1)} ms`, "≤ 15 ms", day[2] <= 15);
  const month = row("GET /reports/summary (month by project, everyone)", 1);
  const money = row("GET /reports/summary (month by project, everyone, with money)", 1);
  if (month) judge("month-by-project summary, 10k logs, p50", `${month[1]} ms`, "≤ 15 ms", month[1] <= 15);
  if (month && money) {
    const x = money[1] / month[1];
    judge("… with money, p50", `${money[1]} ms (${x.toFixed(2)}×)`, "≤ 1.3× without", x <= 1.3);
  }
  return `## Targets (issue 21 §5), judged on this run

| target | this run | wanted | verdict |
|---|---|---|---|
${lines.join("\n")}`;
}
