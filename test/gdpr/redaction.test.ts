import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { addEntry, createProject, createSuperuser, createUser, seedSql, type TestUser } from "../helpers/factories";

/** Someone with the owner's rights edits the trail behind the append-only guard, then undoes it. */
async function tampered(update: string, undo: string, params: unknown[], check: () => Promise<void>) {
  const run = async (text: string) => {
    await seedSql("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only");
    try {
      await seedSql(text, params);
    } finally {
      await seedSql("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only");
    }
  };
  await run(update);
  try {
    await check();
  } finally {
    await run(undo);
  }
}

/** The first broken event of a full pass (from=start, one big page), or null. */
async function firstBroken(admin: TestUser): Promise<{ id: number; reason: string } | null> {
  const res = await call("GET", "/audit/verify?from=start&limit=1000", { token: admin.token });
  expect(res.status).toBe(200);
  return ((await res.json()) as { first_broken: { id: number; reason: string } | null }).first_broken;
}

async function erasedWorld() {
  const admin = await createSuperuser();
  const [ann, bob] = await Promise.all([createUser(), createUser()]);
  const project = await createProject(admin);
  const start = new Date("2026-01-07T09:00:00Z");
  const end = new Date("2026-01-07T10:00:00Z");
  await addEntry(ann, project.id, start, end, "ann's secret note");
  await addEntry(bob, project.id, start, end, "bob's note");
  expect((await call("POST", `/users/${ann.id}/erase`, { token: admin.token })).status).toBe(200);
  const [redacted] = await seedSql(
    "SELECT id::int, after, content_hash FROM audit_event WHERE chain = $1 AND redacted_at IS NOT NULL ORDER BY id LIMIT 1",
    [ann.id],
  );
  const [kept] = await seedSql("SELECT id::int, after FROM audit_event WHERE chain = $1 AND kind = 'timelog.created'", [
    bob.id,
  ]);
  if (!redacted || !kept) throw new Error("expected a redacted and a kept event");
  expect(await firstBroken(admin)).toBeNull();
  return { admin, ann, bob, redacted, kept };
}

describe("the audit trail after an erasure", () => {
  it("still finds an edit to an event that was not redacted", async () => {
    const { admin, kept } = await erasedWorld();
    await tampered(
      `UPDATE audit_event SET after = jsonb_set(after, '{note}', '"forged"') WHERE id = $1`,
      `UPDATE audit_event SET after = jsonb_set(after, '{note}', '"bob''s note"') WHERE id = $1`,
      [kept.id],
      async () => expect(await firstBroken(admin)).toMatchObject({ id: kept.id }),
    );
    expect(await firstBroken(admin)).toBeNull();
  });

  it("finds other content put in place of a redacted event's marker", async () => {
    const { admin, redacted } = await erasedWorld();
    await tampered(
      `UPDATE audit_event SET after = '{"note": "a different story"}' WHERE id = $1`,
      `UPDATE audit_event SET after = '${JSON.stringify(redacted.after)}' WHERE id = $1`,
      [redacted.id],
      async () => expect(await firstBroken(admin)).toMatchObject({ id: redacted.id }),
    );
    // Un-redacting it with made-up content (and no redacted_at) does not verify either.
    await tampered(
      `UPDATE audit_event SET redacted_at = NULL, after = '{"note": "made up"}' WHERE id = $1`,
      `UPDATE audit_event SET redacted_at = now(), after = '${JSON.stringify(redacted.after)}' WHERE id = $1`,
      [redacted.id],
      async () => expect(await firstBroken(admin)).toMatchObject({ id: redacted.id }),
    );
  });

  it("finds a redaction no erasure names, and refuses redactions outside an erasure", async () => {
    const { admin, kept, redacted } = await erasedWorld();
    // A hand-made redaction of Bob's event, pointing at Ann's erasure, with the right content hash.
    await tampered(
      `UPDATE audit_event SET content_hash = audit_content_hash(salt, before, after), before = NULL,
         after = jsonb_build_object('redacted', true, 'erasure', ($2::jsonb ->> 'erasure')::bigint), redacted_at = now()
       WHERE id = $1 AND $3::jsonb IS NOT NULL`,
      "UPDATE audit_event SET redacted_at = NULL, after = $3::jsonb WHERE id = $1 AND $2::jsonb IS NOT NULL",
      [kept.id, JSON.stringify(redacted.after), JSON.stringify(kept.after)],
      async () => expect(await firstBroken(admin)).toMatchObject({ id: kept.id }),
    );
    expect(await firstBroken(admin)).toBeNull();
    await expect(seedSql("UPDATE audit_event SET redacted_at = now() WHERE id = $1", [redacted.id])).rejects.toThrow(
      /append-only/,
    );
  });
});
