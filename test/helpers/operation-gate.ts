// Every documented operation has, outside the fuzzer, at least one test of its success and one of
// a refusal. Each worker test file reports what it saw (test/helpers/report-operations.ts) to a
// loopback collector that test/global-setup.ts starts; its teardown calls `enforce`, and a throw
// there fails `vitest run` (Vitest reports it as an error during close and exits 1).
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { counts, gaps, type Report } from "./operation-gaps.ts";

export async function startOperationCollector() {
  const reports = new Map<string, Report>();
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const report = JSON.parse(body) as Report;
      reports.set(report.file, report);
      res.writeHead(204);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, reports, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * Fails the run when an operation lacks a success or a refusal — only on a full run: every test
 * file of the project (the fuzzer aside) was scheduled, no test-name filter was given, and every
 * file that ran a test reported. A run of one file, or of `-t`, sees a fraction of the suite by
 * design and must not fail for what it left out; a file whose tests were all skipped (the
 * PostgreSQL-only ones on PGlite) reports nothing and is not waited for; a file that crashed
 * before its hooks ran has failed the run already, and the gate says it could not judge.
 * OPERATION_REPORT=<path> writes every file's report there, to see what a run covered.
 */
export async function enforce(project: TestProject, reports: Map<string, Report>) {
  if (process.env.OPERATION_REPORT) writeFileSync(process.env.OPERATION_REPORT, JSON.stringify([...reports.values()]));
  const { testFiles } = await project.globTestFiles();
  const modules = project.vitest.state
    .getTestModules()
    .filter((m) => m.project.name === project.name && counts(m.moduleId));
  const scheduled = new Set(modules.map((m) => m.moduleId));
  if (project.config.testNamePattern || !testFiles.filter(counts).every((f) => scheduled.has(f))) return;
  const silent = modules.filter((m) => m.state() !== "skipped" && !reports.has(m.moduleId)).map((m) => m.moduleId);
  if (silent.length > 0) {
    console.warn(`Operation gate not judged: ${silent.join(", ")} ran but did not report (see its failure).`);
    return;
  }
  const missing = gaps([...reports.values()]);
  if (missing.length === 0) return;
  throw new Error(
    `${missing.length} documented operation(s) lack a test of their success or of a refusal ` +
      `(rules in test/helpers/operation-gaps.ts; the fuzzer does not count):\n  ${missing.join("\n  ")}`,
  );
}
