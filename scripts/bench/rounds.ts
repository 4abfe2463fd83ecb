// The measuring: interleaved rounds over every target at each connection count, the list and the
// month summaries as the table grows, cold starts, and one password hash.
import { newSigningKey } from "../keys.ts";
import { type Bundle, coldStartMs, cpuSeconds } from "./host.ts";
import { measure, median, type Sample, type Target } from "./measure.ts";
import { CONNECTIONS, FIRST, log, monthAgo, now, REPEATS, SECONDS, SIZES, USERS } from "./options.ts";
import { growth, moneyRatio, noRequest, type Row } from "./report.ts";
import { type Stack, seedLogs } from "./stack.ts";

export async function benchEndpoints(stack: Stack, list: Target[], repeats: number): Promise<Row[]> {
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

/**
 * The list and the month-by-project summaries (with and without money) at each table size, seeding
 * up to it first: the "Scale" section of the page. The month × user × project × day report leaves
 * the series: past 10k logs its month has more than the 20,000 groups a summary may return, and it
 * answers 422 too_many_groups, by design.
 */
export async function scaleSeries(stack: Stack, list: Target[], ids: number[], projects: number[]): Promise<string> {
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
      await seedLogs(stack, ids, projects, (size - seeded) / USERS);
      seeded = size;
      log(`seeded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
    const [inMonth] = (await stack.sql.query(
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
          sampled.set(key, [...(sampled.get(key) ?? []), await measure(stack, t, c, SECONDS)]);
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
  return (
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
    moneyRatio(p50At)
  );
}

/** Medians of 7 fresh starts each: the API to its first answer (the JWKS, no database), the baseline to its. */
export async function coldStarts(bundle: Bundle) {
  const bindings = { DATABASE_URL: "postgres://bench:bench@localhost/none", JWT_PRIVATE_KEY: newSigningKey() };
  const api: number[] = [];
  const baseline: number[] = [];
  const stack: number[] = [];
  for (let i = 0; i < 7; i++) {
    api.push(await coldStartMs(bundle.api, "/.well-known/jwks.json", bindings));
    baseline.push(await coldStartMs(bundle.baseline, "/ping", bindings));
    stack.push(await coldStartMs(bundle.stack, "/ping", bindings));
  }
  return { api: median(api), baseline: median(baseline), stack: median(stack) };
}

export async function hashCpuMs(stack: Stack, n = 20): Promise<number> {
  const before = cpuSeconds(stack.host.workerdPid);
  for (let i = 0; i < n; i++) await (await fetch(`${stack.host.baselineUrl}/hash`)).text();
  return ((cpuSeconds(stack.host.workerdPid) - before) * 1000) / n;
}
