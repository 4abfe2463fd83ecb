// Every statement runs under a PostgreSQL statement_timeout below the worker's own deadline, so a
// request the worker gives up on does not keep holding the database.
import { type NeonQueryFunction, type NeonQueryPromise, neon } from "@neondatabase/serverless";
import { describe, expect, inject, it } from "vitest";
import { call, countStatements, expectProblem, testEnv } from "../helpers/api";
import { clockIn, createProject, createSuperuser, createUser, seedSql } from "../helpers/factories";

/**
 * Another transaction takes the locks `take` names and holds them until `release()`: it waits for a
 * row the test inserts, so how long the lock lasts is the test's decision, not a sleep's. Resolves
 * once that transaction is waiting (its locks taken); one that never gets there fails the test,
 * since carrying on without the lock would test nothing and pass.
 */
async function holdLocks(take: (sql: NeonQueryFunction<false, false>) => NeonQueryPromise<false, false>[]) {
  await seedSql("CREATE TABLE IF NOT EXISTS lock_release (name text PRIMARY KEY)");
  // 30 s at most: a test that fails before releasing must not leave the lock behind for long.
  await seedSql(`CREATE OR REPLACE FUNCTION hold_until_released(p text) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
      FOR i IN 1..1500 LOOP
        IF EXISTS (SELECT 1 FROM lock_release WHERE name = p) THEN RETURN; END IF;
        PERFORM pg_sleep(0.02);
      END LOOP;
      RAISE EXCEPTION 'the lock was never released';
    END $$`);
  const name = crypto.randomUUID();
  const sql = neon(testEnv.DATABASE_URL as string);
  const holder = sql.transaction([
    sql`SELECT set_config('statement_timeout', '0', true)`,
    ...take(sql),
    sql`SELECT hold_until_released(${name})`,
  ]);
  // A holder that fails is reported by the wait below and by release(), not as an unhandled rejection.
  holder.catch(() => {});
  const deadline = Date.now() + 5_000;
  for (;;) {
    const [row] = await seedSql(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%hold_until_released($1)%' AND state = 'active' AND pid <> pg_backend_pid()",
    );
    if (row?.n === 1) break;
    if (Date.now() > deadline) throw new Error("the transaction holding the lock never started waiting");
  }
  return {
    release: async () => {
      await seedSql("INSERT INTO lock_release (name) VALUES ($1)", [name]);
      await holder;
    },
  };
}

// PGlite has one connection: a second transaction cannot even start while one holds a lock, so
// there is nothing for a statement to wait on. PostgreSQL (CI's second leg) runs this.
describe.runIf(inject("databaseKind") === "postgres")("statement_timeout", () => {
  it("a write stuck behind a lock is stopped by PostgreSQL itself, before the worker's deadline", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    const log = (await (await clockIn(alice, p.id)).json()) as { id: number };
    // Another transaction holds the log's row lock until the request has its answer.
    const lock = await holdLocks((sql) => [sql`UPDATE timelog SET note = 'held' WHERE id = ${log.id}`]);
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
    await lock.release();
    const [row] = await seedSql("SELECT end_time FROM timelog WHERE id = $1", [log.id]);
    expect(row?.end_time).toBeNull();
  });

  it("a read sent as one statement (no transaction) is stopped by the database's default timeout", async () => {
    const admin = await createSuperuser();
    await createProject(admin);
    // Another transaction holds the projects table until the request has its answer: every read
    // of it waits.
    const lock = await holdLocks((sql) => [sql`LOCK TABLE project IN ACCESS EXCLUSIVE MODE`]);
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
    await lock.release();
  });
});
