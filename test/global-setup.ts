// Runs in Node before the workerd test pool starts: brings up the local Neon endpoint.
import type { TestProject } from "vitest/node";
import { startTestDatabase } from "../scripts/test-database.ts";

declare module "vitest" {
  export interface ProvidedContext {
    neonEndpoint: string;
    databaseKind: "pglite" | "postgres";
    fuzzRuns: number;
  }
}

export default async function setup(project: TestProject) {
  const local = await startTestDatabase();
  project.provide("neonEndpoint", local.url);
  project.provide("databaseKind", process.env.TEST_DATABASE_URL ? "postgres" : "pglite");
  project.provide("fuzzRuns", Number(process.env.FUZZ_RUNS ?? 300));
  return () => local.close();
}
