// Issue 21's targets, each judged on this run's PostgreSQL table: the row, the number, met or not.
// Where the fixed stack alone is above a target (bundle, cold start), the floor is printed beside it.
import type { Headline } from "./history.ts";
import type { Bundle } from "./host.ts";
import { PEOPLE_TARGETS, replayName } from "./workload.ts";

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
      // The same statement sent by a worker that does nothing else: the database's share.
      const same = row(replayName(name), conns);
      const note = same
        ? `the same SQL from a bare worker serves ${same[0].toFixed(2)}×: the API reaches ${(r[0] / same[0]).toFixed(2)} of it`
        : "";
      judge(`${name}, ${conns} conn.`, `${r[0].toFixed(2)}×`, `≥ ${min}×`, r[0] >= min, note);
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
  // The same statements from a bare worker: what the database and the driver cost on their own.
  const bare = (name: string) => row(replayName(name), 1);
  const dayName = "GET /reports/summary (month by user × project × day)";
  const day = row(dayName, 1);
  const dayBare = bare(dayName);
  if (day) {
    const note = dayBare ? `a bare worker passing on the same answer: ${dayBare[2].toFixed(1)} ms` : "";
    judge("month × user × project × day report, workerd CPU", `${day[2].toFixed(1)} ms`, "≤ 15 ms", day[2] <= 15, note);
  }
  const monthName = "GET /reports/summary (month by project, everyone)";
  const moneyName = "GET /reports/summary (month by project, everyone, with money)";
  const [month, money, monthBare, moneyBare] = [row(monthName, 1), row(moneyName, 1), bare(monthName), bare(moneyName)];
  if (month) {
    const note = monthBare ? `the same SQL from a bare worker: p50 ${monthBare[1]} ms` : "";
    judge("month-by-project summary, 10k logs, p50", `${month[1]} ms`, "≤ 15 ms", month[1] <= 15, note);
  }
  if (month && money) {
    const x = money[1] / month[1];
    const note = moneyBare ? `the same SQL from a bare worker: p50 ${moneyBare[1]} ms` : "";
    judge("… with money, p50", `${money[1]} ms (${x.toFixed(2)}×)`, "≤ 1.3× without", x <= 1.3, note);
  }
  // Issue 22: the time account and the team calendar, each at most twice the month summary's p50.
  for (const name of PEOPLE_TARGETS) {
    const r = row(name, 1);
    if (r && month) {
      const x = r[1] / month[1];
      judge(`${name}, p50`, `${r[1]} ms (${x.toFixed(2)}× the month summary's)`, "≤ 2× the month summary's", x <= 2);
    }
  }
  return `## Targets (issues 21 §5 and 22), judged on this run

| target | this run | wanted | verdict |
|---|---|---|---|
${lines.join("\n")}`;
}
