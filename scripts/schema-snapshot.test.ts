// The checked-in schema snapshot is the migrated database's: a migration without a refreshed
// snapshot fails here, so its effect shows in review as a diff of migrations/current/schema.sql.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { SNAPSHOT, schemaSnapshot } from "./schema-snapshot.ts";
import { pglitePoolForFile } from "./test-pglite.ts";

const db = pglitePoolForFile();

it("migrations/current/schema.sql is the schema the migrations make (npm run db:schema refreshes it)", async () => {
  const made = await schemaSnapshot(db.pool);
  const committed = readFileSync(SNAPSHOT, "utf8");
  expect(made.split("\n").length).toBeGreaterThan(500);
  expect(made).toContain("CREATE OR REPLACE FUNCTION public.timelog_before_write()");
  expect(committed === made, "stale: run `npm run db:schema` and commit migrations/current/schema.sql").toBe(true);
}, 60_000);

it("every constraint the problem table names exists (a renamed one must fail here, not become a 500)", () => {
  const errors = readFileSync(new URL("../src/db/errors.ts", import.meta.url), "utf8");
  const schema = readFileSync(SNAPSHOT, "utf8");
  const tables = [...errors.matchAll(/^const (CONSTRAINTS|IN_USE)[^=]*= \{([\s\S]*?)^\};/gm)].map((m) => m[2] ?? "");
  expect(tables).toHaveLength(2);
  const names = tables.flatMap((t) => [...t.matchAll(/^ {2}(\w+): \{/gm)].map((m) => m[1] ?? ""));
  expect(names.length).toBeGreaterThan(20);
  const missing = names.filter((n) => !new RegExp(`ADD CONSTRAINT ${n} |CREATE (UNIQUE )?INDEX ${n} `).test(schema));
  expect(missing).toEqual([]);
});
