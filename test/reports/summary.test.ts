import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import {
  addEntry,
  createProject,
  createSuperuser,
  createUser,
  type Log,
  seedSql,
  type TestUser,
} from "../helpers/factories";

/** Seconds as the reports count them: whole milliseconds. */
const ms = (seconds: number) => Math.round(seconds * 1000);

interface Group {
  project_fk?: number;
  secret_name?: string;
  user_fk?: number;
  username?: string;
  period?: string;
  duration_ms: number;
  billable_ms: number;
  includes_open: boolean;
}
interface Summary {
  total_ms: number;
  includes_open: boolean;
  groups: Group[];
  from: string;
  to: string;
}

async function summary(user: TestUser, qs: string): Promise<Summary> {
  const res = await call("GET", `/reports/summary?${qs}`, { token: user.token });
  if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as Summary;
}

const byPeriod = (s: Summary) => Object.fromEntries(s.groups.map((g) => [g.period, g.duration_ms / 3_600_000]));
const at = (s: string) => new Date(s);

describe("daylight saving days are summed as they were", () => {
  it.each([
    [
      "Europe/Berlin",
      "2026-03-28T22:00:00+01:00",
      "2026-03-30T02:00:00+02:00",
      { "2026-03-28": 2, "2026-03-29": 23, "2026-03-30": 2 },
    ],
    [
      "Europe/Berlin",
      "2026-10-24T23:00:00+02:00",
      "2026-10-26T01:00:00+01:00",
      { "2026-10-24": 1, "2026-10-25": 25, "2026-10-26": 1 },
    ],
    [
      "America/New_York",
      "2026-03-07T23:00:00-05:00",
      "2026-03-09T01:00:00-04:00",
      { "2026-03-07": 1, "2026-03-08": 23, "2026-03-09": 1 },
    ],
    [
      "America/New_York",
      "2026-10-31T23:00:00-04:00",
      "2026-11-02T01:00:00-05:00",
      { "2026-10-31": 1, "2026-11-01": 25, "2026-11-02": 1 },
    ],
  ])("%s, log %s → %s", async (tz, start, end, expected) => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    await addEntry(alice, p.id, at(start), at(end));
    const from = start.slice(0, 10);
    const to = end.slice(0, 8) + String(Number(end.slice(8, 10)) + 1).padStart(2, "0");
    let s: Summary | undefined;
    const trips = await countRoundTrips(async () => {
      s = await summary(alice, `from=${from}&to=${to}&tz=${encodeURIComponent(tz)}&group_by=day`);
    });
    expect(trips).toBe(1);
    expect(byPeriod(s as Summary)).toEqual(expected);
    expect(s?.total_ms).toBe(ms((Date.parse(end) - Date.parse(start)) / 1000));
  });
});

describe("clipping, midnight, open logs, buckets and zones", () => {
  it("clips to [from, to) at both ends and splits at midnight", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    await addEntry(alice, p.id, at("2026-05-10T22:00:00Z"), at("2026-05-11T02:00:00Z"));
    const s = await summary(alice, "from=2026-05-10T23:00:00Z&to=2026-05-11T01:30:00Z&group_by=day");
    expect(byPeriod(s)).toEqual({ "2026-05-10": 1, "2026-05-11": 1.5 });
    expect(s.total_ms).toBe(ms(2.5 * 3600));
  });

  it("counts an open log up to the database's now() and says so", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    await seedSql("INSERT INTO timelog (user_fk, project_fk, start_time) VALUES ($1, $2, now() - interval '2 hours')", [
      alice.id,
      p.id,
    ]);
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const s = await summary(alice, `from=${from}&to=${to}`);
    expect(s.includes_open).toBe(true);
    expect(s.groups[0]?.includes_open).toBe(true);
    expect(s.total_ms).toBeGreaterThanOrEqual(7200 * 1000);
    expect(s.total_ms).toBeLessThan((7200 + 120) * 1000);
  });

  it("ISO weeks and months across a year boundary", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    await addEntry(alice, p.id, at("2025-12-31T22:00:00Z"), at("2026-01-01T02:00:00Z"));
    await addEntry(alice, p.id, at("2026-01-04T23:00:00Z"), at("2026-01-05T01:00:00Z"));
    const weeks = await summary(alice, "from=2025-12-01&to=2026-02-01&group_by=week");
    expect(byPeriod(weeks)).toEqual({ "2025-12-29": 5, "2026-01-05": 1 });
    const months = await summary(alice, "from=2025-12-01&to=2026-02-01&group_by=month");
    expect(byPeriod(months)).toEqual({ "2025-12-01": 2, "2026-01-01": 4 });
  });

  it("the same data viewed in two zones", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    await addEntry(alice, p.id, at("2026-06-01T22:00:00Z"), at("2026-06-02T02:00:00Z"));
    expect(byPeriod(await summary(alice, "from=2026-06-01&to=2026-06-03&tz=UTC&group_by=day"))).toEqual({
      "2026-06-01": 2,
      "2026-06-02": 2,
    });
    expect(byPeriod(await summary(alice, "from=2026-06-01&to=2026-06-03&tz=Asia/Tokyo&group_by=day"))).toEqual({
      "2026-06-02": 4,
    });
  });

  it("groups by project and user with names, and agrees to the second with GET /timelog/", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin, { secret_name: "Apollo" });
    const q = await createProject(admin, { secret_name: "Gemini" });
    const alice = await createUser();
    await addEntry(alice, p.id, at("2026-07-01T08:00:00.250Z"), at("2026-07-01T12:00:00Z"));
    await addEntry(alice, q.id, at("2026-07-01T13:00:00Z"), at("2026-07-01T17:30:00.750Z"));
    const s = await summary(alice, "from=2026-07-01&to=2026-07-02&group_by=user,project");
    expect(s.groups).toEqual([
      {
        project_fk: p.id,
        secret_name: "Apollo",
        user_fk: alice.id,
        username: alice.username,
        duration_ms: ms(4 * 3600 - 0.25),
        includes_open: false,
        // An employee sees the billable part of their time, never an amount.
        billable_ms: ms(4 * 3600 - 0.25),
      },
      {
        project_fk: q.id,
        secret_name: "Gemini",
        user_fk: alice.id,
        username: alice.username,
        duration_ms: ms(4.5 * 3600 + 0.75),
        includes_open: false,
        billable_ms: ms(4.5 * 3600 + 0.75),
      },
    ]);
    const list = (await (
      await call("GET", "/timelog/?from=2026-07-01T00:00:00Z&to=2026-07-02T00:00:00Z", { token: alice.token })
    ).json()) as {
      items: Log[];
    };
    const listed = list.items.reduce(
      (sum, l) => sum + (Date.parse(l.end_time ?? "") - Date.parse(l.start_time)) / 1000,
      0,
    );
    expect(s.total_ms).toBe(ms(listed));
    // Durations are exact integers: a client's sum of the groups is the total, to the millisecond.
    for (const g of s.groups) expect(Number.isInteger(g.duration_ms) && Number.isInteger(g.billable_ms)).toBe(true);
    expect(s.groups.reduce((sum, g) => sum + g.duration_ms, 0)).toBe(s.total_ms);
  });
});

describe("who sees what", () => {
  it("employees see only their own hours; superusers everyone's and may filter", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    const bob = await createUser();
    await addEntry(alice, p.id, at("2026-08-03T09:00:00Z"), at("2026-08-03T10:00:00Z"));
    await addEntry(bob, p.id, at("2026-08-03T09:00:00Z"), at("2026-08-03T12:00:00Z"));
    const range = "from=2026-08-03&to=2026-08-04";
    expect((await summary(alice, `${range}&group_by=user`)).groups.map((g) => g.user_fk)).toEqual([alice.id]);
    await expectProblem(await call("GET", `/reports/summary?${range}&user_fk=${bob.id}`, { token: alice.token }), 403);
    await expectProblem(await call("GET", `/reports/summary?${range}&position_fk=1`, { token: alice.token }), 403);

    const all = await summary(admin, `${range}&group_by=user&project_fk=${p.id}`);
    expect(all.groups.map((g) => [g.user_fk, g.duration_ms])).toEqual([
      [alice.id, ms(3600)],
      [bob.id, ms(3 * 3600)],
    ]);
    expect((await summary(admin, `${range}&user_fk=${bob.id}`)).total_ms).toBe(ms(3 * 3600));
    expect((await summary(admin, `${range}&position_fk=1&project_fk=${p.id}`)).total_ms).toBe(ms(4 * 3600));
  });
});

describe("bad parameters", () => {
  it.each([
    ["no range", ""],
    ["a naive time", "from=2026-01-01T00:00:00&to=2026-01-02"],
    ["garbage", "from=soon&to=later"],
    ["from after to", "from=2026-01-02&to=2026-01-01"],
    ["from equal to", "from=2026-01-01&to=2026-01-01"],
    ["an unknown zone", "from=2026-01-01&to=2026-01-02&tz=Mars/Olympus"],
    ["over the cap", "from=2025-01-01&to=2026-03-01"],
    ["an unknown group", "from=2026-01-01&to=2026-01-02&group_by=color"],
    ["two time buckets", "from=2026-01-01&to=2026-01-02&group_by=day,week"],
    ["an impossible date", "from=2026-02-30&to=2026-03-02"],
  ])("%s → 422", async (_name, qs) => {
    const alice = await createUser();
    await expectProblem(await call("GET", `/reports/summary?${qs}`, { token: alice.token }), 422);
  });
});
