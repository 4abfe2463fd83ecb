// A write the worker gives up on (503) leaves nothing behind: like Neon, the endpoint does not
// commit a batch whose client went away, so "nothing changed, retry" is the truth.
import { describe, expect, inject, it } from "vitest";
import { call, databaseName, expectProblem, testEnv } from "../helpers/api";
import { createProject, createSuperuser, createUser, seedSql } from "../helpers/factories";

/** Makes this file's database hold every batch before COMMIT (0 to stop). */
async function holdCommits(ms: number) {
  const url = new URL("/__faults", inject("neonEndpoint"));
  await fetch(url, { method: "POST", body: JSON.stringify({ commitDelayMs: ms, database: databaseName }) });
}

describe("abandoned writes", () => {
  it("a clock-in answered 503 after its statements ran is rolled back; the retry then succeeds once", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    const write = (env?: Record<string, unknown>) =>
      call("POST", "/timelog/", {
        token: alice.token,
        body: { project_fk: p.id, note: "abandoned?" },
        headers: { "idempotency-key": "abandon-1" },
        env,
      });
    await holdCommits(3000);
    let res: Response;
    try {
      res = await write({ ...testEnv, DB_TIMEOUT_MS: "500" });
    } finally {
      await holdCommits(0);
    }
    expect((await expectProblem(res, 503)).code).toBe("database_unavailable");
    // Wait until no transaction of this database is still open (PGlite runs this after the batch).
    for (let i = 0; i < 100; i++) {
      const [open] = await seedSql(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
      );
      if (open?.n === 0) break;
    }
    const [logs] = await seedSql("SELECT count(*)::int AS n FROM timelog WHERE user_fk = $1", [alice.id]);
    const [keys] = await seedSql("SELECT count(*)::int AS n FROM idempotency_key WHERE key = 'abandon-1'");
    expect(logs?.n).toBe(0);
    expect(keys?.n).toBe(0);
    const retry = await write();
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    const [after] = await seedSql("SELECT count(*)::int AS n FROM timelog WHERE user_fk = $1", [alice.id]);
    expect(after?.n).toBe(1);
  });
});
