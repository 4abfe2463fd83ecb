// Every statement runs under a PostgreSQL statement_timeout below the worker's own deadline, so a
// request the worker gives up on does not keep holding the database.
import { neon } from "@neondatabase/serverless";
import { describe, expect, inject, it } from "vitest";
import { call, countStatements, expectProblem, testEnv } from "../helpers/api";
import { clockIn, createProject, createSuperuser, createUser, seedSql } from "../helpers/factories";

/**
 * Waits until another transaction runs `sleep`, holding its lock from then on, so the request that
 * follows really meets the lock. Within 1 s, so at least 3 s of the sleep are left; a holder that
 * never starts fails the test, since carrying on would test nothing and pass.
 */
async function holding(sleep: string) {
  const deadline = Date.now() + 1_000;
  while (Date.now() < deadline) {
    const [row] = await seedSql(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE $1 AND state = 'active' AND pid <> pg_backend_pid()",
      [`%${sleep}%`],
    );
    if (row?.n === 1) return;
  }
  throw new Error(`no transaction started ${sleep} within 1 s: the lock this test needs was never taken`);
}

// PGlite has one connection: a second transaction cannot even start while one holds a lock, so
// there is nothing for a statement to wait on. PostgreSQL (CI's second leg) runs this.
describe.runIf(inject("databaseKind") === "postgres")("statement_timeout", () => {
  it("a write stuck behind a lock is stopped by PostgreSQL itself, before the worker's deadline", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    const log = (await (await clockIn(alice, p.id)).json()) as { id: number };
    // Another transaction holds the log's row lock for 4 s.
    const sql = neon(testEnv.DATABASE_URL as string);
    const holder = sql.transaction([
      sql`SELECT set_config('statement_timeout', '0', true)`,
      sql`UPDATE timelog SET note = 'held' WHERE id = ${log.id}`,
      sql`SELECT pg_sleep(4)`,
    ]);
    await holding("pg_sleep(4)");
    const env = { ...testEnv, DB_TIMEOUT_MS: "1500" };
    const started = Date.now();
    const res = await call("POST", "/timelog/close", { token: alice.token, env });
    const elapsed = Date.now() - started;
    // The database's own refusal (57014), not the worker's timeout: it stopped at ~1.2 s.
    expect((await expectProblem(res, 503)).code).toBe("database_timeout");
    expect(elapsed).toBeLessThan(1500);
    const waiting = await seedSql(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
    );
    expect(waiting[0]?.n).toBe(0);
    await holder;
    const [row] = await seedSql("SELECT end_time FROM timelog WHERE id = $1", [log.id]);
    expect(row?.end_time).toBeNull();
  });

  it("a read sent as one statement (no transaction) is stopped by the database's default timeout", async () => {
    const admin = await createSuperuser();
    await createProject(admin);
    // Another transaction holds the projects table for 6 s: every read of it waits.
    const sql = neon(testEnv.DATABASE_URL as string);
    const holder = sql.transaction([
      sql`SELECT set_config('statement_timeout', '0', true)`,
      sql`LOCK TABLE project IN ACCESS EXCLUSIVE MODE`,
      sql`SELECT pg_sleep(6)`,
    ]);
    await holding("pg_sleep(6)");
    const started = Date.now();
    let res: Response | undefined;
    const counted = await countStatements(async () => {
      res = await call("GET", "/projects/", { token: admin.token });
    });
    const elapsed = Date.now() - started;
    // migrations/0008: 4 s, below the worker's 5 s deadline, so it is PostgreSQL that stops it.
    expect((await expectProblem(res as Response, 503)).code).toBe("database_timeout");
    expect(elapsed).toBeGreaterThan(3500);
    expect(elapsed).toBeLessThan(5000);
    expect(counted).toEqual({ requests: 1, transactions: 0 });
    await holder;
  });
});
