// Absences are time like logs: a submitted or approved week, or the company's payroll lock, locks
// them — no new absence in it, no decision, no cancel, no edit.
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../helpers/api";
import { createTeamWorld, seedSql, type TestUser } from "../helpers/factories";
import { act, request, requested, SICK } from "./helpers";

const week = (who: TestUser, path: string) => call("POST", `/timesheets/${path}`, { token: who.token, body: {} });

describe("locked absences", () => {
  it("an approved week refuses a new absence, a cancel and an edit in it", async () => {
    const { admin, manager, ann } = await createTeamWorld();
    // 2026-W48 is Mon 23 – Sun 29 November, in the past.
    const sick = await requested(ann, { type_fk: SICK, from: "2026-11-24", to: "2026-11-24" });
    const vacation = await requested(ann, { from: "2026-11-26", to: "2026-11-27" });
    // Straddling the week's end: its first days are locked too.
    const straddling = await requested(ann, { from: "2026-11-29", to: "2026-12-01" });
    // Requests in the week are decided first (absence_pending: see pending.test.ts).
    expect((await expectProblem(await week(ann, "2026-W48/submit"), 409)).code).toBe("absence_pending");
    expect((await act(manager, vacation.id, "approve")).status).toBe(200);
    expect((await act(manager, straddling.id, "approve")).status).toBe(200);
    expect((await week(ann, "2026-W48/submit")).status).toBe(200);
    expect((await week(manager, `${ann.id}/2026-W48/approve`)).status).toBe(200);

    const inside = await request(ann, { from: "2026-11-25", to: "2026-11-25" });
    expect(await expectProblem(inside, 409)).toMatchObject({ code: "period_locked", week: "2026-W48" });
    for (const who of [ann, manager, admin]) {
      expect((await expectProblem(await act(who, sick.id, "cancel"), 409)).code).toBe("period_locked");
    }
    expect((await expectProblem(await act(ann, straddling.id, "cancel"), 409)).code).toBe("period_locked");
    // Moving an open absence into the locked week is refused.
    const later = await requested(ann, { from: "2026-12-14", to: "2026-12-14" });
    const moved = await call("PATCH", `/absences/${later.id}`, {
      token: ann.token,
      body: { from: "2026-11-23", to: "2026-11-23" },
    });
    expect((await expectProblem(moved, 409)).code).toBe("period_locked");

    // Reopened, the week's absences can be cancelled again.
    expect((await week(admin, `${ann.id}/2026-W48/reopen`)).status).toBe(422); // reopen needs a comment
    const reopened = await call("POST", `/timesheets/${ann.id}/2026-W48/reopen`, {
      token: admin.token,
      body: { comment: "fix absences" },
    });
    expect(reopened.status).toBe(200);
    expect(await (await act(ann, vacation.id, "cancel")).json()).toMatchObject({ status: "cancelled" });
  });

  it("the company's payroll lock refuses absences before it", async () => {
    const { admin, manager, ann, bob } = await createTeamWorld();
    const before = await requested(ann, { type_fk: SICK, from: "2026-10-05", to: "2026-10-06" });
    const asked = await requested(ann, { from: "2026-10-07", to: "2026-10-07" });
    const lock = await call("PUT", "/settings/lock", {
      token: admin.token,
      body: { locked_before: "2026-11-01T00:00:00Z" },
    });
    expect(lock.status).toBe(200);
    const res = await request(ann, { type_fk: SICK, from: "2026-10-12", to: "2026-10-12" });
    expect(await expectProblem(res, 409)).toMatchObject({
      code: "period_locked",
      locked_before: "2026-11-01T00:00:00.000Z",
    });
    expect((await expectProblem(await act(ann, before.id, "cancel"), 409)).code).toBe("period_locked");
    // A request before the lock can no longer be decided either.
    expect((await expectProblem(await act(manager, asked.id, "approve"), 409)).code).toBe("period_locked");
    const reject = await act(manager, asked.id, "reject", { comment: "payroll is closed" });
    expect((await expectProblem(reject, 409)).code).toBe("period_locked");
    expect((await requested(ann, { type_fk: SICK, from: "2026-11-01", to: "2026-11-01" })).status).toBe("approved");
    // A date is the person's: 1 November in Auckland (UTC+13) begins on 31 October UTC, before the lock.
    await seedSql("UPDATE app_user SET time_zone = 'Pacific/Auckland' WHERE id = $1", [bob.id]);
    const kiwi = await request(bob, { type_fk: SICK, from: "2026-11-01", to: "2026-11-01" });
    expect((await expectProblem(kiwi, 409)).code).toBe("period_locked");
    expect((await requested(bob, { type_fk: SICK, from: "2026-11-02", to: "2026-11-02" })).status).toBe("approved");
    await call("PUT", "/settings/lock", { token: admin.token, body: { locked_before: null } });
  });
});
