// RELIABILITY.md: what the load tried, its checks, the responses by phase, and what building the
// harness found.
import type autocannon from "autocannon";
import type { Check } from "./checks.ts";
import { tallies } from "./faults.ts";
import { CONNECTIONS, DB_TIMEOUT_MS, DOWN, FUZZ_RUNS, QUICK, SECONDS, SLOW } from "./options.ts";

/** Bugs the tests and this harness found, kept here so RELIABILITY.md tells them each time. */
const FINDINGS = [
  "Benchmark: `user_is_superuser()` ran once per row in report scans (a month over 10k logs: 110 ms → 28 ms once it became a one-time InitPlan). Same fix in the owner-or-superuser checks.",
  "Benchmark: clients sending `Content-Type: application/json` with an empty body could not close a timer (400); an empty body now counts as none on routes whose body is optional (test added).",
  "Fuzz property “a rejected request changes nothing”: an Idempotency-Key write that ended in 404 kept its key row; the claim is now removed in the same batch (test added).",
  "Trying `npm run dev` by hand: the dev database pool parsed values before handing them to the Neon driver (booleans came out false, dates 1970); it now passes PostgreSQL's text through as Neon does.",
  "Tests: a summary grouped by user/project referenced a CTE alias in the outer ORDER BY and answered 500; fixed, and the DST/grouping tests cover it.",
  "Tests: ON DELETE RESTRICT answers SQLSTATE 23001 (not 23503), so deleting a position in use was a 422; it is 409 now.",
  "Fault injection: a request the worker abandoned after its database timeout could still run later at the stand-in; the stand-in now drops it, as a query that never started.",
  "Production parity: Neon cancels the statement of a client that goes away and does not commit its unfinished batch; the stand-in did neither. It now cancels (PostgreSQL) and rolls back, so the slow phase below holds batches *after* their statements ran and checks that every write answered 503 left nothing behind.",
  "Hardening: an ancient-date report (0001–1901) passed the worker's range check and kept PostgreSQL busy after the worker gave up; the range is now checked in SQL and every batch runs under a statement_timeout below the worker's deadline.",
  "Load, mid-transaction slow phase: the stand-in cancelled abandoned statements through its own pool, which the abandoned requests had filled, so it deadlocked and the service never recovered; cancels now use a connection of their own. Destroying every abandoned connection instead stormed PostgreSQL with reconnects (no recovery either); a connection is now reused once its cancel has finished.",
  "Review: notes full of control characters (6 bytes each in Neon's JSON) could push a CSV page past Neon's 10 MiB; pages are now cut by an upper bound of their size (test added).",
  "Load, money: the month summary with rates priced each log by looping over a per-request CTE of rate spans (the planner guessed 167 logs in range for 17,400), 335–722 ms; with the spans stored on the rate rows and the range visible to the planner it hash-joins the card (month by project on 100k logs at the database: 560 → 39 ms).",
  "Load, webhooks: every write that queued an event started its own dispatcher after the response, all racing for the endpoint's lease; one dispatcher per isolate now takes another pass instead.",
  "Load, start: 64 fresh database sessions writing at once (each compiling the trigger functions) overran the 1.5 s deadline in the first second; the warm-up now runs the write path too.",
  "Review: `money_for()` floored a numeric quotient PostgreSQL had already rounded to its scale, one minor unit too much on big products (70,080,280,338 × 66,914,556 ms); now exact (test added), and reports price in 64-bit integers.",
];

export function report(checks: Check[], result: autocannon.Result, ok: boolean): string {
  const phases = [...tallies]
    .map(
      ([phase, t]) =>
        `| ${phase} | ${[...t.statuses]
          .sort()
          .map(([k, v]) => `${k}: ${v}`)
          .join("<br>")} |`,
    )
    .join("\n");
  return `# Reliability

Written by \`npm run load${QUICK ? " -- --quick" : ""}\` on ${new Date().toISOString()}. ${ok ? "All checks passed." : "**Some checks failed.**"}

## What was tried
- **Load**: ${CONNECTIONS} connections for ${SECONDS} s against the deployable bundle on plain workerd + PostgreSQL, each
  connection one user looping: current → clock in → list → edit → switch → close → month summary → last week's
  timesheet → submit it → add a past entry in it (refused once submitted) → login. Every write
  carries an Idempotency-Key. ${result.requests.total} requests, ${result.errors} connection errors, ${result.timeouts} timeouts.
- **Faults** during the load: the database unreachable (connections refused) from ${DOWN[0]} s to ${DOWN[1]} s, then slower
  than the worker's ${DB_TIMEOUT_MS} ms database timeout from ${SLOW[0]} s to ${SLOW[1]} s, mid-transaction: each batch's
  statements run, then it is held before COMMIT. As on Neon, a batch whose caller went away is rolled back (and a
  running statement cancelled), never committed, so a write answered 503 must have left nothing behind.
- **Webhooks** throughout: an endpoint on loopback subscribed to \`timelog.created\`, so every clock-in's write
  also queues an event and every response starts a delivery race for the endpoint's lease; the receiver verifies
  each signature with the Standard Webhooks library. Afterwards, what the Cron Trigger would do (leases the
  faults left expire, backoff skipped) until nothing is pending: every event must have arrived.
- **Fuzz**: ${FUZZ_RUNS.toLocaleString("en")} generated requests over every route (\`npm run fuzz\`), checked against the database after each.

## Checks

| check | result | detail |
|---|---|---|
${checks.map(([name, pass, detail]) => `| ${name} | ${pass ? "pass" : "**FAIL**"} | ${detail.replaceAll("|", "/")} |`).join("\n")}

## Responses by phase

| phase | responses (route and status: count) |
|---|---|
${phases}

## Found and fixed while building this harness
${FINDINGS.map((f) => `- ${f}`).join("\n")}
`;
}
