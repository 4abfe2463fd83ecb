// Migration 0041 on a database that already has an audit trail: the old chains are verified, then
// rehashed under the new rule (a salted content hash in the link), the checkpoints keep their
// places with the new hashes, and each chain's old and new head hash are kept in audit_rehash.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { expect, it } from "vitest";
import { migrate } from "./migrate.ts";
import { pglitePoolForFile } from "./test-pglite.ts";

const db = pglitePoolForFile({ migrated: false });
const GDPR = "0041_gdpr_export_erasure.sql";

it("0041 rehashes an existing trail that verified, keeping checkpoints and recording old and new heads", async () => {
  const q = async (text: string, params: unknown[] = []) => (await db.pool.query(text, params)).rows;
  // Everything before 0041 (its row and those of the migrations after it are there as if applied;
  // the runner fills in the checksums): later migrations build on 0041's columns.
  await q(`CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now(),
           checksum text)`);
  const later = (await readdir(join(import.meta.dirname, "..", "migrations")))
    .filter((f) => /^\d{4}_.*\.sql$/.test(f) && f >= GDPR)
    .sort();
  for (const file of later) await q("INSERT INTO schema_migrations (version) VALUES ($1)", [file]);
  await migrate(db.pool);
  expect(
    await q("SELECT 1 FROM information_schema.columns WHERE table_name = 'audit_event' AND column_name = 'salt'"),
  ).toEqual([]);

  // Two chains under the old rule, the first checkpointed half-way.
  for (let i = 0; i < 6; i++) {
    await q(
      `SELECT audit_append($1::int, 'user.updated', 'user', $1::int::text, NULL, jsonb_build_object('n', $2::int, 'email', 'a@x.test'))`,
      [1 + (i % 2), i],
    );
    if (i === 3) expect((await q("SELECT audit_verify_page(NULL, 100) ->> 'broken' AS broken"))[0].broken).toBeNull();
  }
  const heads = await q("SELECT DISTINCT ON (chain) chain, hash FROM audit_event ORDER BY chain, seq DESC");
  const checkpoints = await q("SELECT chain, seq FROM audit_checkpoint ORDER BY chain, seq");
  expect(checkpoints.length).toBe(2);

  await q("DELETE FROM schema_migrations WHERE version >= $1", [GDPR]);
  expect(await migrate(db.pool)).toEqual(later);

  expect((await q("SELECT * FROM audit_verify()"))[0]).toMatchObject({ events: "6", broken_id: null });
  expect((await q("SELECT audit_verify_page(0, 100) ->> 'broken' AS broken"))[0].broken).toBeNull();
  expect((await q("SELECT audit_verify_page(NULL, 100) ->> 'broken' AS broken"))[0].broken).toBeNull();
  const rehash = await q("SELECT chain, old_hash, new_hash FROM audit_rehash ORDER BY chain");
  const now = await q("SELECT DISTINCT ON (chain) chain, hash FROM audit_event ORDER BY chain, seq DESC");
  expect(rehash).toEqual(heads.map((h, i) => ({ chain: h.chain, old_hash: h.hash, new_hash: now[i]?.hash })));
  expect(rehash.every((r) => r.old_hash !== r.new_hash)).toBe(true);
  // Checkpoints in the same places, with the hashes their events have now.
  expect(
    await q(
      "SELECT k.chain, k.seq FROM audit_checkpoint k JOIN audit_event e USING (chain, seq) WHERE e.hash = k.hash ORDER BY chain, seq",
    ),
  ).toEqual(expect.arrayContaining(checkpoints));
  expect(await q("SELECT count(*)::int AS n FROM audit_event WHERE salt IS NULL OR content_hash IS NULL")).toEqual([
    { n: "0" },
  ]);
}, 120_000);
