// GET /absences/calendar: who of a team is away when, and what each viewer may see of why.
import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createTeamWorld, createUser, putMember, seedSql, unique } from "../helpers/factories";

type Month = {
  team_fk: number;
  month: string;
  days: {
    date: string;
    holiday?: string;
    away: {
      user_fk: number;
      username: string;
      half_day: string | null;
      type_fk: number | null;
      type: string;
      status: string;
    }[];
  }[];
};

/** An absence as the absences routes would file it (they are built on another branch). */
async function absence(user: number, type: number, from: string, to: string, status: string, half?: "am" | "pm") {
  await seedSql(
    `INSERT INTO absence (user_fk, type_fk, first_day, last_day, half_day, status, requested_by)
     VALUES ($1, $2, $3, $4, $5, $6, $1)`,
    [user, type, from, to, half ?? null, status],
  );
}
const [VACATION, SICK] = [1, 2];

async function month(token: string, team: number, m = "2026-12") {
  const res = await call("GET", `/absences/calendar?team_fk=${team}&month=${m}`, { token });
  expect(res.status).toBe(200);
  return (await res.json()) as Month;
}
const on = (m: Month, date: string) => m.days.find((d) => d.date === date)?.away ?? [];

describe("GET /absences/calendar", () => {
  it("members see colleagues as away, their own reasons; managers and superusers see every reason", async () => {
    const { admin, manager, ann, bob, stranger, team } = await createTeamWorld();
    // The company's calendar names the holidays of the month.
    const cal = (await (
      await call("POST", "/holiday-calendars", { token: admin.token, body: { name: `c-${unique()}` } })
    ).json()) as { id: number };
    await call("PUT", `/holiday-calendars/${cal.id}/days/2026-12-25`, { token: admin.token, body: { name: "Xmas" } });
    await call("PATCH", "/settings", { token: admin.token, body: { holiday_calendar_fk: cal.id } });

    await absence(ann.id, SICK, "2026-12-01", "2026-12-02", "approved");
    await absence(bob.id, VACATION, "2026-12-30", "2027-01-04", "requested");
    await absence(ann.id, VACATION, "2026-12-03", "2026-12-03", "approved", "am");
    await absence(bob.id, VACATION, "2026-12-03", "2026-12-03", "approved", "pm");
    // Neither a rejected nor a cancelled one is away; a stranger's absence is not the team's.
    await absence(ann.id, VACATION, "2026-12-10", "2026-12-10", "rejected");
    await absence(bob.id, VACATION, "2026-12-10", "2026-12-10", "cancelled");
    await absence(stranger.id, SICK, "2026-12-10", "2026-12-10", "approved");
    await absence(ann.id, SICK, "2026-11-30", "2026-11-30", "approved");

    const asBob = await month(bob.token, team.id);
    expect(asBob).toMatchObject({ team_fk: team.id, month: "2026-12" });
    expect(asBob.days.map((d) => d.date)).toEqual(
      Array.from({ length: 31 }, (_, i) => `2026-12-${String(i + 1).padStart(2, "0")}`),
    );
    expect(asBob.days.find((d) => d.date === "2026-12-25")?.holiday).toBe("Xmas");
    expect(asBob.days.find((d) => d.date === "2026-12-24")).not.toHaveProperty("holiday");
    // Ann's sick days are "away" to Bob; his own vacation shows as such.
    expect(on(asBob, "2026-12-01")).toEqual([
      { user_fk: ann.id, username: ann.username, half_day: null, type_fk: null, type: "away", status: "approved" },
    ]);
    expect(JSON.stringify(asBob)).not.toContain("Sick");
    expect(on(asBob, "2026-12-31")).toEqual([
      {
        user_fk: bob.id,
        username: bob.username,
        half_day: null,
        type_fk: VACATION,
        type: "Vacation",
        status: "requested",
      },
    ]);
    const third = on(asBob, "2026-12-03").map((a) => `${a.user_fk} ${a.half_day} ${a.type}`);
    expect(third.sort()).toEqual([`${ann.id} am away`, `${bob.id} pm Vacation`].sort());
    expect(on(asBob, "2026-12-10")).toEqual([]);

    for (const viewer of [manager, admin]) {
      const seen = await month(viewer.token, team.id);
      expect(on(seen, "2026-12-01")).toEqual([
        { user_fk: ann.id, username: ann.username, half_day: null, type_fk: SICK, type: "Sick", status: "approved" },
      ]);
      expect(on(seen, "2026-12-30").map((a) => a.type)).toEqual(["Vacation"]);
    }
    // The next month carries on with Bob's vacation, and nothing else.
    const january = await month(ann.token, team.id, "2027-01");
    expect(january.days).toHaveLength(31);
    expect(january.days.filter((d) => d.away.length > 0).map((d) => d.date)).toEqual([
      "2027-01-01",
      "2027-01-02",
      "2027-01-03",
      "2027-01-04",
    ]);
  });

  it("managers see the reasons of the people they manage only: a co-manager is away to them", async () => {
    const { admin, manager, ann, team } = await createTeamWorld();
    const mia = await createUser();
    await putMember(admin, team.id, mia.id, "manager");
    await absence(mia.id, SICK, "2026-12-14", "2026-12-14", "approved");
    await absence(ann.id, SICK, "2026-12-14", "2026-12-14", "approved");
    const seen = on(await month(manager.token, team.id), "2026-12-14");
    expect(Object.fromEntries(seen.map((a) => [a.user_fk, a.type]))).toEqual({ [mia.id]: "away", [ann.id]: "Sick" });
    const own = on(await month(mia.token, team.id), "2026-12-14");
    expect(Object.fromEntries(own.map((a) => [a.user_fk, a.type]))).toEqual({ [mia.id]: "Sick", [ann.id]: "Sick" });
  });

  it("someone outside the team gets 404, as for a team that does not exist; bad months are 422", async () => {
    const { ann, stranger, team } = await createTeamWorld();
    const outside = await call("GET", `/absences/calendar?team_fk=${team.id}&month=2026-12`, { token: stranger.token });
    expect(await expectProblem(outside, 404)).toMatchObject({ code: "not_found" });
    await expectProblem(
      await call("GET", "/absences/calendar?team_fk=2147483647&month=2026-12", { token: ann.token }),
      404,
    );
    for (const m of ["2026-13", "2026-1", "1969-12", "9999-01", "2026-12-01", ""]) {
      await expectProblem(
        await call("GET", `/absences/calendar?team_fk=${team.id}&month=${m}`, { token: ann.token }),
        422,
      );
    }
    await expectProblem(await call("GET", "/absences/calendar?month=2026-12", { token: ann.token }), 422);
    await expectProblem(await call("GET", `/absences/calendar?team_fk=${team.id}&month=2026-12`), 401);
  });

  it("is one round trip, and February has its 28 days", async () => {
    const { ann, team } = await createTeamWorld();
    let res: Month | undefined;
    const trips = await countRoundTrips(async () => {
      res = await month(ann.token, team.id, "2027-02");
    });
    expect(trips).toBe(1);
    expect(res?.days).toHaveLength(28);
  });
});
