import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { addEntry, createTeamWorld, seedSql } from "../helpers/factories";

interface Event {
  id: number;
  kind: string;
  actor_fk: number | null;
  request_id: string | null;
  user_fk: number | null;
  entity: string;
  entity_id: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  seq: number;
  prev_hash: string;
  hash: string;
}
const at = (iso: string) => new Date(iso);

describe("audit trail", () => {
  it("records who changed a log, in which request, before and after; history for owner, manager and superusers", async () => {
    const { admin, manager, ann, stranger, project } = await createTeamWorld();
    const log = await addEntry(ann, project.id, at("2026-09-29T09:00:00Z"), at("2026-09-29T10:00:00Z"));
    const patch = await call("PATCH", `/timelog/${log.id}`, {
      token: manager.token,
      body: { note: "fixed by manager" },
      headers: { "x-request-id": "req-fix-1" },
    });
    expect(patch.status).toBe(200);
    expect((await call("DELETE", `/timelog/${log.id}`, { token: ann.token })).status).toBe(204);

    const res = await call("GET", `/timelog/${log.id}/history`, { token: ann.token });
    const events = ((await res.json()) as { items: Event[] }).items;
    expect(events.map((e) => [e.kind, e.actor_fk])).toEqual([
      ["timelog.created", ann.id],
      ["timelog.updated", manager.id],
      ["timelog.deleted", ann.id],
    ]);
    expect(events[1]).toMatchObject({
      request_id: "req-fix-1",
      user_fk: ann.id,
      entity: "timelog",
      entity_id: String(log.id),
    });
    expect(events[1]?.before).toMatchObject({ note: null, start_time: "2026-09-29T09:00:00.000Z" });
    expect(events[1]?.after).toMatchObject({ note: "fixed by manager" });
    expect(events[2]?.after).toBeNull();
    // Chained: each event's prev_hash is the hash before it in the person's chain.
    expect(events[1]?.prev_hash).toBe(events[0]?.hash);
    for (const who of [manager, admin]) {
      expect((await call("GET", `/timelog/${log.id}/history`, { token: who.token })).status).toBe(200);
    }
    await expectProblem(await call("GET", `/timelog/${log.id}/history`, { token: stranger.token }), 404);
  });

  it("records timesheet decisions, memberships, role changes and the company lock; lists them by filter", async () => {
    const { admin, manager, ann, bob, stranger, team } = await createTeamWorld();
    await call("POST", "/timesheets/2026-W40/submit", { token: ann.token });
    await call("POST", `/timesheets/${ann.id}/2026-W40/approve`, { token: manager.token, body: {} });
    await call("PATCH", `/users/${bob.id}`, { token: admin.token, body: { is_superuser: true } });
    await call("PATCH", `/users/${bob.id}`, { token: admin.token, body: { is_superuser: false } });
    await call("PUT", "/settings/lock", { token: admin.token, body: { locked_before: "2026-09-01T00:00:00Z" } });
    await call("PUT", "/settings/lock", { token: admin.token, body: { locked_before: "2026-08-01T00:00:00Z" } });

    const list = async (qs: string, token = admin.token) =>
      ((await (await call("GET", `/audit/?${qs}`, { token })).json()) as { items: Event[] }).items;
    expect((await list(`user_fk=${ann.id}`)).map((e) => e.kind)).toEqual([
      "timesheet.approved",
      "timesheet.submitted",
      "team_member.added",
    ]);
    expect((await list(`user_fk=${bob.id}&kind=user.updated`)).map((e) => e.after?.is_superuser)).toEqual([
      false,
      true,
    ]);
    const locks = await list("kind=company.lock_changed");
    expect(locks.map((e) => [e.before?.locked_before, e.after?.locked_before])).toEqual([
      ["2026-09-01T00:00:00.000Z", "2026-08-01T00:00:00.000Z"],
      [null, "2026-09-01T00:00:00.000Z"],
    ]);
    expect(locks.every((e) => e.user_fk === null && e.actor_fk === admin.id)).toBe(true);
    expect((await list(`actor_fk=${manager.id}`)).map((e) => e.kind)).toEqual(["timesheet.approved"]);
    // Managers see their people's events only; members and strangers see none.
    const managers = await list("limit=200", manager.token);
    expect(managers.length).toBeGreaterThan(0);
    expect(managers.every((e) => e.user_fk === ann.id || e.user_fk === bob.id)).toBe(true);
    expect(await list("limit=200", stranger.token)).toEqual([]);
    // A manager sees their people's time and timesheets, not their memberships or role changes.
    expect(managers.every((e) => e.entity === "timelog" || e.entity === "timesheet")).toBe(true);
    expect(team.id).toBeGreaterThan(0);

    const verify = await call("GET", "/audit/verify", { token: admin.token });
    expect(await verify.json()).toMatchObject({ ok: true, first_broken: null });
    await expectProblem(await call("GET", "/audit/verify", { token: manager.token }), 403);
  });

  it("is append-only, and a rewritten event is found by /audit/verify", async () => {
    const { admin, ann, project } = await createTeamWorld();
    await addEntry(ann, project.id, at("2026-09-29T09:00:00Z"), at("2026-09-29T10:00:00Z"));
    const [event] = (await seedSql("SELECT id FROM audit_event WHERE kind = 'timelog.created' AND chain = $1", [
      ann.id,
    ])) as { id: string }[];
    await expect(seedSql("UPDATE audit_event SET kind = 'x' WHERE id = $1", [event?.id])).rejects.toThrow(
      /append-only/,
    );
    await expect(seedSql("DELETE FROM audit_event WHERE id = $1", [event?.id])).rejects.toThrow(/append-only/);
    // CASCADE: audit_redaction (0043) refers to the events, and a plain TRUNCATE stops at that
    // foreign key before the trail's own guard is asked; with CASCADE the guard must refuse it.
    await expect(seedSql("TRUNCATE audit_event CASCADE")).rejects.toThrow(/append-only/);

    // Someone with the database's owner rights switches the guard off and rewrites history.
    await seedSql("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only");
    await seedSql(`UPDATE audit_event SET after = jsonb_set(after, '{note}', '"forged"') WHERE id = $1`, [event?.id]);
    await seedSql("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only");
    const res = await call("GET", "/audit/verify", { token: admin.token });
    expect(await res.json()).toMatchObject({
      ok: false,
      first_broken: { id: Number(event?.id), user_fk: ann.id, reason: "the event's content does not match its hash" },
    });
  });

  it("refuses filters it cannot read (422) and a token without timelog:read (403)", async () => {
    const { admin } = await createTeamWorld();
    const as = { token: admin.token };
    await expectProblem(await call("GET", "/audit/?kind=timelog.eaten", as), 422);
    await expectProblem(await call("GET", "/audit/?from=yesterday", as), 422);
    expect((await expectProblem(await call("GET", "/audit/?cursor=5", as), 422)).code).toBe("invalid_cursor");
    const minted = await call("POST", "/users/me/tokens", { ...as, body: { name: "r", scopes: ["reports:read"] } });
    const { token } = (await minted.json()) as { token: string };
    expect((await expectProblem(await call("GET", "/audit/", { token }), 403)).code).toBe("insufficient_scope");
    expect((await call("GET", "/audit/", as)).status).toBe(200);
  });

  it("audit routes are one round trip each", async () => {
    const { admin, ann, project } = await createTeamWorld();
    const log = await addEntry(ann, project.id, at("2026-09-29T09:00:00Z"), at("2026-09-29T10:00:00Z"));
    const trips = {
      list: await countRoundTrips(() => call("GET", "/audit/", { token: admin.token })),
      verify: await countRoundTrips(() => call("GET", "/audit/verify", { token: admin.token })),
      history: await countRoundTrips(() => call("GET", `/timelog/${log.id}/history`, { token: ann.token })),
      lock: await countRoundTrips(() =>
        call("PUT", "/settings/lock", { token: admin.token, body: { locked_before: "2026-01-01T00:00:00Z" } }),
      ),
    };
    expect(trips).toEqual({ list: 1, verify: 1, history: 1, lock: 1 });
  });
});

describe("company lock", () => {
  it("payroll closed: nothing starting before locked_before changes, for anyone; lifting it is allowed", async () => {
    const { admin, ann, project } = await createTeamWorld();
    const old = await addEntry(ann, project.id, at("2026-09-10T09:00:00Z"), at("2026-09-10T10:00:00Z"));
    const across = await addEntry(ann, project.id, at("2026-09-30T23:00:00Z"), at("2026-10-01T01:00:00Z"));
    await expectProblem(
      await call("PUT", "/settings/lock", { token: ann.token, body: { locked_before: "2026-10-01T00:00:00Z" } }),
      403,
    );
    await expectProblem(
      await call("PUT", "/settings/lock", { token: admin.token, body: { locked_before: "soon" } }),
      422,
    );
    const set = await call("PUT", "/settings/lock", {
      token: admin.token,
      body: { locked_before: "2026-10-01T00:00:00+00:00" },
    });
    expect(await set.json()).toMatchObject({ locked_before: "2026-10-01T00:00:00.000Z" });

    for (const id of [old.id, across.id]) {
      const edit = await call("PATCH", `/timelog/${id}`, { token: admin.token, body: { note: "late" } });
      expect(await expectProblem(edit, 409)).toMatchObject({
        code: "period_locked",
        locked_before: "2026-10-01T00:00:00.000Z",
      });
    }
    const backdated = await call("POST", "/timelog/", {
      token: ann.token,
      body: { project_fk: project.id, start_time: "2026-09-20T09:00:00Z", end_time: "2026-09-20T10:00:00Z" },
    });
    await expectProblem(backdated, 409);
    const sync = await call("GET", "/timelog/changes?since=0.0", { token: ann.token });
    expect(((await sync.json()) as { locked_before: string }).locked_before).toBe("2026-10-01T00:00:00.000Z");

    // Not in the future; not while a timer that started before it runs (it could never be closed).
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const ahead = await call("PUT", "/settings/lock", { token: admin.token, body: { locked_before: future } });
    expect((await expectProblem(ahead, 422)).code).toBe("lock_in_future");
    expect((await call("POST", "/timelog/", { token: ann.token, body: { project_fk: project.id } })).status).toBe(201);
    const now = new Date().toISOString();
    const running = await call("PUT", "/settings/lock", { token: admin.token, body: { locked_before: now } });
    expect(await expectProblem(running, 409)).toMatchObject({ code: "timer_running", running: 1 });
    expect((await call("POST", "/timelog/close", { token: ann.token })).status).toBe(200);

    const lifted = await call("PUT", "/settings/lock", { token: admin.token, body: { locked_before: null } });
    expect(await lifted.json()).toMatchObject({ locked_before: null });
    expect((await call("PATCH", `/timelog/${old.id}`, { token: admin.token, body: { note: "late" } })).status).toBe(
      200,
    );
  });
});
