// Erasure chooses by structure (not by username or free text) and leaves no personal data behind.
// From the review of issue 23 §6: personal data that survived POST /users/{id}/erase, and
// records of other people that an erasure destroys. Each test fails on the merged code.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { REMINDERS_CRON } from "../../src/reminders/run";
import { call, testEnv } from "../helpers/api";
import {
  addEntry,
  createProject,
  createSuperuser,
  createTeamWorld,
  createUser,
  seedRowsWithoutTriggers,
  seedSql,
  unique,
} from "../helpers/factories";
import { registerEndpoint } from "../helpers/webhooks";

const erase = async (adminToken: string, id: number) =>
  expect((await call("POST", `/users/${id}/erase`, { token: adminToken })).status).toBe(200);

async function verifies(adminToken: string) {
  const res = await call("GET", "/audit/verify?from=start&limit=1000", { token: adminToken });
  return ((await res.json()) as { ok: boolean }).ok;
}

describe("erasure: other people's audit records", () => {
  it("erasing someone whose username is a common value ('submitted') does not redact others' events", async () => {
    const { admin, ann, project } = await createTeamWorld();
    await addEntry(ann, project.id, new Date("2026-02-02T09:00:00Z"), new Date("2026-02-02T12:00:00Z"));
    expect((await call("POST", "/timesheets/2026-W06/submit", { token: ann.token })).status).toBe(200);
    const named = await createUser({ username: "submitted" });

    await erase(admin.token, named.id);

    // Ann's submission is Ann's record, not the erased person's: it must stay readable.
    const rows = await seedSql(
      "SELECT id, kind FROM audit_event WHERE chain = $1 AND redacted_at IS NOT NULL ORDER BY id",
      [ann.id],
    );
    expect(rows).toEqual([]);
    expect(await verifies(admin.token)).toBe(true);
  });
});

describe("erasure: identifying data left behind", () => {
  it("the invitation emails an erased superuser sent no longer carry their username", async () => {
    const admin = await createSuperuser();
    const inviter = await createSuperuser();
    const invitee = `inv-${unique()}@example.com`;
    const res = await call("POST", "/invitations", { token: inviter.token, body: { email: invitee } });
    expect(res.status).toBe(201);

    await erase(admin.token, inviter.id);

    const rows = await seedSql("SELECT data FROM email_outbox WHERE to_address = $1", [invitee]);
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(inviter.username);
  });

  it("an absence reminder names the erased requester (outbox) and keeps their note (webhook payload)", async () => {
    const { admin, manager, ann } = await createTeamWorld();
    await registerEndpoint(admin, "review-erase", ["absence.pending_reminder"]);
    const note = `private-note-${unique()}`;
    const res = await call("POST", "/absences", {
      token: ann.token,
      body: { type_fk: 1, from: "2027-03-01", to: "2027-03-01", note },
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: number };
    await seedRowsWithoutTriggers(
      "absence",
      "UPDATE absence SET created_at = now() - interval '30 hours' WHERE id = $1",
      [id],
    );
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: REMINDERS_CRON }), testEnv as never, ctx);
    await waitOnExecutionContext(ctx);
    const [sent] = await seedSql(
      "SELECT count(*)::int AS n FROM reminder_sent WHERE kind = 'absence_pending' AND occasion = $1 AND user_fk = $2",
      [String(id), manager.id],
    );
    expect(sent?.n).toBe(1);

    await erase(admin.token, ann.id);

    const outbox = await seedSql("SELECT data FROM email_outbox WHERE template = 'absence_pending' AND user_fk = $1", [
      manager.id,
    ]);
    expect(JSON.stringify(outbox)).not.toContain(ann.username);
    const hooks = await seedSql("SELECT data FROM webhook_event WHERE type = 'absence.pending_reminder'");
    expect(hooks.length).toBeGreaterThan(0);
    expect(JSON.stringify(hooks)).not.toContain(note);
  });

  it("an erased manager's rejection comment leaves the team member's audit event and webhook payload", async () => {
    const { admin, manager, ann, project } = await createTeamWorld();
    await registerEndpoint(admin, "review-comment", ["timesheet.rejected"]);
    await addEntry(ann, project.id, new Date("2026-01-12T09:00:00Z"), new Date("2026-01-12T12:00:00Z"));
    expect((await call("POST", "/timesheets/2026-W03/submit", { token: ann.token })).status).toBe(200);
    const comment = `written-by-manager-${unique()}`;
    const rejected = await call("POST", `/timesheets/${ann.id}/2026-W03/reject`, {
      token: manager.token,
      body: { comment },
    });
    expect(rejected.status).toBe(200);

    await erase(admin.token, manager.id);

    // The timesheet row itself says "(erased)"; the same text must not stay in the trail or the hook.
    const audit = await call("GET", `/audit?user_fk=${ann.id}`, { token: admin.token });
    expect(await audit.text()).not.toContain(comment);
    const [hook] = await seedSql("SELECT count(*)::int AS n FROM webhook_event WHERE data::text LIKE $1", [
      `%${comment}%`,
    ]);
    expect(hook?.n).toBe(0);
  });

  it("stored Idempotency-Key answers do not keep the erased person's notes", async () => {
    const admin = await createSuperuser();
    const ann = await createUser();
    const project = await createProject(admin);
    const note = `idem-note-${unique()}`;
    const res = await call("POST", "/timelog", {
      token: ann.token,
      headers: { "Idempotency-Key": `k-${unique()}` },
      body: {
        project_fk: project.id,
        start_time: "2026-03-02T09:00:00Z",
        end_time: "2026-03-02T10:00:00Z",
        note,
      },
    });
    expect(res.status).toBe(201);

    await erase(admin.token, ann.id);

    const [left] = await seedSql("SELECT count(*)::int AS n FROM idempotency_key WHERE response::text LIKE $1", [
      `%${note}%`,
    ]);
    expect(left?.n).toBe(0);
  });

  it("sign-in throttle rows do not keep the erased person's address", async () => {
    const admin = await createSuperuser();
    const ann = await createUser();
    const wrong = await call("POST", "/users/login", { body: { email: ann.email, password: "not the password" } });
    expect(wrong.status).toBe(401);

    await erase(admin.token, ann.id);

    const [left] = await seedSql("SELECT count(*)::int AS n FROM auth_attempt WHERE lower(account) = lower($1)", [
      ann.email,
    ]);
    expect(left?.n).toBe(0);
  });
});
