import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { addEntry, createTeamWorld, type Log, type TestUser } from "../helpers/factories";

interface Sheet {
  user_fk: number;
  week: string;
  from: string;
  to: string;
  status: string;
  worked_seconds: number;
  expected_seconds: number;
  balance_seconds: number;
  cumulative_balance_seconds?: number;
  submitted_seconds: number | null;
  acted_by: number | null;
  comment: string | null;
}

const at = (iso: string) => new Date(iso);
const act = (who: TestUser, path: string, body?: unknown) =>
  call("POST", `/timesheets/${path}`, { token: who.token, body });
async function sheets(who: TestUser, qs: string) {
  const res = await call("GET", `/timesheets/?${qs}`, { token: who.token });
  if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
  return ((await res.json()) as { items: Sheet[] }).items;
}

describe("weekly timesheets", () => {
  it("submit locks the week for everyone; reject unlocks it; approve locks it until a superuser reopens", async () => {
    const { admin, manager, ann, stranger, project } = await createTeamWorld();
    const tue = await addEntry(ann, project.id, at("2026-09-29T09:00:00Z"), at("2026-09-29T17:00:00Z"));
    await addEntry(ann, project.id, at("2026-09-30T09:00:00Z"), at("2026-09-30T13:00:00Z"));

    const [open] = await sheets(ann, `user_fk=${ann.id}&from=2026-W40`);
    expect(open).toMatchObject({
      week: "2026-W40",
      status: "open",
      worked_seconds: 12 * 3600,
      expected_seconds: 40 * 3600,
    });
    expect(open?.balance_seconds).toBe(-28 * 3600);
    expect((await expectProblem(await act(manager, `${ann.id}/2026-W40/approve`, {}), 409)).code).toBe("not_submitted");

    const submitted = await act(ann, "2026-W40/submit");
    expect(await submitted.json()).toMatchObject({
      status: "submitted",
      submitted_seconds: 12 * 3600,
      acted_by: ann.id,
    });
    expect((await expectProblem(await act(ann, "2026-W40/submit"), 409)).code).toBe("already_submitted");
    expect(
      ((await (await call("GET", `/timelog/${tue.id}`, { token: ann.token })).json()) as { locked: boolean }).locked,
    ).toBe(true);

    // Locked for the person, their manager and a superuser alike: edit, delete, create.
    for (const who of [ann, manager, admin]) {
      const edit = await call("PATCH", `/timelog/${tue.id}`, { token: who.token, body: { note: "late fix" } });
      const problem = await expectProblem(edit, 409);
      expect(problem).toMatchObject({ code: "period_locked", week: "2026-W40", user_fk: ann.id });
      await expectProblem(await call("DELETE", `/timelog/${tue.id}`, { token: who.token }), 409);
    }
    const inside = await call("POST", "/timelog/", {
      token: ann.token,
      body: { project_fk: project.id, start_time: "2026-10-01T09:00:00Z", end_time: "2026-10-01T10:00:00Z" },
    });
    expect((await expectProblem(inside, 409)).code).toBe("period_locked");
    // Moving a log from an open week into the locked one is refused too.
    const later = await addEntry(ann, project.id, at("2026-10-06T09:00:00Z"), at("2026-10-06T10:00:00Z"));
    const moved = await call("PATCH", `/timelog/${later.id}`, {
      token: ann.token,
      body: { start_time: "2026-10-02T09:00:00Z", end_time: "2026-10-02T10:00:00Z" },
    });
    await expectProblem(moved, 409);

    // Nobody decides their own week; strangers decide nothing; a rejection says why.
    expect((await expectProblem(await act(ann, `${ann.id}/2026-W40/approve`, {}), 403)).code).toBe("own_timesheet");
    expect((await expectProblem(await act(stranger, `${ann.id}/2026-W40/approve`, {}), 403)).code).toBe("not_manager");
    await expectProblem(await act(manager, `${ann.id}/2026-W40/reject`, {}), 422);
    await expectProblem(await act(manager, `${ann.id}/2026-W40/reject`, { comment: "  " }), 422);

    const rejected = await act(manager, `${ann.id}/2026-W40/reject`, { comment: "Wednesday is missing" });
    expect(await rejected.json()).toMatchObject({
      status: "rejected",
      comment: "Wednesday is missing",
      acted_by: manager.id,
    });
    const fixed = await call("PATCH", `/timelog/${tue.id}`, {
      token: ann.token,
      body: { end_time: "2026-09-29T18:00:00Z" },
    });
    expect(((await fixed.json()) as Log & { locked: boolean }).locked).toBe(false);

    expect((await act(ann, "2026-W40/submit")).status).toBe(200);
    const approved = await act(manager, `${ann.id}/2026-W40/approve`, { comment: "ok" });
    expect(await approved.json()).toMatchObject({ status: "approved", worked_seconds: 13 * 3600 });
    expect((await expectProblem(await act(manager, `${ann.id}/2026-W40/approve`, {}), 409)).code).toBe("not_submitted");
    await expectProblem(await call("PATCH", `/timelog/${tue.id}`, { token: admin.token, body: { note: "x" } }), 409);

    await expectProblem(await act(manager, `${ann.id}/2026-W40/reopen`, { comment: "payroll error" }), 403);
    await expectProblem(await act(admin, `${ann.id}/2026-W40/reopen`, {}), 422);
    const reopened = await act(admin, `${ann.id}/2026-W40/reopen`, { comment: "payroll error" });
    expect(await reopened.json()).toMatchObject({ status: "open", acted_by: admin.id });
    expect((await call("PATCH", `/timelog/${tue.id}`, { token: admin.token, body: { note: "x" } })).status).toBe(200);
    expect((await expectProblem(await act(admin, `${ann.id}/2026-W40/reopen`, { comment: "again" }), 409)).code).toBe(
      "not_approved",
    );
  });

  it("a manager's own week needs someone else; running timers, future and malformed weeks are refused", async () => {
    const { admin, manager, ann, project } = await createTeamWorld();
    expect((await act(manager, "2026-W41/submit")).status).toBe(200);
    expect((await expectProblem(await act(manager, `${manager.id}/2026-W41/approve`, {}), 403)).code).toBe(
      "own_timesheet",
    );
    expect((await act(admin, `${manager.id}/2026-W41/approve`, {})).status).toBe(200);

    expect((await call("POST", "/timelog/", { token: ann.token, body: { project_fk: project.id } })).status).toBe(201);
    const [thisWeek] = await sheets(ann, "");
    const running = await act(ann, `${thisWeek?.week}/submit`);
    expect((await expectProblem(running, 409)).code).toBe("timer_running");
    expect((await expectProblem(await act(ann, "2099-W01/submit"), 422)).code).toBe("future_week");
    expect((await expectProblem(await act(ann, "2025-W53/submit"), 422)).code).toBe("invalid_week");
    await expectProblem(await act(ann, "2026-W54/submit"), 422);
    await expectProblem(await call("GET", "/timesheets/?from=2026-W10&to=2026-W01", { token: ann.token }), 422);
    await expectProblem(await call("GET", "/timesheets/?from=2000-W01&to=2026-W01", { token: admin.token }), 422);
  });

  it("lists every person-week of a team, untouched weeks open, with a cumulative balance", async () => {
    const { admin, manager, ann, bob, stranger, team, project } = await createTeamWorld();
    await addEntry(ann, project.id, at("2026-10-06T08:00:00Z"), at("2026-10-06T18:00:00Z"));
    await act(ann, "2026-W41/submit");
    const all = await sheets(manager, `team_fk=${team.id}&from=2026-W40&to=2026-W41`);
    expect(all.map((s) => `${s.user_fk}:${s.week}`).sort()).toEqual(
      [manager.id, ann.id, bob.id].flatMap((id) => [`${id}:2026-W40`, `${id}:2026-W41`]).sort(),
    );
    const annW41 = all.find((s) => s.user_fk === ann.id && s.week === "2026-W41");
    expect(annW41).toMatchObject({
      status: "submitted",
      worked_seconds: 36_000,
      cumulative_balance_seconds: -144_000 - 108_000,
    });
    const notYet = await sheets(manager, `team_fk=${team.id}&from=2026-W41&status=open`);
    expect(notYet.map((s) => s.user_fk).sort()).toEqual([manager.id, bob.id].sort());
    // Without filters: yourself and the people you manage; a member sees only themself.
    expect(new Set((await sheets(manager, "from=2026-W41")).map((s) => s.user_fk))).toEqual(
      new Set([manager.id, ann.id, bob.id]),
    );
    expect((await sheets(bob, "from=2026-W41")).map((s) => s.user_fk)).toEqual([bob.id]);
    expect(
      (await expectProblem(await call("GET", `/timesheets/?team_fk=${team.id}`, { token: stranger.token }), 403)).code,
    ).toBe("not_manager");
    await expectProblem(await call("GET", `/timesheets/?user_fk=${ann.id}`, { token: bob.token }), 403);
    // Pages: one item at a time, every item once.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const qs: string = `team_fk=${team.id}&from=2026-W40&to=2026-W41&limit=1${cursor ? `&cursor=${cursor}` : ""}`;
      const page = (await (await call("GET", `/timesheets/?${qs}`, { token: admin.token })).json()) as {
        items: Sheet[];
        next_cursor: string | null;
      };
      seen.push(...page.items.map((s) => `${s.user_fk}:${s.week}`));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
    // Someone who does not exist has no weeks (the fuzzer found a superuser got weeks of nobody,
    // with nulls the document does not allow).
    const nobody = await call("GET", "/timesheets/?user_fk=2026084849", { token: admin.token });
    expect(((await nobody.json()) as { items: Sheet[] }).items).toEqual([]);
  });

  it("a week is Monday to Monday in the person's zone, 169 hours across the end of summer time", async () => {
    const { admin, ann, project } = await createTeamWorld();
    await expectProblem(
      await call("PATCH", "/users/me", { token: ann.token, body: { time_zone: "Mars/Olympus" } }),
      422,
    );
    const me = await call("PATCH", "/users/me", { token: ann.token, body: { time_zone: "Europe/Berlin" } });
    expect(((await me.json()) as { time_zone: string }).time_zone).toBe("Europe/Berlin");
    const hours = await call("PATCH", `/users/${ann.id}`, { token: admin.token, body: { weekly_hours: 37.5 } });
    expect(((await hours.json()) as { weekly_hours: number }).weekly_hours).toBe(37.5);
    // Sunday 25 Oct 2026, 23:30 CET to Monday 00:30 CET: half of it in week 43.
    await addEntry(ann, project.id, at("2026-10-25T22:30:00Z"), at("2026-10-25T23:30:00Z"));
    const [w43] = await sheets(ann, "from=2026-W43");
    expect(w43).toMatchObject({
      from: "2026-10-18T22:00:00.000Z",
      to: "2026-10-25T23:00:00.000Z",
      worked_seconds: 1800,
      expected_seconds: 37.5 * 3600,
    });
    expect(Date.parse(w43?.to ?? "") - Date.parse(w43?.from ?? "")).toBe(169 * 3_600_000);
  });

  it("sync tells a client which logs a submit locked and a rejection unlocked", async () => {
    const { manager, ann, project } = await createTeamWorld();
    const log = await addEntry(ann, project.id, at("2026-09-29T09:00:00Z"), at("2026-09-29T10:00:00Z"));
    type Sync = {
      changes: { id: number; log: { locked: boolean } | null }[];
      next_cursor: string;
      locked_before: null;
    };
    const sync = async (cursor: string) =>
      (await (await call("GET", `/timelog/changes?since=${cursor}`, { token: ann.token })).json()) as Sync;
    const first = await sync("0.0");
    expect(first.locked_before).toBeNull();
    await act(ann, "2026-W40/submit");
    const second = await sync(first.next_cursor);
    expect(second.changes.map((c) => [c.id, c.log?.locked])).toEqual([[log.id, true]]);
    await act(manager, `${ann.id}/2026-W40/reject`, { comment: "no" });
    const third = await sync(second.next_cursor);
    expect(third.changes.map((c) => [c.id, c.log?.locked])).toEqual([[log.id, false]]);
  });

  it("list, submit and decisions are one round trip each", async () => {
    const { manager, ann, team } = await createTeamWorld();
    const trips = {
      list: await countRoundTrips(() =>
        call("GET", `/timesheets/?team_fk=${team.id}&from=2026-W30&to=2026-W40`, { token: manager.token }),
      ),
      submit: await countRoundTrips(() => act(ann, "2026-W40/submit")),
      reject: await countRoundTrips(() => act(manager, `${ann.id}/2026-W40/reject`, { comment: "no" })),
    };
    expect(trips).toEqual({ list: 1, submit: 1, reject: 1 });
  });

  it("weeks tile time even when the person changes zone between submissions: no gap, no overlap", async () => {
    const { manager, ann, project } = await createTeamWorld();
    await call("PATCH", "/users/me", { token: ann.token, body: { time_zone: "Pacific/Kiritimati" } });
    const w47 = (await (await act(ann, "2026-W47/submit")).json()) as Sheet;
    await call("PATCH", "/users/me", { token: ann.token, body: { time_zone: "Pacific/Pago_Pago" } });
    const w48 = (await (await act(ann, "2026-W48/submit")).json()) as Sheet;
    expect(w48.from).toBe(w47.to);
    await act(manager, `${ann.id}/2026-W47/approve`, {});
    await act(manager, `${ann.id}/2026-W48/approve`, {});
    // The day between the two zones' Mondays belongs to a locked week.
    const between = await call("POST", "/timelog/", {
      token: ann.token,
      body: {
        project_fk: project.id,
        start_time: w47.to,
        end_time: new Date(Date.parse(w47.to) + 3_600_000).toISOString(),
      },
    });
    expect((await expectProblem(between, 409)).code).toBe("period_locked");
  });
});
