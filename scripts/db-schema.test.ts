// src/db/schema.ts (what Kysely believes) against the migrated database (what is): the same tables,
// the same columns, the same nullability. A migration that adds, drops or loosens a column
// without the types following fails here.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pglitePoolForFile } from "./test-pglite.ts";

/** Tables only raw SQL reads or writes (the migrations' functions, sync's lock changes): not part of Kysely's view. */
const SQL_ONLY = new Set(["auth_attempt", "registration_attempt", "schema_migrations", "timelog_lock_change"]);

interface Column {
  nullable: boolean;
}

/** Reads the interfaces of schema.ts: `Database { table: XTable }` and `XTable { column: type }`. */
function declared(): Map<string, Map<string, Column>> {
  const text = readFileSync(join(import.meta.dirname, "..", "src", "db", "schema.ts"), "utf8");
  const body = (name: string) => new RegExp(`export interface ${name} \\{([^}]*)\\}`).exec(text)?.[1] ?? "";
  const members = (block: string) =>
    [...block.matchAll(/^\s*(\w+): ([^;]+);/gm)].map((m) => [m[1] ?? "", m[2] ?? ""] as const);
  const tables = new Map<string, Map<string, Column>>();
  for (const [table, iface] of members(body("Database"))) {
    tables.set(
      table,
      new Map(members(body(iface)).map(([col, type]) => [col, { nullable: /\|\s*null\b/.test(type) }])),
    );
  }
  return tables;
}

const db = pglitePoolForFile();

describe("src/db/schema.ts", () => {
  it("matches the migrated database: tables, columns and nullability", async () => {
    const { rows } = await db.pool.query<{ table_name: string; column_name: string; is_nullable: string }>(
      "SELECT table_name, column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public'",
    );
    const actual = new Map<string, Map<string, Column>>();
    for (const r of rows) {
      if (SQL_ONLY.has(r.table_name)) continue;
      const table = actual.get(r.table_name) ?? new Map<string, Column>();
      table.set(r.column_name, { nullable: r.is_nullable === "YES" });
      actual.set(r.table_name, table);
    }
    const expected = declared();
    expect(expected.size).toBeGreaterThan(5);
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [table, columns] of expected) {
      expect(Object.fromEntries(actual.get(table) ?? []), table).toEqual(Object.fromEntries(columns));
    }
  });
});
