// Limits the database holds every time log to: an earliest start and a longest single entry,
// both configurable by superusers through /settings.
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../helpers/api";
import { clockIn, createProject, createSuperuser, createUser, seedSql } from "../helpers/factories";

const entry = (start: string, end: string) => ({ start_time: start, end_time: end });

async function countLogs(userId: number) {
  const [row] = await seedSql("SELECT count(*)::int AS n FROM timelog WHERE user_fk = $1", [userId]);
  return row?.n as number;
}

describe("time log limits", () => {
  it("nothing before 2000-01-01: year 1, year 0 (1 BC) and 1999 are refused and nothing is written", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    for (const [start, end] of [
      ["0001-01-01T00:00:00Z", "1901-12-31T00:00:00Z"],
      ["0001-01-01T09:00:00Z", "0001-01-01T10:00:00Z"],
      ["0000-12-31T09:00:00Z", "0000-12-31T10:00:00Z"],
      ["1999-12-31T23:00:00Z", "2000-01-01T01:00:00Z"],
    ] as const) {
      const res = await clockIn(alice, p.id, entry(start, end));
      await expectProblem(res, 422);
    }
    expect(await countLogs(alice.id)).toBe(0);
    expect((await clockIn(alice, p.id, entry("2000-01-01T00:00:00Z", "2000-01-01T01:00:00Z"))).status).toBe(201);
  });

  it("an entry is at most 7 days; a timer forgotten longer must be closed with an end_time", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    const tooLong = await clockIn(alice, p.id, entry("2026-01-01T00:00:00Z", "2026-01-08T00:00:01Z"));
    const body = await expectProblem(tooLong, 422);
    expect(body.code).toBe("entry_too_long");
    expect(body.max_seconds).toBe(7 * 86_400);
    expect((await clockIn(alice, p.id, entry("2026-01-01T00:00:00Z", "2026-01-08T00:00:00Z"))).status).toBe(201);
    // A timer started eight days ago cannot be closed at now, only at a time within the limit. No
    // write may start one that long ago, so it is forgotten the way it happens: started within the
    // limit (here while the limit was longer), then left running past it.
    await seedSql("UPDATE company_settings SET timelog_max_seconds = 2678400");
    await seedSql("INSERT INTO timelog (user_fk, project_fk, start_time) VALUES ($1, $2, now() - interval '8 days')", [
      alice.id,
      p.id,
    ]);
    await seedSql("UPDATE company_settings SET timelog_max_seconds = 604800");
    const closeNow = await call("POST", "/timelog/close", { token: alice.token });
    expect((await expectProblem(closeNow, 422)).code).toBe("entry_too_long");
    const [open] = await seedSql("SELECT start_time FROM timelog WHERE user_fk = $1 AND end_time IS NULL", [alice.id]);
    const end = new Date(new Date(open?.start_time as string).getTime() + 8 * 3_600_000).toISOString();
    expect((await call("POST", "/timelog/close", { token: alice.token, body: { end_time: end } })).status).toBe(200);
  });

  it("superusers change the limits in /settings; others read them and get 403 for writes", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    const read = await call("GET", "/settings", { token: alice.token });
    expect(await read.json()).toEqual({
      timelog_earliest: "2000-01-01T00:00:00.000Z",
      timelog_max_seconds: 604_800,
      default_time_zone: "UTC",
      locked_before: null,
      currency: "EUR",
      holiday_calendar_fk: null,
      break_rules: [],
      max_daily_hours: null,
      min_rest_hours: null,
      break_deduction: "none",
      registration: "open",
      require_2fa: false,
      reminder_timer_hours: 10,
      reminder_submit_time: "12:00",
      offline_window_hours: 24,
    });
    await expectProblem(
      await call("PATCH", "/settings", { token: alice.token, body: { timelog_max_seconds: 3600 } }),
      403,
    );
    await expectProblem(
      await call("PATCH", "/settings", { token: admin.token, body: { timelog_max_seconds: 10 } }),
      422,
    );
    const changed = await call("PATCH", "/settings", {
      token: admin.token,
      body: { timelog_earliest: "2020-01-01T00:00:00Z", timelog_max_seconds: 3600 },
    });
    expect(await changed.json()).toMatchObject({
      timelog_earliest: "2020-01-01T00:00:00.000Z",
      timelog_max_seconds: 3600,
    });
    await expectProblem(await clockIn(alice, p.id, entry("2019-06-01T09:00:00Z", "2019-06-01T09:30:00Z")), 422);
    await expectProblem(await clockIn(alice, p.id, entry("2026-02-01T09:00:00Z", "2026-02-01T10:00:01Z")), 422);
    expect((await clockIn(alice, p.id, entry("2026-02-01T09:00:00Z", "2026-02-01T10:00:00Z"))).status).toBe(201);
    await call("PATCH", "/settings", {
      token: admin.token,
      body: { timelog_earliest: "2000-01-01T00:00:00Z", timelog_max_seconds: 604_800 },
    });
  });
});
