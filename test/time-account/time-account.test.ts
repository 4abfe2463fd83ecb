import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import {
  addEntry,
  clockIn,
  createProject,
  createSuperuser,
  createTeamWorld,
  createUser,
  seedSql,
  type TestUser,
  unique,
} from "../helpers/factories";

interface Amounts {
  expected: number;
  worked: number;
  break_deducted: number;
  credited: number;
  adjustments: number;
  balance: number;
}
interface Account {
  user_fk: number;
  from: string;
  to: string;
  days: (Amounts & { date: string })[];
  totals: Amounts;
  opening_balance: number;
  closing_balance: number;
}
const H = 3600;

async function account(who: TestUser, userId: number, from: string, to: string) {
  const res = await call("GET", `/users/${userId}/time-account?from=${from}&to=${to}`, { token: who.token });
  if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as Account;
}
const byDate = (a: Account) => Object.fromEntries(a.days.map(({ date, ...rest }) => [date, rest]));
const adjust = (who: TestUser, userId: number, body: unknown, headers?: Record<string, string>) =>
  call("POST", `/users/${userId}/time-account/adjustments`, { token: who.token, body, headers });

/** A person in Europe/Berlin whose account starts on `since` (their registration date). */
async function berliner(since: string) {
  const user = await createUser();
  await seedSql("UPDATE app_user SET time_zone = 'Europe/Berlin', registered_at = $2 WHERE id = $1", [user.id, since]);
  return user;
}

describe("the working-time account", () => {
  it("Berlin's Christmas week with two vacation days balances to zero in the account and the timesheet", async () => {
    const admin = await createSuperuser();
    const project = await createProject(admin);
    const ann = await berliner("2025-12-01T00:00:00+01:00");
    const [calendar] = await seedSql("INSERT INTO holiday_calendar (name) VALUES ($1) RETURNING id", [
      `DE-BE ${unique()}`,
    ]);
    await seedSql(
      `INSERT INTO holiday (calendar_fk, day, name, half_day) VALUES
         ($1, '2025-12-24', 'Heiligabend', true), ($1, '2025-12-25', '1. Weihnachtstag', false),
         ($1, '2025-12-26', '2. Weihnachtstag', false), ($1, '2025-12-31', 'Silvester', true),
         ($1, '2026-01-01', 'Neujahr', false)`,
      [calendar?.id],
    );
    await seedSql("UPDATE company_settings SET holiday_calendar_fk = $1", [calendar?.id]);
    try {
      // Vacation (type 1) on Monday and Tuesday, approved; 4 h of work on the half-day 24th.
      await seedSql(
        `INSERT INTO absence (user_fk, type_fk, first_day, last_day, status, requested_by)
         VALUES ($1, 1, '2025-12-22', '2025-12-23', 'approved', $1)`,
        [ann.id],
      );
      await addEntry(ann, project.id, new Date("2025-12-24T08:00:00Z"), new Date("2025-12-24T12:00:00Z"));

      const week = await account(ann, ann.id, "2025-12-22", "2025-12-28");
      const days = byDate(week);
      expect(days["2025-12-22"]).toEqual({
        expected: 8 * H,
        worked: 0,
        break_deducted: 0,
        credited: 8 * H,
        adjustments: 0,
        balance: 0,
      });
      expect(days["2025-12-24"]).toEqual({
        expected: 4 * H,
        worked: 4 * H,
        break_deducted: 0,
        credited: 0,
        adjustments: 0,
        balance: 0,
      });
      expect(days["2025-12-25"]?.expected).toBe(0);
      expect(days["2025-12-27"]?.expected).toBe(0);
      expect(week.totals).toEqual({
        expected: 20 * H,
        worked: 4 * H,
        break_deducted: 0,
        credited: 16 * H,
        adjustments: 0,
        balance: 0,
      });

      const res = await call("GET", `/timesheets/?user_fk=${ann.id}&from=2025-W52&to=2026-W01`, { token: ann.token });
      const [christmas, newYear] = ((await res.json()) as { items: Record<string, number>[] }).items;
      expect(christmas).toMatchObject({
        worked_seconds: 4 * H,
        expected_seconds: 20 * H,
        credited_seconds: 16 * H,
        balance_seconds: 0,
      });
      // Mon 29, Tue 30, half the 31st, Fri 2nd: New Year's Day is a holiday.
      expect(newYear).toMatchObject({ expected_seconds: 28 * H, credited_seconds: 0, balance_seconds: -28 * H });
      // A morning off on the 29th credits half its 8 h; a full day off on the half-day 31st credits
      // the 4 h expected of it, not 8.
      await seedSql(
        `INSERT INTO absence (user_fk, type_fk, first_day, last_day, half_day, status, requested_by)
         VALUES ($1, 1, '2025-12-29', '2025-12-29', 'am', 'approved', $1),
                ($1, 3, '2025-12-30', '2025-12-30', NULL, 'approved', $1),
                ($1, 1, '2025-12-31', '2025-12-31', NULL, 'approved', $1),
                ($1, 1, '2026-01-02', '2026-01-02', NULL, 'requested', $1)`,
        [ann.id],
      );
      const after = byDate(await account(ann, ann.id, "2025-12-29", "2026-01-04"));
      expect(after["2025-12-29"]).toMatchObject({ expected: 8 * H, credited: 4 * H });
      expect(after["2025-12-30"]).toMatchObject({ expected: 8 * H, credited: 0 }); // unpaid leave does not count
      expect(after["2025-12-31"]).toMatchObject({ expected: 4 * H, credited: 4 * H, balance: 0 });
      expect(after["2026-01-02"]).toMatchObject({ expected: 8 * H, credited: 0 }); // only approved absences credit
      // timesheet_json (a write's answer) counts the same: submitting the week answers balance 0.
      const submitted = await call("POST", "/timesheets/2025-W52/submit", { token: ann.token });
      expect(await submitted.json()).toMatchObject({
        expected_seconds: 20 * H,
        credited_seconds: 16 * H,
        balance_seconds: 0,
      });
    } finally {
      // Her submitted week keeps its calendar (switching it is 409, migration 0035): she takes the
      // same calendar as her own before the company's default is cleared for the other tests.
      await seedSql("UPDATE app_user SET holiday_calendar_fk = $2 WHERE id = $1", [ann.id, calendar?.id]);
      await seedSql("UPDATE company_settings SET holiday_calendar_fk = NULL");
    }
  });

  it("a DST day counts worked time in real seconds and expected time from the schedule", async () => {
    const admin = await createSuperuser();
    const project = await createProject(admin);
    const ann = await berliner("2026-03-01T00:00:00+01:00");
    const schedule = await call("POST", "/work-schedules", {
      token: admin.token,
      body: { user_fk: ann.id, effective_from: "2026-03-23", hours: [8, 8, 8, 8, 8, 0, 4] },
    });
    expect(schedule.status).toBe(201);
    // Saturday 22:00 CET to Sunday 04:00 CEST: five real hours, two on Saturday and three on Sunday
    // (2026-03-29 has 23 hours in Berlin).
    await addEntry(ann, project.id, new Date("2026-03-28T21:00:00Z"), new Date("2026-03-29T02:00:00Z"));
    const days = byDate(await account(ann, ann.id, "2026-03-28", "2026-03-29"));
    expect(days["2026-03-28"]).toMatchObject({ expected: 0, worked: 2 * H, balance: 2 * H });
    expect(days["2026-03-29"]).toMatchObject({ expected: 4 * H, worked: 3 * H, balance: -1 * H });
  });

  it("opening and closing balances carry every earlier day and adjustment", async () => {
    const admin = await createSuperuser();
    const project = await createProject(admin);
    const ann = await createUser();
    await seedSql("UPDATE app_user SET time_zone = 'UTC', registered_at = '2026-03-02T12:00:00Z' WHERE id = $1", [
      ann.id,
    ]);
    await addEntry(ann, project.id, new Date("2026-03-02T07:00:00Z"), new Date("2026-03-02T17:00:00Z"));
    await addEntry(ann, project.id, new Date("2026-03-03T09:00:00Z"), new Date("2026-03-03T17:00:00Z"));

    // An opening balance carried in before the account starts, and overtime paid out later.
    let trips = 0;
    let opening: Response | undefined;
    trips = await countRoundTrips(async () => {
      opening = await adjust(admin, ann.id, {
        date: "2026-02-15",
        hours: 5,
        reason: "carried over from the old system",
      });
    });
    expect(trips).toBe(1);
    expect(opening?.status).toBe(201);
    const body = (await opening?.json()) as { id: number; seconds: number; date: string; created_by: number };
    expect(body).toMatchObject({ user_fk: ann.id, date: "2026-02-15", seconds: 5 * H, created_by: admin.id });
    expect(opening?.headers.get("location")).toBe(`/users/${ann.id}/time-account/adjustments/${body.id}`);
    expect((await adjust(admin, ann.id, { date: "2026-03-04", hours: -2, reason: "paid out" })).status).toBe(201);

    const march = await account(ann, ann.id, "2026-03-04", "2026-03-06");
    // 10 h worked against 8 on Monday, 8 against 8 on Tuesday, plus the 5 h carried in.
    expect(march.opening_balance).toBe(7 * H);
    expect(byDate(march)["2026-03-04"]).toEqual({
      expected: 8 * H,
      worked: 0,
      break_deducted: 0,
      credited: 0,
      adjustments: -2 * H,
      balance: -10 * H,
    });
    expect(march.totals.balance).toBe(-26 * H);
    expect(march.closing_balance).toBe(7 * H - 26 * H);
    // From the start: only the adjustment before it; days before the start expect nothing.
    const fromStart = await account(ann, ann.id, "2026-02-27", "2026-03-03");
    expect(fromStart.opening_balance).toBe(5 * H);
    expect(byDate(fromStart)["2026-02-27"]?.expected).toBe(0);
    expect(fromStart.closing_balance).toBe(7 * H);

    const list = await call("GET", `/users/${ann.id}/time-account/adjustments`, { token: ann.token });
    const items = ((await list.json()) as { items: { seconds: number }[] }).items;
    expect(items.map((a) => a.seconds)).toEqual([5 * H, -2 * H]);
    const audit = await seedSql(
      "SELECT kind, chain, actor_fk FROM audit_event WHERE entity = 'time_adjustment' AND entity_id = $1",
      [String(body.id)],
    );
    expect(audit).toEqual([{ kind: "time_account.adjusted", chain: ann.id, actor_fk: admin.id }]);
  });

  it("a running timer counts to now", async () => {
    const admin = await createSuperuser();
    const project = await createProject(admin);
    const ann = await createUser();
    await seedSql("UPDATE app_user SET time_zone = 'UTC' WHERE id = $1", [ann.id]);
    const started = await clockIn(ann, project.id);
    expect(started.status).toBe(201);
    // Started half an hour ago (the API starts a timer now).
    const { id } = (await started.json()) as { id: number };
    await seedSql("UPDATE timelog SET start_time = now() - interval '30 minutes' WHERE id = $1", [id]);
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const { totals } = await account(ann, ann.id, yesterday, today);
    expect(totals.worked).toBeGreaterThanOrEqual(30 * 60 - 2);
    expect(totals.worked).toBeLessThan(40 * 60);
  });

  it("an adjustment before the company lock is refused: payroll is closed", async () => {
    const admin = await createSuperuser();
    const ann = await createUser();
    await seedSql("UPDATE company_settings SET locked_before = '2026-06-01T00:00:00Z'");
    try {
      const res = await adjust(admin, ann.id, { date: "2026-05-31", hours: 3, reason: "late correction" });
      expect(await expectProblem(res, 409)).toMatchObject({
        code: "period_locked",
        locked_before: "2026-06-01T00:00:00.000Z",
      });
      expect((await adjust(admin, ann.id, { date: "2026-06-01", hours: 3, reason: "June" })).status).toBe(201);
    } finally {
      await seedSql("UPDATE company_settings SET locked_before = NULL");
    }
  });

  it("adjustments: superusers only, not zero, at most 10,000 hours, replay-safe", async () => {
    const admin = await createSuperuser();
    const ann = await createUser();
    const stranger = await createUser();
    const ok = { date: "2026-03-04", hours: 1.5, reason: "correction" };
    expect((await expectProblem(await adjust(ann, ann.id, ok), 403)).code).toBe("superuser_required");
    for (const hours of [0, 0.0001, 10_000.01, -10_001]) {
      expect((await expectProblem(await adjust(admin, ann.id, { ...ok, hours }), 422)).code).toBe("validation_failed");
    }
    await expectProblem(await adjust(admin, ann.id, { ...ok, reason: " " }), 422);
    await expectProblem(await adjust(admin, ann.id, { ...ok, date: "10000-01-01" }), 422);
    expect((await expectProblem(await adjust(admin, 2 ** 31 - 1, ok), 404)).code).toBe("not_found");
    const headers = { "idempotency-key": `k-${unique()}` };
    const first = await adjust(admin, ann.id, { ...ok, hours: -10_000 }, headers);
    expect(first.status).toBe(201);
    expect((await adjust(admin, ann.id, { ...ok, hours: -10_000 }, headers)).headers.get("idempotent-replayed")).toBe(
      "true",
    );
    expect(await seedSql("SELECT sum(seconds)::int AS s FROM time_adjustment WHERE user_fk = $1", [ann.id])).toEqual([
      { s: -36_000_000 },
    ]);
    const res = await call("GET", `/users/${ann.id}/time-account/adjustments`, { token: stranger.token });
    expect((await expectProblem(res, 403)).code).toBe("not_manager");
  });

  it("is the person's, their managers' and superusers' to read, over at most 366 days, in one round trip", async () => {
    const { admin, manager, ann, bob, stranger } = await createTeamWorld();
    for (const who of [ann, manager, admin]) {
      expect((await account(who, ann.id, "2026-01-01", "2026-12-31")).days).toHaveLength(365);
    }
    expect((await account(ann, ann.id, "2024-01-01", "2024-12-31")).days).toHaveLength(366);
    for (const who of [bob, stranger]) {
      const res = await call("GET", `/users/${ann.id}/time-account?from=2026-01-01&to=2026-01-31`, {
        token: who.token,
      });
      expect((await expectProblem(res, 403)).code).toBe("not_manager");
    }
    const missing = await call("GET", `/users/${2 ** 31 - 1}/time-account?from=2026-01-01&to=2026-01-31`, {
      token: admin.token,
    });
    await expectProblem(missing, 404);
    const tooLong = await call("GET", `/users/${ann.id}/time-account?from=2026-01-01&to=2027-01-02`, {
      token: ann.token,
    });
    expect((await expectProblem(tooLong, 422)).code).toBe("range_too_long");
    const backwards = await call("GET", `/users/${ann.id}/time-account?from=2026-02-01&to=2026-01-31`, {
      token: ann.token,
    });
    expect((await expectProblem(backwards, 422)).code).toBe("invalid_range");
    const farAhead = await call("GET", `/users/${ann.id}/time-account?from=9998-01-01&to=9998-12-31`, {
      token: ann.token,
    });
    expect((await expectProblem(farAhead, 422)).code).toBe("range_too_long");
    for (const qs of ["from=2026-01-01", "from=1969-12-31&to=1970-01-02", "from=2026-02-30&to=2026-03-01"]) {
      await expectProblem(await call("GET", `/users/${ann.id}/time-account?${qs}`, { token: ann.token }), 422);
    }
    expect(await countRoundTrips(() => account(manager, ann.id, "2026-01-01", "2026-12-31"))).toBe(1);
  });
});
