import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { addEntry, createTeamWorld, seedSql } from "../helpers/factories";

describe("erasing a manager", () => {
  it("removes the comments they wrote deciding others' weeks (a rejection keeps a placeholder); the trail verifies", async () => {
    const { admin, manager, ann, project } = await createTeamWorld();
    await addEntry(ann, project.id, new Date("2026-01-12T09:00:00Z"), new Date("2026-01-12T12:00:00Z"));
    expect((await call("POST", "/timesheets/2026-W03/submit", { token: ann.token })).status).toBe(200);
    const rejected = await call("POST", `/timesheets/${ann.id}/2026-W03/reject`, {
      token: manager.token,
      body: { comment: "Monday afternoon is missing" },
    });
    expect(rejected.status).toBe(200);

    expect((await call("POST", `/users/${manager.id}/erase`, { token: admin.token })).status).toBe(200);

    const [week] = await seedSql("SELECT status, comment, acted_by FROM timesheet WHERE user_fk = $1", [ann.id]);
    expect(week).toEqual({ status: "rejected", comment: "(erased)", acted_by: manager.id });
    // Ann's own records are hers: her chain is not redacted by her manager's erasure.
    const [annEvents] = await seedSql(
      "SELECT count(*)::int AS n FROM audit_event WHERE chain = $1 AND redacted_at IS NOT NULL",
      [ann.id],
    );
    expect(annEvents?.n).toBe(0);
    const res = await call("GET", "/audit/verify?from=start&limit=1000", { token: admin.token });
    expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
  });
});
