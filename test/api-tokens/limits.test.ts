// Token creation's limits: at most 50 live tokens a person, held by the database under parallel
// creates, and no Idempotency-Key (a stored answer would keep the secret; an ignored key duplicates).
import { afterEach, describe, expect, inject, it } from "vitest";
import { call, databaseName, expectProblem } from "../helpers/api";
import { createUser, seedSql, type TestUser } from "../helpers/factories";

const create = (user: TestUser, headers: Record<string, string> = {}) =>
  call("POST", "/users/me/tokens", { token: user.token, body: { name: "script", scopes: ["timelog:read"] }, headers });
const live = async (userId: number) =>
  (
    await seedSql(
      "SELECT count(*)::int AS n FROM api_token WHERE user_fk = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())",
      [userId],
    )
  )[0]?.n;

/** Stored straight in the database: the cap is what is tested, not 49 creations. */
async function seedTokens(userId: number, n: number) {
  await seedSql(
    `INSERT INTO api_token (user_fk, name, prefix, token_hash, scopes)
     SELECT $1, 'seeded', 'tl_pat_', md5(random()::text || g), ARRAY['timelog:read'] FROM generate_series(1, $2) g`,
    [userId, n],
  );
}

/** The local endpoint holds each of this file's transactions open before COMMIT (test/foundation/abandoned-write). */
async function holdCommits(ms: number) {
  const url = new URL("/__faults", inject("neonEndpoint"));
  await fetch(url, { method: "POST", body: JSON.stringify({ commitDelayMs: ms, database: databaseName }) });
}

describe("API token limits", () => {
  afterEach(() => holdCommits(0));

  it("8 parallel creates at 49 live tokens: exactly one is made, the rest 422 limit_reached", async () => {
    const alice = await createUser();
    await seedTokens(alice.id, 49);
    // Every create's count runs while the others are still uncommitted: without the lock in the
    // trigger, all eight would see 49 (on PostgreSQL; PGlite runs one transaction at a time).
    await holdCommits(300);
    const answers = await Promise.all(Array.from({ length: 8 }, () => create(alice)));
    await holdCommits(0);
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    for (const res of answers.filter((r) => r.status !== 201)) {
      expect(await expectProblem(res, 422)).toMatchObject({ code: "limit_reached", limit: 50 });
    }
    expect(await live(alice.id)).toBe(50);
  });

  it("revoked and expired tokens do not count; another person has their own 50", async () => {
    const alice = await createUser();
    const bob = await createUser();
    await seedTokens(alice.id, 50);
    await expectProblem(await create(alice), 422);
    expect((await create(bob)).status).toBe(201);
    const [one] = await seedSql("SELECT id FROM api_token WHERE user_fk = $1 LIMIT 1", [alice.id]);
    expect((await call("DELETE", `/users/me/tokens/${one?.id}`, { token: alice.token })).status).toBe(204);
    expect((await create(alice)).status).toBe(201);
    await expectProblem(await create(alice), 422);
    await seedSql(
      "UPDATE api_token SET created_at = now() - interval '2 days', expires_at = now() - interval '1 day' WHERE id IN (SELECT id FROM api_token WHERE user_fk = $1 ORDER BY id LIMIT 3)",
      [alice.id],
    );
    expect((await create(alice)).status).toBe(201);
  });

  it("refuses an Idempotency-Key on creation (422 idempotency_unsupported) and creates nothing", async () => {
    const alice = await createUser();
    const res = await create(alice, { "idempotency-key": "retry-me" });
    expect((await expectProblem(res, 422)).code).toBe("idempotency_unsupported");
    const again = await create(alice, { "idempotency-key": "retry-me" });
    await expectProblem(again, 422);
    expect(await live(alice.id)).toBe(0);
    expect((await create(alice)).status).toBe(201);
  });
});
