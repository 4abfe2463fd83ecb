// `npm run load [-- --quick] [-- --out FILE]`: a mixed workload from many users against plain
// workerd + PostgreSQL, with the database made unreachable and then slow part-way through; then
// checks in SQL that nothing broke, runs the full fuzz suite, and writes RELIABILITY.md. The
// workload, the faults, the checks and the page are in scripts/load/.
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import autocannon from "autocannon";
import { buildBundles } from "./bench/host.ts";
import { pinContext } from "./bench/measure.ts";
import { createAccounts, createProjects, priceEverything, seedLogs, startStack } from "./bench/stack.ts";
import { type Check, checkAfterLoad, fuzzCheck } from "./load/checks.ts";
import { scheduleFaults, startClock } from "./load/faults.ts";
import { CONNECTIONS, DB_TIMEOUT_MS, FUZZ_RUNS, log, OUT_FILE, ROOT, SECONDS } from "./load/options.ts";
import { report } from "./load/report.ts";
import { startLoadReceiver } from "./load/webhooks.ts";
import { warmUp, workload } from "./load/workload.ts";

const bundle = await buildBundles();
const stack = await startStack("postgres", bundle, {
  DB_TIMEOUT_MS: String(DB_TIMEOUT_MS),
  WEBHOOK_ALLOW_LOOPBACK: "true",
});
const receiver = await startLoadReceiver(stack.sql);

let result: autocannon.Result;
const checks: Check[] = [];
try {
  const accounts = await createAccounts(stack, CONNECTIONS + 1, "load");
  const users = accounts.slice(1);
  const projects = await createProjects(stack, 20);
  // Money on the report path: the bench's rate card, so the month summaries price every log.
  await priceEverything(stack);
  await seedLogs(
    stack,
    accounts.map((a) => a.id),
    projects,
    20,
    { audited: true },
  );
  log(`${users.length} users signed in, ${projects.length} projects, seeded`);
  const requests = workload(projects);
  const cancelFaults = scheduleFaults(stack);
  await warmUp(stack, users, projects);
  log(`load: ${CONNECTIONS} connections for ${SECONDS} s`);
  startClock();
  result = await autocannon({
    url: stack.host.apiUrl,
    connections: CONNECTIONS,
    duration: SECONDS,
    timeout: (DB_TIMEOUT_MS + 3000) / 1000,
    requests,
    setupClient: pinContext((i) => ({ account: users[i % users.length] })),
  });
  cancelFaults();
  await stack.faults({ down: false, delayMs: 0, commitDelayMs: 0 });
  await new Promise((r) => setTimeout(r, 2000));
  log(`load done: ${result.requests.total} requests, ${result.errors} errors, ${result.timeouts} timeouts`);
  const admin = accounts[0]?.token ?? "";
  await receiver.drain(stack.sql, () =>
    fetch(`${stack.host.apiUrl}/webhooks/${receiver.endpointId}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({ status: "active" }),
    }).then((r) => r.text()),
  );
  log("webhooks drained");
  checks.push(...(await checkAfterLoad(stack, result)), await receiver.check(stack.sql));
} finally {
  receiver.close();
  await stack.close();
}

log(`fuzz: ${FUZZ_RUNS} cases`);
checks.push(fuzzCheck());
const ok = checks.every(([, pass]) => pass);
writeFileSync(resolve(ROOT, OUT_FILE), report(checks, result, ok));
log(`wrote ${OUT_FILE}: ${ok ? "all checks passed" : "FAILURES"}`);
process.exit(ok ? 0 : 1);
