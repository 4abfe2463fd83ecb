// Two writers holding the same If-Match, forced to overlap on PostgreSQL: another transaction holds
// the log's row lock while both requests arrive, so both are inside their transactions at once when
// it lets go. Both must not pass: the compare runs after the row lock, in a statement that sees
// what the first writer committed (without the lock both would compare against the old version
// and both would write; this test fails then). PGlite has one connection, so there the holder runs
// first and the writers one after another: the outcome must be the same.
import { neon } from "@neondatabase/serverless";
import { describe, expect, inject, it } from "vitest";
import { call, testEnv } from "../helpers/api";
import { addEntry, createProject, createSuperuser, createUser, minutesAgo, seedSql } from "../helpers/factories";

const onPostgres = inject("databaseKind") === "postgres";

/** Holds the log's row lock (and an advisory lock, to see that it is held) for a while, changing nothing. */
function holdRow(id: number) {
  const sql = neon(testEnv.DATABASE_URL as string);
  return sql.transaction([
    sql`SELECT id FROM timelog WHERE id = ${id} FOR UPDATE`,
    sql`SELECT pg_advisory_xact_lock(24003)`,
    sql`SELECT pg_sleep(1.5)`,
  ]);
}

async function held() {
  for (let i = 0; i < 200; i++) {
    const [row] = await seedSql("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted");
    if ((row?.n as number) > 0) return;
  }
  throw new Error("the row was never held");
}

describe("If-Match under contention", () => {
  it("of writers that all read the same version, exactly one writes; the rest are 412", async () => {
    const admin = await createSuperuser();
    const alice = await createUser();
    const p = await createProject(admin);
    const log = await addEntry(alice, p.id, minutesAgo(120), minutesAgo(60));
    const seen = (await call("GET", `/timelog/${log.id}`, { token: alice.token })).headers.get("etag") ?? "";
    const holder = holdRow(log.id);
    if (onPostgres) await held();
    const write = (note: string) =>
      call("PATCH", `/timelog/${log.id}`, { token: alice.token, body: { note }, headers: { "if-match": seen } });
    const results = await Promise.all([write("phone"), write("laptop"), write("watch")]);
    await holder;
    expect(results.map((r) => r.status).sort()).toEqual([200, 412, 412]);
    const winner = (await (results.find((r) => r.status === 200) as Response).json()) as { note: string };
    const final = (await (await call("GET", `/timelog/${log.id}`, { token: alice.token })).json()) as { note: string };
    expect(final.note).toBe(winner.note);
  });
});
