// The audit trail's published contract (every kind and entity the database can write is in the
// document) and its verification in bounded pages: checkpoints, resuming, a full pass.
import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { addEntry, createTeamWorld, seedSql, type TestUser } from "../helpers/factories";
import { registerEndpoint } from "../helpers/webhooks";

interface Verification {
  ok: boolean;
  mode: string;
  events: number;
  chains: number;
  through_id: number | null;
  checkpoints: number;
  complete: boolean;
  next_cursor: string | null;
  first_broken: { id: number; user_fk: number | null; seq: number; reason: string } | null;
}

async function verify(admin: TestUser, qs = ""): Promise<Verification> {
  const res = await call("GET", `/audit/verify?${qs}`, { token: admin.token });
  expect(res.status).toBe(200);
  return (await res.json()) as Verification;
}

/** Incremental calls until caught up; each call one round trip. */
async function catchUp(admin: TestUser) {
  for (;;) {
    let v: Verification | undefined;
    expect(await countRoundTrips(async () => (v = await verify(admin, "limit=50")))).toBe(1);
    if (!v?.ok || v.complete) return v as Verification;
  }
}

/** Someone with the owner's rights edits an event behind the append-only guard (restored after). */
async function tamper(update: string, params: unknown[]) {
  await seedSql("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only");
  try {
    await seedSql(update, params);
  } finally {
    await seedSql("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only");
  }
}

async function eventsOf(userId: number) {
  return (await seedSql("SELECT id::int AS id, seq, after, hash FROM audit_event WHERE chain = $1 ORDER BY seq", [
    userId,
  ])) as { id: number; seq: number; after: unknown; hash: string }[];
}

const at = (h: number) => new Date(Date.UTC(2026, 8, 29, h));

describe("audit kinds and entities", () => {
  it("the document lists every kind and entity the database allows an event to have", async () => {
    const doc = (await (await call("GET", "/openapi.json")).json()) as {
      components: { schemas: Record<string, { enum?: string[]; properties?: Record<string, { enum?: string[] }> }> };
    };
    const published = {
      kind: doc.components.schemas.AuditKind?.enum ?? [],
      entity: doc.components.schemas.AuditEvent?.properties?.entity?.enum ?? [],
    };
    for (const [column, name] of [
      ["kind", "audit_event_kind_known"],
      ["entity", "audit_event_entity_known"],
    ] as const) {
      const [row] = await seedSql("SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = $1", [
        name,
      ]);
      const allowed = [...String(row?.def).matchAll(/'([^']+)'/g)].map((m) => m[1]);
      expect(allowed.length).toBeGreaterThan(4);
      expect([...published[column]].sort()).toEqual([...allowed].sort());
    }
    // And the database refuses what the document does not list.
    await expect(
      seedSql("SELECT audit_append(0, 'webhook.exploded', 'webhook', '1', NULL, NULL)"),
    ).rejects.toMatchObject({ code: "23514" });
  });

  it("webhook endpoints' events are listed and filtered by their kind, entity webhook", async () => {
    const { admin } = await createTeamWorld();
    const endpoint = await registerEndpoint(admin, "audit-kinds", ["timelog.created"]);
    const path = `/webhooks/${endpoint.id}`;
    expect((await call("PATCH", path, { token: admin.token, body: { description: "x" } })).status).toBe(200);
    expect((await call("POST", `${path}/rotate-secret`, { token: admin.token })).status).toBe(200);
    expect((await call("DELETE", path, { token: admin.token })).status).toBe(204);
    for (const kind of ["webhook.created", "webhook.updated", "webhook.secret_rotated", "webhook.deleted"]) {
      // call() validates every event of the answer against the document.
      const res = await call("GET", `/audit/?kind=${kind}`, { token: admin.token });
      expect(res.status, kind).toBe(200);
      const { items } = (await res.json()) as { items: { kind: string; entity: string; entity_id: string }[] };
      expect(items.find((e) => e.entity_id === String(endpoint.id))).toMatchObject({ kind, entity: "webhook" });
    }
  });
});

describe("GET /audit/verify in pages", () => {
  it("verifies what is new since the checkpoints, a bounded page per round trip, and resumes", async () => {
    const { admin, manager, ann, project } = await createTeamWorld();
    expect(await catchUp(admin)).toMatchObject({ ok: true, complete: true, first_broken: null });
    expect(await verify(admin)).toMatchObject({ ok: true, events: 0, through_id: null, complete: true });

    for (const h of [8, 9, 10]) await addEntry(ann, project.id, at(h), at(h + 1));
    const annEvents = await eventsOf(ann.id);
    const newIds = annEvents.slice(-3).map((e) => e.id);
    const first = await verify(admin, "limit=2");
    expect(first).toMatchObject({ ok: true, mode: "checkpoint", events: 2, chains: 1, complete: false });
    expect(first.through_id).toBe(newIds[1]);
    expect(first.checkpoints).toBe(1);
    const second = await verify(admin, "limit=2");
    expect(second).toMatchObject({ ok: true, events: 1, complete: true, through_id: newIds[2], next_cursor: null });
    await expectProblem(await call("GET", "/audit/verify", { token: manager.token }), 403);
    await expectProblem(await call("GET", "/audit/verify?limit=50001", { token: admin.token }), 422);
    await expectProblem(await call("GET", "/audit/verify?cursor=bm9wZQ", { token: admin.token }), 422);
  });

  it("a full pass in pages finds an event edited before its checkpoint, which incremental calls do not re-read", async () => {
    const { admin, ann, project } = await createTeamWorld();
    for (const h of [8, 9, 10, 11]) await addEntry(ann, project.id, at(h), at(h + 1));
    expect(await catchUp(admin)).toMatchObject({ ok: true, complete: true });
    const [, old] = (await eventsOf(ann.id)).filter((e) => e.seq > 1);
    if (!old) throw new Error("ann has events");
    await tamper(`UPDATE audit_event SET after = jsonb_set(after, '{note}', '"forged"') WHERE id = $1`, [old.id]);
    try {
      // Checkpoints guarantee what was verified stays verified only for its hashes (see README).
      expect(await verify(admin)).toMatchObject({ ok: true, events: 0 });

      const [{ n } = { n: 0 }] = (await seedSql("SELECT count(*)::int AS n FROM audit_event WHERE id <= $1", [
        old.id,
      ])) as { n: number }[];
      let cursor: string | null = null;
      let pages = 0;
      let previous = 0;
      let found: Verification["first_broken"] = null;
      let verified = 0;
      do {
        let page: Verification | undefined;
        const qs: string = cursor ? `cursor=${cursor}&limit=7` : "from=start&limit=7";
        expect(await countRoundTrips(async () => (page = await verify(admin, qs)))).toBe(1);
        if (!page) throw new Error("no page");
        pages++;
        expect(page.mode).toBe("full");
        expect(page.checkpoints).toBe(0);
        expect(page.through_id ?? 0).toBeGreaterThan(previous); // resumes where the last page ended
        previous = page.through_id ?? previous;
        verified += page.events;
        found = page.first_broken;
        cursor = page.next_cursor;
      } while (!found && cursor);
      expect(found).toMatchObject({
        id: old.id,
        user_fk: ann.id,
        reason: "the event's content does not match its hash",
      });
      expect(pages).toBe(Math.ceil(n / 7));
      expect(verified).toBe(pages * 7);
    } finally {
      await tamper("UPDATE audit_event SET after = $2::jsonb WHERE id = $1", [old.id, JSON.stringify(old.after)]);
    }
    expect((await verify(admin, "from=start&limit=50000")).ok).toBe(true);
  });

  it("a chain rewritten end to end past its checkpoint is found by the next incremental call", async () => {
    const { admin, ann, project } = await createTeamWorld();
    for (const h of [8, 9]) await addEntry(ann, project.id, at(h), at(h + 1));
    expect(await catchUp(admin)).toMatchObject({ ok: true, complete: true });
    const last = (await eventsOf(ann.id)).at(-1);
    if (!last) throw new Error("ann has events");
    // The forger recomputes the hash too, so the chain itself is consistent again.
    await tamper(`UPDATE audit_event SET after = jsonb_set(after, '{note}', '"forged"') WHERE id = $1`, [last.id]);
    await tamper("UPDATE audit_event a SET hash = audit_digest(a) WHERE id = $1", [last.id]);
    try {
      const v = await verify(admin);
      expect(v).toMatchObject({
        ok: false,
        checkpoints: 0,
        first_broken: {
          id: last.id,
          user_fk: ann.id,
          reason: "the event no longer has the hash it was checkpointed with",
        },
      });
      // Reported again, never moved past.
      expect((await verify(admin)).first_broken?.id).toBe(last.id);
      const full = await verify(admin, "from=start&limit=50000");
      expect(full.first_broken).toMatchObject({ id: last.id });
    } finally {
      await tamper("UPDATE audit_event SET after = $2::jsonb, hash = $3 WHERE id = $1", [
        last.id,
        JSON.stringify(last.after),
        last.hash,
      ]);
    }
    expect(await verify(admin)).toMatchObject({ ok: true });
  });
});
