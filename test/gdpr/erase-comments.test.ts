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
    // Ann's own records are hers: only the event her manager's decision wrote (acted_by, holding
    // the comment) is redacted; her time log and her submission stay readable.
    const annEvents = await seedSql(
      "SELECT kind, redacted_at IS NOT NULL AS redacted FROM audit_event WHERE chain = $1 ORDER BY id",
      [ann.id],
    );
    expect(annEvents.filter((e) => e.redacted).map((e) => e.kind)).toEqual(["timesheet.rejected"]);
    expect(annEvents.filter((e) => !e.redacted).map((e) => e.kind)).toEqual(
      expect.arrayContaining(["timelog.created", "timesheet.submitted"]),
    );
    const res = await call("GET", "/audit/verify?from=start&limit=1000", { token: admin.token });
    expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
  });
});
