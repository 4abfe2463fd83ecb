import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createProject, createSuperuser, createUser, seedRowsWithoutTriggers, seedSql } from "../helpers/factories";

interface Export {
  profile: { id: number; email: string; username: string; erased: boolean };
  time_logs: { id: number; note: string | null }[];
  absences: { id: number; note: string | null }[];
  api_tokens: Record<string, unknown>[];
  sessions: Record<string, unknown>[];
  audit_events: { kind: string; actor_fk: number | null }[];
  notification_settings: Record<string, boolean>;
  emails: unknown[];
}

describe("GET /users/{id}/export", () => {
  it("gives the person their data in one round trip: logs, absences, tokens' metadata, never a token's hash", async () => {
    const admin = await createSuperuser();
    const ann = await createUser();
    const project = await createProject(admin);
    const log = await call("POST", "/timelog", {
      token: ann.token,
      body: {
        project_fk: project.id,
        start_time: "2026-01-05T09:00:00Z",
        end_time: "2026-01-05T10:00:00Z",
        note: "dentist",
      },
    });
    expect(log.status).toBe(201);
    const absence = await call("POST", "/absences", {
      token: ann.token,
      body: { type_fk: 1, from: "2027-03-01", to: "2027-03-02", note: "family trip" },
    });
    expect(absence.status).toBe(201);
    const tokenRes = await call("POST", "/users/me/tokens", {
      token: ann.token,
      body: { name: "laptop script", scopes: ["timelog:read"] },
    });
    expect(tokenRes.status).toBe(201);
    const { token: secret } = (await tokenRes.json()) as { token: string };

    let res: Response | undefined;
    expect(
      await countRoundTrips(async () => {
        res = await call("GET", `/users/${ann.id}/export`, { token: ann.token });
      }),
    ).toBe(1);
    expect(res?.status).toBe(200);
    const text = await (res as Response).text();
    const doc = JSON.parse(text) as Export;
    expect(doc.profile).toMatchObject({ id: ann.id, email: ann.email, username: ann.username, erased: false });
    expect(doc.time_logs.map((l) => l.note)).toEqual(["dentist"]);
    expect(doc.absences.map((a) => a.note)).toEqual(["family trip"]);
    expect(doc.api_tokens).toHaveLength(1);
    expect(doc.api_tokens[0]).toMatchObject({ name: "laptop script", scopes: ["timelog:read"] });
    expect(doc.sessions.length).toBeGreaterThan(0);
    expect(doc.audit_events.map((e) => e.kind)).toContain("timelog.created");
    expect(doc.notification_settings).toEqual({
      timer_forgotten: true,
      timesheet_overdue: true,
      absence_pending: true,
    });
    // No credential of any kind: the raw token, its stored hash, a session id.
    const [stored] = await seedSql("SELECT token_hash FROM api_token WHERE user_fk = $1", [ann.id]);
    const [session] = await seedSql("SELECT id::text FROM session WHERE user_fk = $1 LIMIT 1", [ann.id]);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(String(stored?.token_hash));
    expect(text).not.toContain(String(session?.id));
    expect(text).not.toContain("token_hash");
    expect(text).not.toContain("password");
    // Exporting oneself is not audited as an export.
    expect(doc.audit_events.map((e) => e.kind)).not.toContain("user.exported");
  });

  it("a superuser may export anyone (audited as user.exported); anyone else's export is 404", async () => {
    const admin = await createSuperuser();
    const [ann, bob] = await Promise.all([createUser(), createUser()]);
    await expectProblem(await call("GET", `/users/${ann.id}/export`, { token: bob.token }), 404);
    await expectProblem(await call("GET", "/users/999999/export", { token: admin.token }), 404);
    const res = await call("GET", `/users/${ann.id}/export`, { token: admin.token });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Export).profile.email).toBe(ann.email);
    const events = await seedSql("SELECT actor_fk, kind FROM audit_event WHERE chain = $1 AND kind = 'user.exported'", [
      ann.id,
    ]);
    expect(events).toEqual([{ actor_fk: admin.id, kind: "user.exported" }]);
    // Bob's refused attempt appended nothing.
    expect(await seedSql("SELECT 1 FROM audit_event WHERE actor_fk = $1", [bob.id])).toEqual([]);
  });

  it("a history of hundreds of logs is still one statement and complete", async () => {
    const admin = await createSuperuser();
    const ann = await createUser();
    const project = await createProject(admin);
    await seedRowsWithoutTriggers(
      "timelog",
      `INSERT INTO timelog (user_fk, project_fk, start_time, end_time, note)
       SELECT $1, $2, '2025-01-01T08:00Z'::timestamptz + g * interval '1 day', '2025-01-01T09:00Z'::timestamptz + g * interval '1 day', 'n' || g
       FROM generate_series(1, 400) g`,
      [ann.id, project.id],
    );
    let res: Response | undefined;
    expect(
      await countRoundTrips(async () => {
        res = await call("GET", `/users/${ann.id}/export`, { token: ann.token });
      }),
    ).toBe(1);
    const doc = (await (res as Response).json()) as Export;
    expect(doc.time_logs).toHaveLength(400);
    expect(doc.time_logs[399]?.note).toBe("n400");
  });
});
