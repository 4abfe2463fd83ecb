// Verifying after an erasure stays linear (audit_redaction, migration 0043), and its list cannot be
// extended by hand. From the review of issue 23 §6 (the audit-chain redesign, 0041): after erasing a person with a long
// history, GET /audit/verify gets quadratically slower. audit_redaction_ok() checks each redacted
// event with `x.after -> 'redacted_ids' @> to_jsonb(e.id)`: a scan of the erasure's whole id array
// per redacted event. 20,000 events: ~1 s to verify before the erasure, ~12 s after on PGlite; a
// default page (10,000) took ~6 s, past the 4 s statement_timeout every request runs under on
// PostgreSQL, so a large erasure leaves a trail that no page can verify. Fails on the merged code.
import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { createSuperuser, createUser, seedSql } from "../helpers/factories";

async function timedVerify(token: string) {
  const t = Date.now();
  const res = await call("GET", "/audit/verify?from=start&limit=50000", { token });
  const body = (await res.json()) as { ok: boolean; complete: boolean };
  expect(res.status).toBe(200);
  expect(body).toMatchObject({ ok: true, complete: true });
  return Date.now() - t;
}

describe("verifying after an erasure", () => {
  it("costs about what it cost before (not a scan of every redacted id per redacted event)", async () => {
    const admin = await createSuperuser();
    const ann = await createUser();
    // Five years of time logs, in Ann's chain (appended as the triggers would).
    await seedSql(
      `SELECT count(audit_append($1::int, 'timelog.created', 'timelog', g::text, NULL, jsonb_build_object('id', g, 'note', 'n')))
       FROM generate_series(1, 20000) g`,
      [ann.id],
    );
    const before = await timedVerify(admin.token);
    expect((await call("POST", `/users/${ann.id}/erase`, { token: admin.token })).status).toBe(200);
    const after = await timedVerify(admin.token);
    expect(after).toBeLessThan(Math.max(3 * before, 3000));
  }, 300_000);
});

describe("an erasure's list of redactions", () => {
  it("cannot be extended or shortened by hand: the erasure event is then reported broken", async () => {
    const admin = await createSuperuser();
    const [ann, bob] = await Promise.all([createUser(), createUser()]);
    expect((await call("POST", `/users/${ann.id}/erase`, { token: admin.token })).status).toBe(200);
    const [erasure] = await seedSql("SELECT id::int FROM audit_event WHERE chain = $1 AND kind = 'user.erased'", [
      ann.id,
    ]);
    const [listed] = await seedSql("SELECT event_id::int AS id FROM audit_redaction WHERE erasure_id = $1 LIMIT 1", [
      erasure?.id,
    ]);
    expect(listed?.id).toBeGreaterThan(0);
    await expect(seedSql("DELETE FROM audit_redaction WHERE event_id = $1", [listed?.id])).rejects.toThrow();

    await seedSql("SELECT audit_append($1::int, 'timelog.created', 'timelog', '1', NULL, '{}'::jsonb)", [bob.id]);
    const [bobs] = await seedSql("SELECT id::int FROM audit_event WHERE chain = $1 ORDER BY id LIMIT 1", [bob.id]);
    await seedSql("INSERT INTO audit_redaction (event_id, erasure_id) VALUES ($1, $2)", [bobs?.id, erasure?.id]);
    const res = await call("GET", "/audit/verify?from=start&limit=50000", { token: admin.token });
    const body = (await res.json()) as { ok: boolean; first_broken: { id: number } | null };
    expect(body.ok).toBe(false);
    expect(body.first_broken?.id).toBe(erasure?.id);
  });
});
