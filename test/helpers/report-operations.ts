// Runs before every worker test file (vitest.config.ts setupFiles). After the file's tests, it
// reports which documented operations answered which statuses (test/helpers/contract.ts saw every
// response) to the collector in test/global-setup.ts, which fails a full run when an operation
// has no test of its success or of a refusal (test/helpers/operation-gate.ts). Each test file
// runs in its own isolate with its own `seen`, so only the collector sees the whole suite.
import { afterAll, expect, inject } from "vitest";
import { databaseName } from "./api";
import { documentedOperations, seen } from "./contract";

afterAll(async () => {
  const file = expect.getState().testPath ?? "unknown";
  const res = await fetch(`${inject("operationCollector")}/report`, {
    method: "POST",
    body: JSON.stringify({ file, seen: [...seen], operations: documentedOperations() }),
  });
  if (!res.ok) throw new Error(`the operation collector refused ${file}'s report: ${res.status}`);
  // Last of the file's hooks (after hooks run in reverse): its database's memory goes back now,
  // not at the end of the run (each PGlite clone holds ~150 MB).
  await fetch(new URL(`/__release?db=${databaseName}`, inject("neonEndpoint")), { method: "POST" });
});
