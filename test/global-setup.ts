// Runs in Node before the workerd test pool starts: brings up the local Neon endpoint.
import type { TestProject } from "vitest/node";
import { startTestDatabase } from "../scripts/test-database.ts";

declare module "vitest" {
  export interface ProvidedContext {
    neonEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const local = await startTestDatabase();
  project.provide("neonEndpoint", local.url);
  return () => local.close();
}
