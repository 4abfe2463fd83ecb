import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import {
  addEntry,
  createSuperuser,
  createTeamWorld,
  createUser,
  seedSql,
  type TestUser,
  unique,
} from "../helpers/factories";

interface Schedule {
  id: number;
  position_fk: number | null;
  user_fk: number | null;
  effective_from: string;
  hours: number[];
}
interface Day {
  date: string;
  expected: number;
}

const post = (who: TestUser, body: unknown, headers?: Record<string, string>) =>
  call("POST", "/work-schedules", { token: who.token, body, headers });
async function created(who: TestUser, body: unknown) {
  const res = await post(who, body);
  if (res.status !== 201) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as Schedule;
}
async function newPosition(admin: TestUser, weekly_hours: number) {
  const res = await call("POST", "/positions", {
    token: admin.token,
    body: { title: `p${unique()}`.slice(0, 50), open_for_registration: true, weekly_hours },
  });
  return ((await res.json()) as { id: number }).id;
}
async function expected(who: TestUser, userId: number, from: string, to: string) {
  const res = await call("GET", `/users/${userId}/time-account?from=${from}&to=${to}`, { token: who.token });
  if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
  const days = ((await res.json()) as { days: Day[] }).days;
  return Object.fromEntries(days.map((d) => [d.date, d.expected / 3600]));
}
const week = [8, 8, 8, 8, 8, 0, 0];

describe("work schedules", () => {
  it("superusers add and remove them in one round trip each, audited; others may not", async () => {
    const { admin, manager, ann, stranger } = await createTeamWorld();
    const position = await newPosition(admin, 40);
    let schedule: Schedule | undefined;
    const trips = await countRoundTrips(async () => {
      schedule = await created(admin, {
        position_fk: position,
        effective_from: "2026-02-02",
        hours: [7.5, 7.5, 7.5, 7.5, 6, 0, 0],
      });
    });
    expect(trips).toBe(1);
    expect(schedule).toMatchObject({
      position_fk: position,
      user_fk: null,
      effective_from: "2026-02-02",
      hours: [7.5, 7.5, 7.5, 7.5, 6, 0, 0],
    });
    const mine = await created(admin, { user_fk: ann.id, effective_from: "2026-02-02", hours: week });

    expect(
      (await expectProblem(await post(ann, { user_fk: ann.id, effective_from: "2026-03-02", hours: week }), 403)).code,
    ).toBe("superuser_required");
    const again = await post(admin, { position_fk: position, effective_from: "2026-02-02", hours: week });
    expect((await expectProblem(again, 409)).code).toBe("schedule_exists");
    for (const bad of [
      { position_fk: position, user_fk: ann.id, effective_from: "2026-03-02", hours: week },
      { effective_from: "2026-03-02", hours: week },
      { user_fk: ann.id, effective_from: "2026-03-02", hours: [8, 8, 8, 8, 8, 0] },
      { user_fk: ann.id, effective_from: "2026-03-02", hours: [25, 8, 8, 8, 8, 0, 0] },
      { user_fk: ann.id, effective_from: "2026-03-02", hours: [8.001, 8, 8, 8, 8, 0, 0] },
      { user_fk: ann.id, effective_from: "1969-12-31", hours: week },
    ]) {
      expect((await expectProblem(await post(admin, bad), 422)).code).toBe("validation_failed");
    }
    expect(
      (await expectProblem(await post(admin, { user_fk: 2 ** 31 - 1, effective_from: "2026-03-02", hours: week }), 422))
        .code,
    ).toBe("unknown_user");

    // Reading: a position's is everyone's; a person's is theirs, their manager's, superusers'.
    for (const who of [ann, stranger]) {
      const res = await call("GET", `/work-schedules?position_fk=${position}`, { token: who.token });
      expect(((await res.json()) as { items: Schedule[] }).items.map((s) => s.id)).toEqual([schedule?.id]);
    }
    for (const who of [ann, manager, admin]) {
      const res = await call("GET", `/work-schedules?user_fk=${ann.id}`, { token: who.token });
      expect(((await res.json()) as { items: Schedule[] }).items.map((s) => s.id)).toEqual([mine.id]);
    }
    expect(
      (await expectProblem(await call("GET", `/work-schedules?user_fk=${ann.id}`, { token: stranger.token }), 403))
        .code,
    ).toBe("not_manager");
    // Unfiltered: positions' and the people's the caller may see, never a stranger's.
    const all = async (who: TestUser) =>
      (
        (await (await call("GET", "/work-schedules?limit=200", { token: who.token })).json()) as { items: Schedule[] }
      ).items.map((s) => s.id);
    expect(await all(manager)).toEqual(expect.arrayContaining([schedule?.id, mine.id]));
    expect(await all(stranger)).toContain(schedule?.id);
    expect(await all(stranger)).not.toContain(mine.id);
    expect(
      await countRoundTrips(() => call("GET", `/work-schedules?user_fk=${ann.id}`, { token: manager.token })),
    ).toBe(1);

    expect(
      (await expectProblem(await call("DELETE", `/work-schedules/${mine.id}`, { token: manager.token }), 403)).code,
    ).toBe("superuser_required");
    expect(
      await countRoundTrips(async () => {
        expect((await call("DELETE", `/work-schedules/${mine.id}`, { token: admin.token })).status).toBe(204);
      }),
    ).toBe(1);
    await expectProblem(await call("DELETE", `/work-schedules/${mine.id}`, { token: admin.token }), 404);
    const audit = await seedSql(
      "SELECT kind, chain FROM audit_event WHERE entity = 'work_schedule' AND entity_id = $1 ORDER BY seq",
      [String(mine.id)],
    );
    expect(audit).toEqual([
      { kind: "work_schedule.created", chain: ann.id },
      { kind: "work_schedule.deleted", chain: ann.id },
    ]);
  });

  it("a replayed Idempotency-Key adds one schedule", async () => {
    const admin = await createSuperuser();
    const ann = await createUser();
    const headers = { "idempotency-key": `k-${unique()}` };
    const body = { user_fk: ann.id, effective_from: "2026-04-06", hours: week };
    const first = await post(admin, body, headers);
    const second = await post(admin, body, headers);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await second.json()).toEqual(await first.json());
    expect(await seedSql("SELECT count(*)::int AS n FROM work_schedule WHERE user_fk = $1", [ann.id])).toEqual([
      { n: 1 },
    ]);
  });

  it("parallel requests for one owner and date: exactly one is added", async () => {
    const admin = await createSuperuser();
    const ann = await createUser();
    const body = { user_fk: ann.id, effective_from: "2026-05-04", hours: week };
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(admin, body)));
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    expect(await seedSql("SELECT count(*)::int AS n FROM work_schedule WHERE user_fk = $1", [ann.id])).toEqual([
      { n: 1 },
    ]);
  });

  it("precedence: the person's schedule, else their weekly_hours, else the position's schedule, else its weekly_hours", async () => {
    const admin = await createSuperuser();
    const position = await newPosition(admin, 30);
    const ann = await createUser({ position_fk: position });
    await seedSql("UPDATE app_user SET registered_at = '2026-01-01' WHERE id = $1", [ann.id]);
    await created(admin, { position_fk: position, effective_from: "2026-02-02", hours: [5, 5, 5, 5, 5, 0, 0] });
    await created(admin, { user_fk: ann.id, effective_from: "2026-02-16", hours: [4, 4, 4, 4, 4, 4, 0] });
    const days = await expected(admin, ann.id, "2026-01-26", "2026-02-22");
    // Before any dated schedule: the position's weekly_hours in Mon–Fri shares.
    expect([days["2026-01-26"], days["2026-01-31"]]).toEqual([6, 0]);
    expect([days["2026-02-02"], days["2026-02-07"]]).toEqual([5, 0]);
    expect([days["2026-02-16"], days["2026-02-21"], days["2026-02-22"]]).toEqual([4, 4, 0]);

    // The person's own weekly_hours outranks the position's schedule, not their own schedule.
    await seedSql("UPDATE app_user SET weekly_hours = 20 WHERE id = $1", [ann.id]);
    const own = await expected(ann, ann.id, "2026-02-09", "2026-02-16");
    expect([own["2026-02-09"], own["2026-02-16"]]).toEqual([4, 4]);
    expect(own["2026-02-14"]).toBe(0);
  });

  it("refuses schedules reaching into a submitted week or before the company lock", async () => {
    const { admin, ann, project } = await createTeamWorld();
    const position = await newPosition(admin, 40);
    const bob = await createUser({ position_fk: position });
    const early = await created(admin, { user_fk: bob.id, effective_from: "2026-08-03", hours: week });
    await addEntry(bob, project.id, new Date("2026-09-29T09:00:00Z"), new Date("2026-09-29T17:00:00Z"));
    expect((await call("POST", "/timesheets/2026-W40/submit", { token: bob.token })).status).toBe(200);

    // 2026-W40 is Sep 28 – Oct 4: a schedule from any date up to Oct 4 would change its expected time.
    for (const body of [
      { user_fk: bob.id, effective_from: "2026-10-04", hours: week },
      { position_fk: position, effective_from: "2026-09-01", hours: week },
    ]) {
      const problem = await expectProblem(await post(admin, body), 409);
      expect(problem).toMatchObject({ code: "period_locked", week: "2026-W40", user_fk: bob.id });
    }
    expect(
      (await expectProblem(await call("DELETE", `/work-schedules/${early.id}`, { token: admin.token }), 409)).code,
    ).toBe("period_locked");
    // After the week, and for people nobody has locked, it is fine.
    await created(admin, { user_fk: bob.id, effective_from: "2026-10-05", hours: week });
    await created(admin, { user_fk: ann.id, effective_from: "2026-09-01", hours: week });

    await seedSql("UPDATE company_settings SET locked_before = '2026-06-01T00:00:00Z'");
    try {
      const locked = await expectProblem(
        await post(admin, { user_fk: ann.id, effective_from: "2026-05-31", hours: week }),
        409,
      );
      expect(locked).toMatchObject({ code: "period_locked", locked_before: "2026-06-01T00:00:00.000Z" });
    } finally {
      await seedSql("UPDATE company_settings SET locked_before = NULL");
    }
  });
});
