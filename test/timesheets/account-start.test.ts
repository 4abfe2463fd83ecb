// Nothing is expected or credited before a person's account starts (their registration date, or
// their first log's if earlier): the timesheet (one week and the list) and the account agree on
// the registration week (migration 0035).
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../helpers/api";
import { addEntry, createProject, createSuperuser, createUser, seedSql } from "../helpers/factories";

const H = 3600;

describe("the registration week", () => {
  it("a person who joins on a Wednesday owes Wednesday to Friday in the timesheet, its list and the account", async () => {
    const admin = await createSuperuser();
    const ann = await createUser();
    await seedSql(
      "UPDATE app_user SET time_zone = 'UTC', weekly_hours = 40, registered_at = '2026-11-04T12:00:00Z' WHERE id = $1",
      [ann.id],
    );
    // A sick day on the Monday before she joined credits nothing; the Thursday one credits 8 h.
    await seedSql(
      `INSERT INTO absence (user_fk, type_fk, first_day, last_day, status, requested_by)
       VALUES ($1, 2, '2026-11-02', '2026-11-02', 'approved', $1), ($1, 2, '2026-11-05', '2026-11-05', 'approved', $1)`,
      [ann.id],
    );
    const list = await call("GET", `/timesheets?user_fk=${ann.id}&from=2026-W45&to=2026-W46`, { token: admin.token });
    const items = (
      (await list.json()) as { items: { week: string; expected_seconds: number; credited_seconds: number }[] }
    ).items;
    expect(items.map((i) => [i.week, i.expected_seconds, i.credited_seconds])).toEqual([
      ["2026-W45", 24 * H, 8 * H],
      ["2026-W46", 40 * H, 0],
    ]);
    const submitted = await call("POST", "/timesheets/2026-W45/submit", { token: ann.token });
    expect(submitted.status).toBe(200);
    expect(await submitted.json()).toMatchObject({
      expected_seconds: 24 * H,
      credited_seconds: 8 * H,
      balance_seconds: -16 * H,
    });
    const account = await call("GET", `/users/${ann.id}/time-account?from=2026-11-02&to=2026-11-08`, {
      token: admin.token,
    });
    expect(await account.json()).toMatchObject({ totals: { expected: 24 * H, credited: 8 * H } });
  });

  it("a log before registration that would move the start of a submitted week's account is 409", async () => {
    const admin = await createSuperuser();
    const project = await createProject(admin);
    const joins = async () => {
      const user = await createUser();
      await seedSql(
        "UPDATE app_user SET time_zone = 'UTC', weekly_hours = 40, registered_at = '2026-11-04T12:00:00Z' WHERE id = $1",
        [user.id],
      );
      return user;
    };
    const expected = async (id: number) =>
      (
        (await (await call("GET", `/timesheets?user_fk=${id}&from=2026-W45`, { token: admin.token })).json()) as {
          items: { expected_seconds: number }[];
        }
      ).items[0]?.expected_seconds;
    // Ann: a morning log on her first day keeps the start; once W45 is submitted, a log in W44 would
    // make Monday and Tuesday expected.
    const ann = await joins();
    await addEntry(ann, project.id, new Date("2026-11-04T08:00:00Z"), new Date("2026-11-04T10:00:00Z"));
    expect((await call("POST", "/timesheets/2026-W45/submit", { token: ann.token })).status).toBe(200);
    const early = await call("POST", "/timelog", {
      token: ann.token,
      body: { project_fk: project.id, start_time: "2026-10-30T08:00:00Z", end_time: "2026-10-30T10:00:00Z" },
    });
    expect(await expectProblem(early, 409)).toMatchObject({ code: "period_locked", week: "2026-W45" });
    expect(await expected(ann.id)).toBe(24 * H);
    // Bob logged a day in W44 before submitting W45 (all five days expected): deleting it is 409.
    const bob = await joins();
    const log = await addEntry(bob, project.id, new Date("2026-10-30T08:00:00Z"), new Date("2026-10-30T10:00:00Z"));
    expect((await call("POST", "/timesheets/2026-W45/submit", { token: bob.token })).status).toBe(200);
    expect(await expected(bob.id)).toBe(40 * H);
    await expectProblem(await call("DELETE", `/timelog/${log.id}`, { token: bob.token }), 409);
    expect(await expected(bob.id)).toBe(40 * H);
  });
});
