// A submitted or approved week keeps its expected and credited time (migration 0035): holiday days,
// calendar switches (a person's, the company's) and a type's counts_as_work that would change it
// are 409 period_locked. Every person here gets a calendar of their own unless a test says not,
// so the company-calendar test only touches its own people.
import { describe, expect, it } from "vitest";
import { holidayDays, importHolidays } from "../../scripts/holidays";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createSuperuser, createUser, seedSql, type TestUser, unique } from "../helpers/factories";

const calendar = async (days: [string, boolean][] = []) => {
  const [cal] = await seedSql("INSERT INTO holiday_calendar (name) VALUES ($1) RETURNING id", [`cw ${unique()}`]);
  for (const [day, half] of days) {
    await seedSql("INSERT INTO holiday (calendar_fk, day, name, half_day) VALUES ($1, $2, 'h', $3)", [
      cal?.id,
      day,
      half,
    ]);
  }
  return cal?.id as number;
};

/** Ann in UTC, 40 h a week, on `cal` (null: the company's), with week 2026-W45 approved. */
async function approvedWeek(admin: TestUser, cal: number | null) {
  const ann = await createUser();
  await seedSql("UPDATE app_user SET time_zone = 'UTC', weekly_hours = 40, holiday_calendar_fk = $2 WHERE id = $1", [
    ann.id,
    cal,
  ]);
  await seedSql(
    `INSERT INTO timesheet (user_fk, week, span, status, submitted_seconds, acted_by)
     VALUES ($1, '2026-11-02', tstzrange('2026-11-02 00:00Z', '2026-11-09 00:00Z'), 'approved', 0, $2)`,
    [ann.id, admin.id],
  );
  return ann;
}

const expected = async (admin: TestUser, ann: TestUser) => {
  const res = await call("GET", `/timesheets?user_fk=${ann.id}&from=2026-W45`, { token: admin.token });
  return ((await res.json()) as { items: { expected_seconds: number }[] }).items[0]?.expected_seconds;
};

describe("holiday days inside closed weeks", () => {
  it("adding, changing or removing a day inside an approved week is 409; outside it is fine", async () => {
    const admin = await createSuperuser();
    const cal = await calendar([["2026-11-05", false]]);
    const ann = await approvedWeek(admin, cal);
    expect(await expected(admin, ann)).toBe(32 * 3600);
    const path = (day: string) => `/holiday-calendars/${cal}/days/${day}`;
    let added: Response | undefined;
    expect(
      await countRoundTrips(async () => {
        added = await call("PUT", path("2026-11-04"), { token: admin.token, body: { name: "new" } });
      }),
    ).toBe(1);
    expect(await expectProblem(added as Response, 409)).toMatchObject({
      code: "period_locked",
      week: "2026-W45",
      user_fk: ann.id,
    });
    const halved = await call("PUT", path("2026-11-05"), { token: admin.token, body: { name: "h", half_day: true } });
    expect(await expectProblem(halved, 409)).toMatchObject({ code: "period_locked" });
    await expectProblem(await call("DELETE", path("2026-11-05"), { token: admin.token }), 409);
    expect(await expected(admin, ann)).toBe(32 * 3600);
    // The neighbouring weeks are open; an unchanged PUT (a re-run import) passes.
    expect((await call("PUT", path("2026-11-09"), { token: admin.token, body: { name: "x" } })).status).toBe(201);
    expect((await call("PUT", path("2026-11-05"), { token: admin.token, body: { name: "h" } })).status).toBe(200);
  });

  it("the company's calendar counts for people without their own; the import reports such days as locked", async () => {
    const admin = await createSuperuser();
    const cal = await calendar();
    const ann = await approvedWeek(admin, null);
    const before = await seedSql("SELECT holiday_calendar_fk FROM company_settings");
    await seedSql("UPDATE company_settings SET holiday_calendar_fk = $1", [cal]);
    try {
      const put = await call("PUT", `/holiday-calendars/${cal}/days/2026-11-03`, {
        token: admin.token,
        body: { name: "x" },
      });
      expect(await expectProblem(put, 409)).toMatchObject({ code: "period_locked", user_fk: ann.id });
      // Someone with a calendar of their own is not held up by it.
      const own = await calendar();
      await seedSql("UPDATE app_user SET holiday_calendar_fk = $2 WHERE id = $1", [ann.id, own]);
      const bob = await approvedWeek(admin, null);
      const token = (await (
        await call("POST", "/users/me/tokens", {
          token: admin.token,
          body: { name: `i-${unique()}`, scopes: ["admin", "timelog:read"] },
        })
      ).json()) as { token: string };
      const viaWorker = (url: string, init: RequestInit) =>
        call(init.method ?? "GET", new URL(url).pathname, {
          body: typeof init.body === "string" ? init.body : undefined,
          headers: Object.fromEntries(new Headers(init.headers).entries()),
        });
      const days = holidayDays("DE-BY", [2026]).filter((d) => d.date >= "2026-11-01" && d.date <= "2026-12-31");
      const done = await importHolidays(
        { base: "http://api.test", token: token.token, fetch: viaWorker },
        { calendar: cal, name: "x", region: "DE-BY" },
        [...days, { date: "2026-11-04", name: "Made up", half_day: false }],
      );
      expect(done.locked).toEqual(["2026-11-04"]);
      expect(done.created).toEqual(days.map((d) => d.date));
      await seedSql("DELETE FROM timesheet WHERE user_fk = $1", [bob.id]);
    } finally {
      await seedSql("UPDATE company_settings SET holiday_calendar_fk = $1", [before[0]?.holiday_calendar_fk]);
    }
  });
});

describe("races", () => {
  it("a holiday PUT racing a submit: the submitted week keeps the expected time it was submitted with", async () => {
    const admin = await createSuperuser();
    for (let i = 0; i < 4; i++) {
      const cal = await calendar();
      const ann = await createUser();
      await seedSql(
        "UPDATE app_user SET time_zone = 'UTC', weekly_hours = 40, holiday_calendar_fk = $2 WHERE id = $1",
        [ann.id, cal],
      );
      const [put, submit] = await Promise.all([
        call("PUT", `/holiday-calendars/${cal}/days/2026-11-04`, { token: admin.token, body: { name: "race" } }),
        call("POST", "/timesheets/2026-W45/submit", { token: ann.token }),
      ]);
      expect(submit.status).toBe(200);
      const submitted = ((await submit.json()) as { expected_seconds: number }).expected_seconds;
      // The holiday either got in first (the week was submitted with it) or was refused.
      expect([put.status, submitted]).toEqual(put.status === 201 ? [201, 32 * 3600] : [409, 40 * 3600]);
      expect(await expected(admin, ann)).toBe(submitted);
    }
  });
});

describe("switching calendars", () => {
  it("PATCH /users/{id}: 409 when the calendars differ inside a closed week, fine when they agree there", async () => {
    const admin = await createSuperuser();
    const [a, b, same] = [
      await calendar([["2026-11-04", false]]),
      await calendar(),
      await calendar([
        ["2026-11-04", false],
        ["2026-12-25", false],
      ]),
    ];
    const ann = await approvedWeek(admin, a);
    const patch = (cal: number | null) =>
      call("PATCH", `/users/${ann.id}`, { token: admin.token, body: { holiday_calendar_fk: cal } });
    expect(await expectProblem(await patch(b), 409)).toMatchObject({ code: "period_locked", week: "2026-W45" });
    expect(await expectProblem(await patch(null), 409)).toMatchObject({ code: "period_locked" });
    expect(await expected(admin, ann)).toBe(32 * 3600);
    expect((await patch(same)).status).toBe(200);
    // A new hire (registered now) may get any calendar: their account starts after the weeks.
    const bob = await createUser();
    await seedSql("UPDATE app_user SET registered_at = now(), holiday_calendar_fk = $2 WHERE id = $1", [bob.id, a]);
    const hired = await call("PATCH", `/users/${bob.id}`, { token: admin.token, body: { holiday_calendar_fk: b } });
    expect(hired.status).toBe(200);
  });

  it("PATCH /users/{id} and PATCH /settings: 409 when the calendars differ before the payroll lock", async () => {
    const admin = await createSuperuser();
    const [a, b] = [await calendar([["2026-01-06", false]]), await calendar()];
    const ann = await createUser();
    await seedSql("UPDATE app_user SET holiday_calendar_fk = $2 WHERE id = $1", [ann.id, a]);
    const lock = await call("PUT", "/settings/lock", {
      token: admin.token,
      body: { locked_before: "2026-02-01T00:00:00Z" },
    });
    expect(lock.status).toBe(200);
    try {
      const res = await call("PATCH", `/users/${ann.id}`, { token: admin.token, body: { holiday_calendar_fk: b } });
      expect(await expectProblem(res, 409)).toMatchObject({ code: "period_locked", date: "2026-01-06" });
      const before = await seedSql("SELECT holiday_calendar_fk FROM company_settings");
      const company = await call("PATCH", "/settings", { token: admin.token, body: { holiday_calendar_fk: a } });
      expect(await expectProblem(company, 409)).toMatchObject({ code: "period_locked" });
      expect(await seedSql("SELECT holiday_calendar_fk FROM company_settings")).toEqual(before);
    } finally {
      await seedSql("UPDATE company_settings SET locked_before = NULL");
    }
  });

  it("PATCH /settings: 409 when an approved week of someone on the company's calendar would change", async () => {
    const admin = await createSuperuser();
    const cal = await calendar([["2026-11-06", true]]);
    const ann = await approvedWeek(admin, null);
    const before = await seedSql("SELECT holiday_calendar_fk FROM company_settings");
    try {
      const res = await call("PATCH", "/settings", { token: admin.token, body: { holiday_calendar_fk: cal } });
      expect(await expectProblem(res, 409)).toMatchObject({ code: "period_locked", user_fk: ann.id });
      expect(await expected(admin, ann)).toBe(40 * 3600);
      // With ann on a calendar of her own, nobody's closed week changes.
      await seedSql("UPDATE app_user SET holiday_calendar_fk = $2 WHERE id = $1", [ann.id, await calendar()]);
      const ok = await call("PATCH", "/settings", { token: admin.token, body: { holiday_calendar_fk: cal } });
      expect(ok.status).toBe(200);
    } finally {
      await seedSql("UPDATE company_settings SET holiday_calendar_fk = $1", [before[0]?.holiday_calendar_fk]);
    }
  });
});

describe("counts_as_work", () => {
  it("PATCH /absence-types/{id} is 409 while an approved absence of the type lies in a closed week", async () => {
    const admin = await createSuperuser();
    const ann = await approvedWeek(admin, await calendar());
    const created = await call("POST", "/absence-types", {
      token: admin.token,
      body: { name: `t-${unique()}`, counts_as_work: true, needs_approval: false },
    });
    const type = (await created.json()) as { id: number };
    // Seeded as the absence routes would have before the week was approved.
    await seedSql("DELETE FROM timesheet WHERE user_fk = $1", [ann.id]);
    await seedSql(
      `INSERT INTO absence (user_fk, type_fk, first_day, last_day, status, requested_by)
       VALUES ($1, $2, '2026-11-03', '2026-11-03', 'approved', $1), ($1, $2, '2026-11-17', '2026-11-17', 'approved', $1)`,
      [ann.id, type.id],
    );
    await seedSql(
      `INSERT INTO timesheet (user_fk, week, span, status, submitted_seconds, acted_by)
       VALUES ($1, '2026-11-02', tstzrange('2026-11-02 00:00Z', '2026-11-09 00:00Z'), 'submitted', 0, NULL)`,
      [ann.id],
    );
    const credited = async () =>
      (
        (await (await call("GET", `/timesheets?user_fk=${ann.id}&from=2026-W45`, { token: admin.token })).json()) as {
          items: { credited_seconds: number }[];
        }
      ).items[0]?.credited_seconds;
    expect(await credited()).toBe(8 * 3600);
    const patch = (body: Record<string, unknown>) =>
      call("PATCH", `/absence-types/${type.id}`, { token: admin.token, body });
    const res = await patch({ counts_as_work: false });
    expect(await expectProblem(res, 409)).toMatchObject({ code: "period_locked", week: "2026-W45", user_fk: ann.id });
    expect(await credited()).toBe(8 * 3600);
    // Other fields may change; once the week is reopened the switch passes.
    expect((await patch({ paid: false })).status).toBe(200);
    await seedSql("DELETE FROM timesheet WHERE user_fk = $1", [ann.id]);
    expect((await patch({ counts_as_work: false })).status).toBe(200);
  });
});
