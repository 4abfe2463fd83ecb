// Days an absence takes, balances per type and year, carry-over and its expiry, and the database
// refusing an overdraft — also when requests for different days race. Today is 2026-12-07 (the
// tests' clock is the real one; the dates below are chosen around it).
import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createSuperuser, createTeamWorld, createUser, seedSql, type TestUser } from "../helpers/factories";
import { createType, request, requested, VACATION } from "./helpers";

interface TypeBalance {
  type_fk: number;
  entitlement: number | null;
  carried_over: number;
  carried_over_expires: string | null;
  taken: number;
  planned: number;
  remaining: number | null;
}

async function balanceOf(who: TestUser, userId: number, year: number, typeId = VACATION) {
  const res = await call("GET", `/users/${userId}/absence-balance?year=${year}`, { token: who.token });
  if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
  const body = (await res.json()) as { year: number; types: TypeBalance[] };
  return body.types.find((t) => t.type_fk === typeId);
}

const allow = (admin: TestUser, userId: number, typeId: number, year: number, days: number) =>
  call("PUT", `/users/${userId}/allowances/${typeId}/${year}`, { token: admin.token, body: { days } });

/**
 * Balances start in the person's registration year (a fresh user's is 2026, whose unused days carry
 * into 2027); tests about one later year start the person there.
 */
async function registeredIn2027<T extends TestUser>(who: T): Promise<T> {
  await seedSql("UPDATE app_user SET registered_at = '2027-01-01T12:00:00Z' WHERE id = $1", [who.id]);
  return who;
}

/** Approved absences in the past, as they would have been approved then (the API cannot backdate). */
const seedApproved = (userId: number, from: string, to: string) =>
  seedSql(
    `INSERT INTO absence (user_fk, type_fk, first_day, last_day, status, requested_by)
     VALUES ($1, 1, $2, $3, 'approved', $1)`,
    [userId, from, to],
  );

describe("absence days and balances", () => {
  it("a Mon–Fri vacation over a public holiday takes 4 days; a full day on a half-day holiday 0.5", async () => {
    const ann = await registeredIn2027(await createUser());
    const [cal] = await seedSql("INSERT INTO holiday_calendar (name) VALUES ('DE-BY ' || $1) RETURNING id", [ann.id]);
    await seedSql(
      `INSERT INTO holiday (calendar_fk, day, name, half_day) VALUES ($1, '2027-05-13', 'Ascension', false),
         ($1, '2027-12-24', 'Christmas Eve', true)`,
      [cal?.id],
    );
    await seedSql("UPDATE app_user SET holiday_calendar_fk = $1 WHERE id = $2", [cal?.id, ann.id]);
    expect((await requested(ann, { from: "2027-05-10", to: "2027-05-16" })).days).toBe(4);
    expect((await requested(ann, { from: "2027-12-24", to: "2027-12-24" })).days).toBe(0.5);
    expect((await requested(ann, { from: "2027-12-25", to: "2027-12-26" })).days).toBe(0); // a weekend
    expect(await balanceOf(ann, ann.id, 2027)).toMatchObject({ entitlement: 25, planned: 4.5, remaining: 20.5 });
    // A day counts in its own year: over New Year, two days in 2027 and one in 2028.
    expect((await requested(ann, { from: "2027-12-30", to: "2028-01-03" })).days).toBe(3);
    expect(await balanceOf(ann, ann.id, 2027)).toMatchObject({ planned: 6.5, remaining: 18.5 });
    expect(await balanceOf(ann, ann.id, 2028)).toMatchObject({ carried_over: 5, planned: 1, remaining: 29 });
  });

  it("self, managers and superusers read a balance; others 403; one round trip", async () => {
    const { admin, manager, ann, bob, stranger } = await createTeamWorld();
    await requested(ann, { from: "2027-02-01", to: "2027-02-02" });
    let res: Response | undefined;
    expect(
      await countRoundTrips(async () => {
        res = await call("GET", `/users/${ann.id}/absence-balance?year=2027`, { token: manager.token });
      }),
    ).toBe(1);
    const body = (await res?.json()) as { user_fk: number; year: number; types: TypeBalance[] };
    expect(body).toMatchObject({ user_fk: ann.id, year: 2027 });
    expect(body.types.map((t) => t.type_fk)).toEqual([1, 2, 3]);
    // Registered in 2026 without taking a day: 5 of 2026's 25 carry into 2027 (issue 22 review F5).
    expect(body.types[0]).toMatchObject({ entitlement: 25, carried_over: 5, taken: 0, planned: 2, remaining: 28 });
    expect(body.types[1]).toMatchObject({ entitlement: null, remaining: null, taken: 0 });
    expect((await balanceOf(admin, ann.id, 2027))?.planned).toBe(2);
    for (const other of [bob, stranger]) {
      const refused = await call("GET", `/users/${ann.id}/absence-balance?year=2027`, { token: other.token });
      expect((await expectProblem(refused, 403)).code).toBe("not_manager");
    }
    await expectProblem(await call("GET", "/users/99999999/absence-balance", { token: admin.token }), 404);
    await expectProblem(await call("GET", `/users/${ann.id}/absence-balance?year=1969`, { token: ann.token }), 422);
    const thisYear = await call("GET", `/users/${ann.id}/absence-balance`, { token: ann.token });
    expect(((await thisYear.json()) as { year: number }).year).toBe(2026);
  });

  it("allowances: superusers set a person's entitlement for a year; beyond it is refused", async () => {
    const [admin, ann] = await Promise.all([createSuperuser(), createUser().then(registeredIn2027)]);
    let res: Response | undefined;
    expect(
      await countRoundTrips(async () => {
        res = await allow(admin, ann.id, VACATION, 2027, 2);
      }),
    ).toBe(1);
    expect(await res?.json()).toEqual({ user_fk: ann.id, type_fk: VACATION, year: 2027, days: 2 });
    expect((await expectProblem(await allow(ann, ann.id, VACATION, 2027, 30), 403)).code).toBe("superuser_required");
    await expectProblem(await allow(admin, 99999999, VACATION, 2027, 3), 404);
    await expectProblem(await allow(admin, ann.id, 99999, 2027, 3), 404);
    await expectProblem(await allow(admin, ann.id, VACATION, 2027, 0.3), 422);

    const over = await request(ann, { from: "2027-03-01", to: "2027-03-03" });
    expect((await expectProblem(over, 409)).code).toBe("insufficient_balance");
    await requested(ann, { from: "2027-03-01", to: "2027-03-02" });
    const half = await request(ann, { from: "2027-03-03", to: "2027-03-03", half_day: "am" });
    expect((await expectProblem(half, 409)).code).toBe("insufficient_balance");
    // Raised again, the same request fits.
    expect((await allow(admin, ann.id, VACATION, 2027, 2.5)).status).toBe(200);
    const morning = await requested(ann, { from: "2027-03-03", to: "2027-03-03", half_day: "am" });
    expect(morning.days).toBe(0.5);
    expect(await balanceOf(ann, ann.id, 2027)).toMatchObject({ entitlement: 2.5, remaining: 0 });
    // Making a requested half day a whole one is refused the same way.
    const whole = await call("PATCH", `/absences/${morning.id}`, { token: ann.token, body: { half_day: null } });
    expect((await expectProblem(whole, 409)).code).toBe("insufficient_balance");

    // A type that allows a negative balance takes it.
    const advance = await createType(admin, { annual_allowance_days: 1, allow_negative: true, needs_approval: false });
    expect((await requested(ann, { type_fk: advance.id, from: "2027-04-05", to: "2027-04-07" })).days).toBe(3);
    expect(await balanceOf(ann, ann.id, 2027, advance.id)).toMatchObject({ remaining: -2 });
    const audit = await seedSql(
      "SELECT count(*)::int AS n FROM audit_event WHERE kind = 'allowance.set' AND chain = $1",
      [ann.id],
    );
    expect(audit[0]?.n).toBe(2);
  });

  it("parallel requests for different days never overdraw together", async () => {
    const [admin, ann] = await Promise.all([createSuperuser(), createUser().then(registeredIn2027)]);
    await allow(admin, ann.id, VACATION, 2027, 3);
    const days = ["2027-09-06", "2027-09-07", "2027-09-08", "2027-09-09", "2027-09-10"];
    const results = await Promise.all(days.map((d) => request(ann, { from: d, to: d })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    for (const r of results.filter((x) => x.status !== 201)) {
      expect((await expectProblem(r, 409)).code).toBe("insufficient_balance");
    }
    expect(await balanceOf(ann, ann.id, 2027)).toMatchObject({ planned: 3, remaining: 0 });
  });

  it("carry-over: last year's rest up to 5 days; unused by 03-31 it lapses, and the next year's has not", async () => {
    const ann = await createUser();
    await seedSql("UPDATE app_user SET registered_at = '2026-06-01T12:00:00Z' WHERE id = $1", [ann.id]);
    // Registered in 2026, with 2025's history: an allowance for 2025 starts the balance there.
    await seedSql("INSERT INTO absence_allowance (user_fk, type_fk, year, days) VALUES ($1, 1, 2025, 25)", [ann.id]);
    // 2025: 22 of 25 days taken → 3 carried into 2026.
    await seedApproved(ann.id, "2025-08-04", "2025-08-29");
    await seedApproved(ann.id, "2025-09-01", "2025-09-02");
    // 2026: one day before the expiry, five after: of the 3 carried, only 1 was used in time.
    await seedApproved(ann.id, "2026-01-05", "2026-01-05");
    await seedApproved(ann.id, "2026-06-01", "2026-06-05");
    expect(await balanceOf(ann, ann.id, 2025)).toMatchObject({
      entitlement: 25,
      carried_over: 0,
      taken: 22,
      remaining: 3,
    });
    expect(await balanceOf(ann, ann.id, 2026)).toMatchObject({
      entitlement: 25,
      carried_over: 3,
      carried_over_expires: "2026-03-31",
      taken: 6,
      planned: 0,
      remaining: 20, // 25 + 1 usable − 6
    });
    // 2027: 5 of 2026's 20 carried (the cap), not yet expired on 2026-12-07: all usable.
    expect(await balanceOf(ann, ann.id, 2027)).toMatchObject({
      entitlement: 25,
      carried_over: 5,
      carried_over_expires: "2027-03-31",
      remaining: 30,
    });
    // Six weeks (30 days) fit, the 31st does not; spanning New Year counts in each year.
    await requested(ann, { from: "2027-01-04", to: "2027-02-12" });
    const more = await request(ann, { from: "2027-02-15", to: "2027-02-15" });
    expect((await expectProblem(more, 409)).code).toBe("insufficient_balance");
    // Over New Year: 2026 has the days, but 2027's day would overdraw it.
    const newYear = await request(ann, { from: "2026-12-30", to: "2027-01-01" });
    expect((await expectProblem(newYear, 409)).code).toBe("insufficient_balance");
    expect((await requested(ann, { from: "2026-12-30", to: "2026-12-31" })).days).toBe(2);
    expect(await balanceOf(ann, ann.id, 2026)).toMatchObject({ planned: 2, remaining: 18 });
    expect(await balanceOf(ann, ann.id, 2027)).toMatchObject({ carried_over: 5, planned: 30, remaining: 0 });
  });
});
