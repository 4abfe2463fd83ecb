// Holiday calendars and their days through HTTP: who may write, upserts, the payroll lock, audit.
import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createSuperuser, createUser, seedSql, unique } from "../helpers/factories";

const dayPath = (calendar: number, date: string) => `/holiday-calendars/${calendar}/days/${date}`;

async function createCalendar(token: string, name = `cal-${unique()}`) {
  const res = await call("POST", "/holiday-calendars", { token, body: { name, region: "DE-BY" } });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: number; name: string; region: string | null };
}

const auditOf = (kind: string, entityId: string) =>
  seedSql("SELECT kind, actor_fk, before, after FROM audit_event WHERE kind = $1 AND entity_id = $2 ORDER BY id", [
    kind,
    entityId,
  ]);

describe("holiday calendars", () => {
  it("superusers create them (audited); everyone signed in reads them; a taken name is 409", async () => {
    const [admin, ann] = await Promise.all([createSuperuser(), createUser()]);
    const name = `Bavaria ${unique()}`;
    const res = await call("POST", "/holiday-calendars", { token: admin.token, body: { name, region: "DE-BY" } });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: number };
    expect(created).toMatchObject({ name, region: "DE-BY" });
    expect(res.headers.get("location")).toBe(`/holiday-calendars/${created.id}`);
    expect(await auditOf("holiday_calendar.created", String(created.id))).toMatchObject([
      { actor_fk: admin.id, before: null, after: { id: created.id, name } },
    ]);

    const one = await call("GET", `/holiday-calendars/${created.id}`, { token: ann.token });
    expect(await one.json()).toEqual(created);
    const page = (await (await call("GET", "/holiday-calendars?limit=200", { token: ann.token })).json()) as {
      items: { id: number }[];
    };
    expect(page.items.map((c) => c.id)).toContain(created.id);
    const bad = await call("GET", "/holiday-calendars?cursor=not-ours", { token: ann.token });
    expect(await expectProblem(bad, 422)).toMatchObject({ code: "invalid_cursor" });

    const taken = await call("POST", "/holiday-calendars", { token: admin.token, body: { name } });
    expect(await expectProblem(taken, 409)).toMatchObject({ code: "name_taken" });
    const denied = await call("POST", "/holiday-calendars", { token: ann.token, body: { name: `x-${unique()}` } });
    expect(await expectProblem(denied, 403)).toMatchObject({ code: "superuser_required" });
    await expectProblem(await call("GET", "/holiday-calendars/2147483647", { token: ann.token }), 404);
    await expectProblem(
      await call("POST", "/holiday-calendars", { token: admin.token, body: { name: "a", extra: 1 } }),
      422,
    );
  });

  it("PUT adds a day (201), replaces it (200), and the same PUT again changes and audits nothing", async () => {
    const [admin, ann] = await Promise.all([createSuperuser(), createUser()]);
    const cal = await createCalendar(admin.token);
    const path = dayPath(cal.id, "2027-12-24");
    const first = await call("PUT", path, { token: admin.token, body: { name: "Heiligabend", half_day: true } });
    expect(first.status).toBe(201);
    expect(first.headers.get("location")).toBe(path);
    const set = { calendar_fk: cal.id, date: "2027-12-24", name: "Heiligabend", half_day: true };
    expect(await first.json()).toEqual(set);

    const again = await call("PUT", path, { token: admin.token, body: { name: "Heiligabend", half_day: true } });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(set);
    const renamed = await call("PUT", path, { token: admin.token, body: { name: "Christmas Eve" } });
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toEqual({ ...set, name: "Christmas Eve", half_day: false });
    // Created once, changed once: the unchanged PUT left no event.
    const events = await auditOf("holiday.set", `${cal.id}/2027-12-24`);
    expect(events).toMatchObject([
      { actor_fk: admin.id, before: null, after: set },
      { before: set, after: { ...set, name: "Christmas Eve", half_day: false } },
    ]);

    // Everyone signed in reads the day and the year; other years are empty.
    expect(await (await call("GET", path, { token: ann.token })).json()).toMatchObject({ name: "Christmas Eve" });
    await call("PUT", dayPath(cal.id, "2027-01-06"), { token: admin.token, body: { name: "Epiphany" } });
    await call("PUT", dayPath(cal.id, "2028-01-01"), { token: admin.token, body: { name: "New Year" } });
    const year = await call("GET", `/holiday-calendars/${cal.id}/days?year=2027`, { token: ann.token });
    expect(((await year.json()) as { items: { date: string }[] }).items.map((d) => d.date)).toEqual([
      "2027-01-06",
      "2027-12-24",
    ]);
    const empty = await call("GET", `/holiday-calendars/${cal.id}/days?year=2030`, { token: ann.token });
    expect(await empty.json()).toEqual({ items: [] });

    const gone = await call("DELETE", path, { token: admin.token });
    expect(gone.status).toBe(204);
    expect(await auditOf("holiday.deleted", `${cal.id}/2027-12-24`)).toMatchObject([
      { before: { ...set, name: "Christmas Eve", half_day: false }, after: null },
    ]);
    await expectProblem(await call("GET", path, { token: ann.token }), 404);
    await expectProblem(await call("DELETE", path, { token: admin.token }), 404);
  });

  it("a retried PUT with its Idempotency-Key answers the first response, 201 included", async () => {
    const admin = await createSuperuser();
    const cal = await createCalendar(admin.token);
    const opts = { token: admin.token, body: { name: "Day" }, headers: { "idempotency-key": `k-${unique()}` } };
    const first = await call("PUT", dayPath(cal.id, "2027-05-01"), opts);
    const retry = await call("PUT", dayPath(cal.id, "2027-05-01"), opts);
    expect([first.status, retry.status]).toEqual([201, 201]);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await retry.json()).toEqual(await first.json());
  });

  it("refuses members (403), unknown calendars (404) and dates outside 1970–9998 or malformed (422)", async () => {
    const [admin, ann] = await Promise.all([createSuperuser(), createUser()]);
    const cal = await createCalendar(admin.token);
    const denied = await call("PUT", dayPath(cal.id, "2027-03-01"), { token: ann.token, body: { name: "Mine" } });
    expect(await expectProblem(denied, 403)).toMatchObject({ code: "superuser_required" });
    await expectProblem(await call("DELETE", dayPath(cal.id, "2027-03-01"), { token: ann.token }), 403);
    const unknown = await call("PUT", dayPath(2147483647, "2027-03-01"), { token: admin.token, body: { name: "x" } });
    expect(await expectProblem(unknown, 404)).toMatchObject({ code: "not_found" });
    await expectProblem(await call("GET", "/holiday-calendars/2147483647/days?year=2027", { token: ann.token }), 404);
    for (const date of ["1969-12-31", "9999-01-01", "2027-02-30", "2027-1-1", "tomorrow"]) {
      await expectProblem(await call("PUT", dayPath(cal.id, date), { token: admin.token, body: { name: "x" } }), 422);
    }
    for (const year of ["1969", "9999", "2027.5", ""]) {
      const res = await call("GET", `/holiday-calendars/${cal.id}/days?year=${year}`, { token: ann.token });
      await expectProblem(res, 422);
    }
    const long = await call("PUT", dayPath(cal.id, "2027-03-01"), {
      token: admin.token,
      body: { name: "n".repeat(101) },
    });
    await expectProblem(long, 422);
    // The bounds themselves are dates like any other.
    for (const date of ["1970-01-01", "9998-12-31"]) {
      expect((await call("PUT", dayPath(cal.id, date), { token: admin.token, body: { name: "edge" } })).status).toBe(
        201,
      );
    }
  });

  it("parallel PUTs of one new day: exactly one creates it, the others find it (one row, one event)", async () => {
    const admin = await createSuperuser();
    const cal = await createCalendar(admin.token);
    const put = () => call("PUT", dayPath(cal.id, "2027-08-15"), { token: admin.token, body: { name: "Assumption" } });
    const statuses = (await Promise.all(Array.from({ length: 6 }, put))).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 201]);
    expect(await auditOf("holiday.set", `${cal.id}/2027-08-15`)).toHaveLength(1);
  });

  it("every operation is one round trip", async () => {
    const [admin, ann] = await Promise.all([createSuperuser(), createUser()]);
    const cal = await createCalendar(admin.token);
    const path = dayPath(cal.id, "2027-10-03");
    const trips = [
      await countRoundTrips(() => call("POST", "/holiday-calendars", { token: admin.token, body: { name: unique() } })),
      await countRoundTrips(() => call("GET", "/holiday-calendars", { token: ann.token })),
      await countRoundTrips(() => call("GET", `/holiday-calendars/${cal.id}`, { token: ann.token })),
      await countRoundTrips(() => call("PUT", path, { token: admin.token, body: { name: "Unity" } })),
      await countRoundTrips(() => call("GET", path, { token: ann.token })),
      await countRoundTrips(() => call("GET", `/holiday-calendars/${cal.id}/days?year=2027`, { token: ann.token })),
      await countRoundTrips(() => call("DELETE", path, { token: admin.token })),
    ];
    expect(trips).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });
});

describe("the payroll lock over holiday days", () => {
  it("a day starting before the lock cannot be added, changed or removed; the lock's own day can", async () => {
    const admin = await createSuperuser();
    const cal = await createCalendar(admin.token);
    await call("PUT", dayPath(cal.id, "2026-05-01"), { token: admin.token, body: { name: "Labour Day" } });
    // The lock at the start of 2026-06-01 in the company's zone (days start there).
    const [{ at }] = (await seedSql(
      "SELECT api_time('2026-06-01'::timestamp AT TIME ZONE default_time_zone) AS at FROM company_settings",
    )) as [{ at: string }];
    const lock = await call("PUT", "/settings/lock", { token: admin.token, body: { locked_before: at } });
    expect(lock.status).toBe(200);
    try {
      const refusals = [
        await call("PUT", dayPath(cal.id, "2026-05-31"), { token: admin.token, body: { name: "New" } }),
        await call("PUT", dayPath(cal.id, "2026-05-01"), { token: admin.token, body: { name: "Renamed" } }),
        await call("DELETE", dayPath(cal.id, "2026-05-01"), { token: admin.token }),
      ];
      for (const res of refusals) {
        expect(await expectProblem(res, 409)).toMatchObject({ code: "period_locked", locked_before: at });
      }
      // Unchanged is no change (an import may be re-run over closed months).
      const same = await call("PUT", dayPath(cal.id, "2026-05-01"), {
        token: admin.token,
        body: { name: "Labour Day" },
      });
      expect(same.status).toBe(200);
      const open = await call("PUT", dayPath(cal.id, "2026-06-01"), { token: admin.token, body: { name: "Open" } });
      expect(open.status).toBe(201);
      const [row] = await seedSql("SELECT name FROM holiday WHERE calendar_fk = $1 AND day = '2026-05-01'", [cal.id]);
      expect(row).toEqual({ name: "Labour Day" });
    } finally {
      await call("PUT", "/settings/lock", { token: admin.token, body: { locked_before: null } });
    }
  });
});
