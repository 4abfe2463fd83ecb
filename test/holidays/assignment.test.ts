// Which calendar counts: the company's default (PATCH /settings) and a person's own (PATCH /users/{id}).
import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createSuperuser, createUser, seedSql, unique } from "../helpers/factories";

async function createCalendar(token: string) {
  const res = await call("POST", "/holiday-calendars", { token, body: { name: `cal-${unique()}` } });
  return (await res.json()) as { id: number };
}

describe("holiday_calendar_fk", () => {
  it("the company's default is a setting superusers change; an unknown calendar is 422, not 500", async () => {
    const [admin, ann] = await Promise.all([createSuperuser(), createUser()]);
    const cal = await createCalendar(admin.token);
    expect(await (await call("GET", "/settings", { token: ann.token })).json()).toMatchObject({
      holiday_calendar_fk: null,
    });
    const set = await call("PATCH", "/settings", { token: admin.token, body: { holiday_calendar_fk: cal.id } });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ holiday_calendar_fk: cal.id });
    expect(await (await call("GET", "/settings", { token: ann.token })).json()).toMatchObject({
      holiday_calendar_fk: cal.id,
    });
    const unknown = await call("PATCH", "/settings", { token: admin.token, body: { holiday_calendar_fk: 2147483647 } });
    expect(await expectProblem(unknown, 422)).toMatchObject({ code: "unknown_holiday_calendar" });
    const denied = await call("PATCH", "/settings", { token: ann.token, body: { holiday_calendar_fk: null } });
    await expectProblem(denied, 403);
    const cleared = await call("PATCH", "/settings", { token: admin.token, body: { holiday_calendar_fk: null } });
    expect(await cleared.json()).toMatchObject({ holiday_calendar_fk: null });
  });

  it("a person's own calendar: superusers set it (audited as user.updated), null returns to the company's", async () => {
    const [admin, ann] = await Promise.all([createSuperuser(), createUser()]);
    const cal = await createCalendar(admin.token);
    expect(await (await call("GET", "/users/me", { token: ann.token })).json()).toMatchObject({
      holiday_calendar_fk: null,
    });
    let res: Response | undefined;
    const trips = await countRoundTrips(async () => {
      res = await call("PATCH", `/users/${ann.id}`, { token: admin.token, body: { holiday_calendar_fk: cal.id } });
    });
    expect(trips).toBe(1);
    expect(res?.status).toBe(200);
    expect(await res?.json()).toMatchObject({ id: ann.id, holiday_calendar_fk: cal.id });
    expect(await (await call("GET", "/users/me", { token: ann.token })).json()).toMatchObject({
      holiday_calendar_fk: cal.id,
    });
    const [event] = await seedSql(
      "SELECT actor_fk, before, after FROM audit_event WHERE kind = 'user.updated' AND entity_id = $1 ORDER BY id DESC LIMIT 1",
      [String(ann.id)],
    );
    expect(event).toMatchObject({
      actor_fk: admin.id,
      before: { holiday_calendar_fk: null },
      after: { holiday_calendar_fk: cal.id },
    });

    const unknown = await call("PATCH", `/users/${ann.id}`, {
      token: admin.token,
      body: { holiday_calendar_fk: 2147483647 },
    });
    expect(await expectProblem(unknown, 422)).toMatchObject({ code: "unknown_holiday_calendar" });
    // Nobody picks their own calendar: it decides their expected hours.
    const own = await call("PATCH", `/users/${ann.id}`, { token: ann.token, body: { holiday_calendar_fk: null } });
    await expectProblem(own, 403);
    await expectProblem(
      await call("PATCH", "/users/me", { token: ann.token, body: { holiday_calendar_fk: null } }),
      422,
    );
    const back = await call("PATCH", `/users/${ann.id}`, { token: admin.token, body: { holiday_calendar_fk: null } });
    expect(await back.json()).toMatchObject({ holiday_calendar_fk: null });
  });
});
