// GET /reports/compliance: the break rules at their edges (6 h 00 m vs 6 h 01 m), breaks taken
// between logs, the daily maximum, rest across midnight in a person's zone, who may ask.
import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createTeam, createUser, putMember, seedSql } from "../helpers/factories";
import { report, rules, work, workDays } from "./world";

describe("GET /reports/compliance", () => {
  it("exactly 6 h 00 m without a break needs none; 6 h 01 m is break_short 30/0, in one round trip", async () => {
    await rules({});
    const ann = await createUser();
    await work(ann, "2026-03-02T08:00:00Z", 360);
    await work(ann, "2026-03-03T08:00:00Z", 361);
    let body: Awaited<ReturnType<typeof report>> | undefined;
    const trips = await countRoundTrips(async () => {
      body = await report(ann, "from=2026-03-02&to=2026-03-03");
    });
    expect(trips).toBe(1);
    expect(body).toEqual({
      from: "2026-03-02",
      to: "2026-03-03",
      items: [
        {
          user_fk: ann.id,
          date: "2026-03-03",
          violations: [{ code: "break_short", required_minutes: 30, taken_minutes: 0 }],
        },
      ],
    });
    expect(await workDays(ann, "2026-03-02")).toMatchObject({ worked_seconds: "21600", required_break_seconds: "0" });
    expect(await workDays(ann, "2026-03-03")).toMatchObject({
      worked_seconds: "21660",
      required_break_seconds: "1800",
    });
  });

  it("a 20-minute gap over 7 h is break_short 30/20; automatic deduction takes the missing 10 minutes", async () => {
    await rules({});
    const ann = await createUser();
    await work(ann, "2026-03-04T08:00:00Z", 240);
    await work(ann, "2026-03-04T12:20:00Z", 180);
    const { items } = await report(ann, "from=2026-03-04&to=2026-03-04");
    expect(items).toEqual([
      {
        user_fk: ann.id,
        date: "2026-03-04",
        violations: [{ code: "break_short", required_minutes: 30, taken_minutes: 20 }],
      },
    ]);
    const none = await workDays(ann, "2026-03-04");
    expect(none).toMatchObject({ worked_seconds: "25200", break_seconds: "1200", deducted_seconds: "0" });
    expect(none?.first_start).toEqual(new Date("2026-03-04T08:00:00Z"));
    expect(none?.last_end).toEqual(new Date("2026-03-04T15:20:00Z"));
    await rules({ break_deduction: "automatic" });
    expect(await workDays(ann, "2026-03-04")).toMatchObject({
      required_break_seconds: "1800",
      deducted_seconds: "600",
    });
    // Never below the rule's threshold: 6 h 05 m without a break loses 5 minutes, not 30.
    await work(ann, "2026-03-05T08:00:00Z", 365);
    expect(await workDays(ann, "2026-03-05")).toMatchObject({ worked_seconds: "21900", deducted_seconds: "300" });
    // A long enough break: nothing required is missing, nothing deducted, no violation.
    await work(ann, "2026-03-06T08:00:00Z", 240);
    await work(ann, "2026-03-06T12:30:00Z", 180);
    expect(await workDays(ann, "2026-03-06")).toMatchObject({ break_seconds: "1800", deducted_seconds: "0" });
    expect((await report(ann, "from=2026-03-05&to=2026-03-06")).items.map((i) => i.date)).toEqual(["2026-03-05"]);
  });

  it("over 9 h the 45-minute rule applies: 9 h 01 m with 30 minutes off is break_short 45/30", async () => {
    await rules({});
    const ann = await createUser();
    await work(ann, "2026-03-09T07:00:00Z", 300);
    await work(ann, "2026-03-09T12:30:00Z", 241);
    await work(ann, "2026-03-10T07:00:00Z", 300);
    await work(ann, "2026-03-10T12:30:00Z", 240);
    const { items } = await report(ann, "from=2026-03-09&to=2026-03-10");
    expect(items).toEqual([
      {
        user_fk: ann.id,
        date: "2026-03-09",
        violations: [{ code: "break_short", required_minutes: 45, taken_minutes: 30 }],
      },
    ]);
  });

  it("over_max_daily: worked more than max_daily_hours (before any deduction)", async () => {
    await rules({ max_daily_hours: 10, break_rules: [] });
    const ann = await createUser();
    await work(ann, "2026-03-11T06:00:00Z", 300);
    await work(ann, "2026-03-11T11:30:00Z", 330);
    await work(ann, "2026-03-12T06:00:00Z", 600);
    const { items } = await report(ann, "from=2026-03-11&to=2026-03-12");
    expect(items).toEqual([
      {
        user_fk: ann.id,
        date: "2026-03-11",
        violations: [{ code: "over_max_daily", max_hours: 10, worked_hours: 10.5 }],
      },
    ]);
  });

  it("rest_short across midnight in Europe/Berlin: until 23:00, back at 07:00 is 8 h of 11", async () => {
    await rules({ min_rest_hours: 11, break_rules: [] });
    const ann = await createUser();
    await seedSql("UPDATE app_user SET time_zone = 'Europe/Berlin' WHERE id = $1", [ann.id]);
    // 15:00–23:00 and 07:00–15:00 local (CET, +01:00).
    await work(ann, "2026-01-12T14:00:00Z", 480);
    await work(ann, "2026-01-13T06:00:00Z", 480);
    // A night shift across local midnight (22:00–02:00), then 07:00: 5 h of rest, not 0 h at midnight.
    await work(ann, "2026-01-14T21:00:00Z", 240);
    await work(ann, "2026-01-15T06:00:00Z", 240);
    const { items } = await report(ann, "from=2026-01-12&to=2026-01-15");
    expect(items).toEqual([
      {
        user_fk: ann.id,
        date: "2026-01-13",
        violations: [
          {
            code: "rest_short",
            required_hours: 11,
            rest_hours: 8,
            previous_end: "2026-01-12T22:00:00.000Z",
            next_start: "2026-01-13T06:00:00.000Z",
          },
        ],
      },
      {
        user_fk: ann.id,
        date: "2026-01-15",
        violations: [
          {
            code: "rest_short",
            required_hours: 11,
            rest_hours: 5,
            previous_end: "2026-01-15T01:00:00.000Z",
            next_start: "2026-01-15T06:00:00.000Z",
          },
        ],
      },
    ]);
    // The night shift is split at Berlin's midnight (in UTC it is 21:00–01:00): 2 h on the 14th; on
    // the 15th 2 h, then 4 h after a 5-hour gap that counts as a break of that date.
    expect(await workDays(ann, "2026-01-14")).toMatchObject({ worked_seconds: "7200", break_seconds: "0" });
    expect(await workDays(ann, "2026-01-15")).toMatchObject({ worked_seconds: "21600", break_seconds: "18000" });
    // The rest before the range's first date counts too (the 13th alone still shows it).
    expect((await report(ann, "from=2026-01-13&to=2026-01-13")).items).toHaveLength(1);
  });

  it("as the other reports: yourself, your people as a manager, anyone as a superuser; not another member", async () => {
    const { admin } = await rules({});
    const [ann, bob, manager] = await Promise.all([createUser(), createUser(), createUser()]);
    const team = await createTeam(admin);
    await putMember(admin, team.id, manager.id, "manager");
    await putMember(admin, team.id, ann.id, "member");
    await putMember(admin, team.id, bob.id, "member");
    await work(ann, "2026-03-16T08:00:00Z", 400);
    await work(bob, "2026-03-16T08:00:00Z", 400);
    const range = "from=2026-03-16&to=2026-03-16";
    const denied = await expectProblem(
      await call("GET", `/reports/compliance?${range}&user_fk=${ann.id}`, { token: bob.token }),
      403,
    );
    expect(denied.code).toBe("not_manager");
    const team403 = await expectProblem(
      await call("GET", `/reports/compliance?${range}&team_fk=${team.id}`, { token: bob.token }),
      403,
    );
    expect(team403.code).toBe("not_manager");
    // Without a filter a member sees only their own days.
    expect((await report(bob, range)).items.map((i) => i.user_fk)).toEqual([bob.id]);
    const managed = await report(manager, `${range}&team_fk=${team.id}`);
    expect(managed.items.map((i) => i.user_fk).sort()).toEqual([ann.id, bob.id].sort());
    expect((await report(manager, `${range}&user_fk=${ann.id}`)).items.map((i) => i.user_fk)).toEqual([ann.id]);
    const all = (await report(admin, range)).items.map((i) => i.user_fk);
    expect(all).toEqual(expect.arrayContaining([ann.id, bob.id]));
  });

  it("refuses a range backwards or longer than 366 dates, and a bad date (422)", async () => {
    const ann = await createUser();
    for (const [qs, code] of [
      ["from=2026-03-02&to=2026-03-01", "invalid_range"],
      ["from=2026-01-01&to=2027-01-02", "range_too_long"],
      ["from=2026-02-30&to=2026-03-01", "validation_failed"],
      ["from=2026-03-01", "validation_failed"],
    ]) {
      const problem = await expectProblem(await call("GET", `/reports/compliance?${qs}`, { token: ann.token }), 422);
      expect(problem.code, qs).toBe(code);
    }
    expect((await report(ann, "from=2026-01-01&to=2026-12-31")).items).toEqual([]);
    // A token without reports:read may not ask.
    const minted = await call("POST", "/users/me/tokens", {
      token: ann.token,
      body: { name: "time only", scopes: ["timelog:read"] },
    });
    const { token } = (await minted.json()) as { token: string };
    const scoped = await call("GET", "/reports/compliance?from=2026-01-01&to=2026-01-31", { token });
    expect((await expectProblem(scoped, 403)).code).toBe("insufficient_scope");
  });
});
