// Runs in Node before the workerd test pool starts: brings up the local Neon endpoint, and a
// gateway whose database is down (it answers 502 as Neon's proxy does when it cannot reach the
// compute). A closed port would do too, but workerd logs every refused fetch as an uncaught
// rejection even when the caller handles it, and a test run should print none.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { startTestDatabase } from "../scripts/test-database.ts";

declare module "vitest" {
  export interface ProvidedContext {
    neonEndpoint: string;
    downEndpoint: string;
    databaseKind: "pglite" | "postgres";
    fuzzRuns: number;
  }
}

export default async function setup(project: TestProject) {
  const local = await startTestDatabase();
  const down = createServer((_req, res) => {
    res.writeHead(502, { "content-type": "text/plain" });
    res.end("Couldn't connect to compute node");
  });
  await new Promise<void>((resolve) => down.listen(0, "127.0.0.1", resolve));
  project.provide("neonEndpoint", local.url);
  project.provide("downEndpoint", `http://127.0.0.1:${(down.address() as AddressInfo).port}/sql`);
  project.provide("databaseKind", process.env.TEST_DATABASE_URL ? "postgres" : "pglite");
  project.provide("fuzzRuns", Number(process.env.FUZZ_RUNS ?? 300));
  return async () => {
    down.close();
    await local.close();
  };
}
