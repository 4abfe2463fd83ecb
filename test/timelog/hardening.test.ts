// What an attacker and a careless client found in round 2 (#20 §1 and §5), each as it was reported.
import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import {
  addEntry,
  clockIn,
  createProject,
  createSuperuser,
  createTeam,
  createUser,
  type Log,
  minutesAgo,
  putMember,
} from "../helpers/factories";

const days = (n: number) => minutesAgo(n * 24 * 60);

describe("a running timer obeys the longest-entry rule", () => {
  it("an old entry cannot be made to run again, nor a running timer's start moved back past the limit", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    // The default limit is a week (604,800 s).
    const old = await addEntry(alice, p.id, days(60), minutesAgo(60 * 24 * 60 - 60));
    const reopen = await call("PATCH", `/timelog/${old.id}`, { token: alice.token, body: { end_time: null } });
    expect((await expectProblem(reopen, 422)).code).toBe("entry_too_long");
    const running = (await (await clockIn(alice, p.id)).json()) as Log;
    const back = await call("PATCH", `/timelog/${running.id}`, {
      token: alice.token,
      body: { start_time: days(15 * 7).toISOString() },
    });
    expect((await expectProblem(back, 422)).code).toBe("entry_too_long");
    // Within the limit both still work: six days back, and closing it.
    const ok = await call("PATCH", `/timelog/${running.id}`, {
      token: alice.token,
      body: { start_time: days(6).toISOString() },
    });
    expect(ok.status).toBe(200);
    expect((await call("POST", "/timelog/close", { token: alice.token })).status).toBe(200);
    // Nothing changed the July entry: it is still closed.
    const still = (await (await call("GET", `/timelog/${old.id}`, { token: alice.token })).json()) as Log;
    expect(still.end_time).not.toBeNull();
  });

  it("a second clock-in is 409 already_running naming the running log; a clash with a past entry is overlap", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    const first = (await (await clockIn(alice, p.id)).json()) as Log;
    const again = await expectProblem(await clockIn(alice, p.id), 409);
    expect(again).toMatchObject({ code: "already_running", conflicting_log_id: first.id });
    const past = await clockIn(alice, p.id, {
      start_time: minutesAgo(30).toISOString(),
      end_time: new Date(Date.now() + 60_000).toISOString(),
    });
    expect((await expectProblem(past, 409)).code).toBe("overlap");
    // Parallel clock-ins: exactly one starts, the others are already_running.
    await call("POST", "/timelog/close", { token: alice.token });
    const racing = await Promise.all(Array.from({ length: 6 }, () => clockIn(alice, p.id)));
    expect(racing.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of racing.filter((r) => r.status !== 201)) {
      expect(["already_running", "overlap"]).toContain((await expectProblem(r, 409)).code);
    }
  });

  it("takes lowercase t and z (RFC 3339 §5.6) and answers 201 with Location", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    const res = await clockIn(alice, p.id, { start_time: "2026-11-02t09:00:00z", end_time: "2026-11-02t10:30:00.5z" });
    expect(res.status).toBe(201);
    const log = (await res.json()) as Log;
    expect(log).toMatchObject({ start_time: "2026-11-02T09:00:00.000Z", end_time: "2026-11-02T10:30:00.500Z" });
    expect(res.headers.get("location")).toBe(`/timelog/${log.id}`);
    const project = await call("POST", "/projects/", { token: admin.token, body: { secret_name: `loc-${log.id}` } });
    expect(project.headers.get("location")).toBe(`/projects/${((await project.json()) as { id: number }).id}`);
    const switched = await call("POST", "/timelog/switch", { token: alice.token, body: { project_fk: p.id } });
    const started = ((await switched.json()) as { started: Log }).started;
    expect(switched.headers.get("location")).toBe(`/timelog/${started.id}`);
    await expectProblem(await clockIn(alice, p.id, { start_time: "2026-11-02x09:00:00z", end_time: "x" }), 422);
  });
});

describe("times at the ends of the calendar", () => {
  it("refuses an offset that carries year 1 into 1 BC or year 9999 into 10000 (the era would be lost)", async () => {
    const admin = await createSuperuser();
    const create = (started_at: string) =>
      call("POST", "/projects", { token: admin.token, body: { secret_name: `era-${Math.random()}`, started_at } });
    await expectProblem(await create("0001-01-01T00:00:00+14:00"), 422);
    await expectProblem(await create("9999-12-31T23:00:00-05:00"), 422);
    // A report's day at midnight in Tokyo would be in 1 BC: refused, not echoed without its era.
    const tokyo = await call("GET", "/reports/summary?from=0001-01-01&to=0001-01-02&tz=Asia/Tokyo", {
      token: admin.token,
    });
    await expectProblem(tokyo, 422);
    const first = await create("0001-01-01T00:00:00Z");
    expect(first.status).toBe(201);
    expect(((await first.json()) as { started_at: string }).started_at).toBe("0001-01-01T00:00:00.000Z");
  });
});

describe("who decides a manager's time", () => {
  it("co-managers of one team neither approve nor edit each other; their own manager does", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const [ann, bob, boss, member] = await Promise.all([createUser(), createUser(), createUser(), createUser()]);
    const team = await createTeam(admin);
    await putMember(admin, team.id, ann.id, "manager");
    await putMember(admin, team.id, bob.id, "manager");
    await putMember(admin, team.id, member.id, "member");
    // Bob reports to the boss through another team.
    const upper = await createTeam(admin);
    await putMember(admin, upper.id, boss.id, "manager");
    await putMember(admin, upper.id, bob.id, "member");
    const log = await addEntry(bob, p.id, new Date("2026-11-03T09:00:00Z"), new Date("2026-11-03T12:00:00Z"));
    expect((await call("POST", "/timesheets/2026-W45/submit", { token: bob.token })).status).toBe(200);
    const approve = (who: { token: string }) =>
      call("POST", `/timesheets/${bob.id}/2026-W45/approve`, { token: who.token, body: {} });
    expect((await expectProblem(await approve(ann), 403)).code).toBe("not_manager");
    const edit = await call("PATCH", `/timelog/${log.id}`, { token: ann.token, body: { note: "by a peer" } });
    expect(edit.status).toBe(404);
    await expectProblem(await call("GET", `/timelog?user_fk=${bob.id}`, { token: ann.token }), 403);
    expect((await approve(boss)).status).toBe(200);
    // A team report or timesheet list by a co-manager leaves the other manager out.
    const report = await call(
      "GET",
      `/reports/summary?from=2026-11-02&to=2026-11-09&team_fk=${team.id}&group_by=user`,
      {
        token: ann.token,
      },
    );
    const users = ((await report.json()) as { groups: { user_fk: number }[] }).groups.map((g) => g.user_fk);
    expect(users).not.toContain(bob.id);
    const sheets = await call("GET", `/timesheets?team_fk=${team.id}&from=2026-W45`, { token: ann.token });
    const people = ((await sheets.json()) as { items: { user_fk: number }[] }).items.map((i) => i.user_fk);
    expect(people).toEqual(expect.arrayContaining([ann.id, member.id]));
    expect(people).not.toContain(bob.id);
    // Managing a plain member still works.
    expect((await call("GET", `/timelog?user_fk=${member.id}`, { token: ann.token })).status).toBe(200);
  });

  it("two people who manage each other through two teams decide nothing for each other", async () => {
    const admin = await createSuperuser();
    const [ann, bob] = await Promise.all([createUser(), createUser()]);
    const one = await createTeam(admin);
    const two = await createTeam(admin);
    await putMember(admin, one.id, ann.id, "manager");
    await putMember(admin, one.id, bob.id, "member");
    await putMember(admin, two.id, bob.id, "manager");
    await putMember(admin, two.id, ann.id, "member");
    await expectProblem(await call("GET", `/timelog?user_fk=${bob.id}`, { token: ann.token }), 403);
    await expectProblem(await call("GET", `/timelog?user_fk=${ann.id}`, { token: bob.token }), 403);
  });
});

describe("timesheet ranges an attacker would ask for", () => {
  it("refuses weeks before the earliest time and ranges over 106 weeks, in one round trip", async () => {
    const alice = await createUser();
    const get = (qs: string) => call("GET", `/timesheets?${qs}`, { token: alice.token });
    let res: Response | undefined;
    expect(await countRoundTrips(async () => (res = await get("from=1971-W01&to=2066-W40&status=submitted")))).toBe(1);
    expect((await expectProblem(res as Response, 422)).code).toBe("before_earliest");
    expect((await expectProblem(await get("from=2024-W01&to=2026-W10"), 422)).code).toBe("range_too_long");
    const fine = await get("from=2025-W01&to=2026-W49");
    expect(fine.status).toBe(200);
    // A week wholly before the earliest time cannot be submitted either.
    const submit = await call("POST", "/timesheets/1971-W05/submit", { token: alice.token });
    expect((await expectProblem(submit, 422)).code).toBe("before_earliest");
  });
});
