// `npm run bench [-- --quick] [-- --out FILE] [-- --only latency]`: measures the API as it deploys (minified bundle on
// plain workerd) against the local Neon endpoint on PostgreSQL (and on PGlite), next to a baseline
// worker that runs one SELECT through neon(), writes BENCHMARKS.md and appends its headline to
// BENCHMARKS-history.md. What is measured is in workload.ts, how in rounds.ts, the page in report.ts;
// the latency at 0, 20 and 80 ms from the database in latency.ts (`--only latency`: that alone).
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { appendHistory, currentCommit, headline, historyFile, historyRow } from "./history.ts";
import { buildBundles } from "./host.ts";
import { latencyOnly, latencySection } from "./latency.ts";
import { FIRST, log, ONLY, OUT_FILE, QUICK, REPEATS, USERS, WRITERS } from "./options.ts";
import { document, emptyRows, table } from "./report.ts";
import { benchEndpoints, coldStarts, hashCpuMs, scaleSeries } from "./rounds.ts";
import { createAccounts, createProjects, seedLogs, startStack } from "./stack.ts";
import { judgeTargets } from "./targets.ts";
import { receiver, replays, targets } from "./workload.ts";

const ROOT = join(import.meta.dirname, "..", "..");
if (ONLY === "latency") {
  await latencyOnly(resolve(ROOT, OUT_FILE));
  receiver.close();
  process.exit(0);
}

const bundle = await buildBundles();
log(`bundle ${bundle.rawBytes} B raw, ${bundle.gzipBytes} B gzip`);
const cold = await coldStarts(bundle);
log(`cold start: api ${cold.api.toFixed(0)} ms, baseline ${cold.baseline.toFixed(0)} ms`);
const sections: string[] = [];

// PostgreSQL leg, with the scale series.
const pgStack = await startStack("postgres", bundle, { WEBHOOK_ALLOW_LOOPBACK: "true" });
let pgVersion = "";
let hashMs = 0;
try {
  pgVersion = String(
    ((await pgStack.sql.query("SHOW server_version")) as { server_version: string }[])[0]?.server_version,
  );
  const accounts = await createAccounts(pgStack, USERS, "pg", WRITERS + 1);
  const projects = await createProjects(pgStack, 50);
  const ids = accounts.map((a) => a.id);
  await seedLogs(pgStack, ids, projects, FIRST / USERS);
  const list = targets(pgStack, accounts, projects);
  list.push(...(await replays(pgStack, list)));
  const rows = await benchEndpoints(pgStack, list, REPEATS);
  sections.push(
    `## PostgreSQL ${pgVersion} (${FIRST.toLocaleString("en")} time logs, ${USERS} users)\n\n${table(rows)}`,
  );
  // Before the scale series grows the table: the latency table is at the first size.
  sections.push(await latencySection(pgStack, accounts, projects));
  hashMs = await hashCpuMs(pgStack);
  sections.push(await scaleSeries(pgStack, list, ids, projects));
} finally {
  await pgStack.close();
}

if (!QUICK) {
  const liteStack = await startStack("pglite", bundle, { WEBHOOK_ALLOW_LOOPBACK: "true" });
  try {
    const accounts = await createAccounts(liteStack, 40, "lite", WRITERS + 1);
    const projects = await createProjects(liteStack, 10);
    await seedLogs(
      liteStack,
      accounts.map((a) => a.id),
      projects,
      50,
    );
    const rows = await benchEndpoints(liteStack, targets(liteStack, accounts, projects), 1);
    sections.push(
      `## PGlite (embedded, one connection: requests are serialised; 2,000 logs)\n\nFor development only; shown so the two can be told apart.\n\n${table(rows)}`,
    );
  } finally {
    await liteStack.close();
  }
}

// Where a request's CPU goes: the profile (scripts/bench/profile.ts) of the same bundle in Node,
// against recorded database answers. Full runs only: it adds two minutes.
if (!QUICK) {
  log("profiling (npm run bench:profile)");
  const profile = execFileSync(
    process.execPath,
    [
      ...process.execArgv,
      join(import.meta.dirname, "profile.ts"),
      "--requests",
      "5000",
      "--top",
      "/users/me|start-up: API",
    ],
    {
      cwd: ROOT,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  sections.push(
    `## Where a request's CPU goes\n\nFrom \`npm run bench:profile -- --requests 5000\` in the same run.\n\n${profile.trim()}`,
  );
}

const out = resolve(ROOT, OUT_FILE);
const history = historyFile(out);
let doc = document({ bundle, cold, hashMs, pgVersion, sections, history: basename(history) });
const judged = headline(doc);
if (judged) doc = doc.replace(/^## PostgreSQL/m, `${judgeTargets(judged, bundle, cold)}\n\n## PostgreSQL`);
writeFileSync(out, doc);
const head = headline(doc);
if (head) appendHistory(history, historyRow(head, currentCommit(out)));
receiver.close();
log(`wrote ${OUT_FILE} and a row of ${basename(history)}`);
if (!head) {
  console.error("bench: the page written has no headline the history can read (report.ts and history.ts disagree)");
  process.exitCode = 1;
}
if (emptyRows.length) {
  console.error(`bench: no request completed in ${emptyRows.length} row(s): ${emptyRows.join(", ")}`);
  process.exitCode = 1;
}
