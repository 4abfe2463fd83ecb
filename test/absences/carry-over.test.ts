// The balance across years (issue 22 review F2–F5): carry-over starts in the registration year,
// carried days pay only for days up to their expiry, and a request may not overdraw a later year
// through the carry it takes away. Today is 2026-12-07 (the tests' clock is the real one).
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../helpers/api";
import { createSuperuser, createUser, seedSql, type TestUser, unique } from "../helpers/factories";
import { act, createType, request, requested, SICK, VACATION } from "./helpers";

async function balanceOf(who: TestUser, year: number, typeId: number) {
  const res = await call("GET", `/users/${who.id}/absence-balance?year=${year}`, { token: who.token });
  expect(res.status).toBe(200);
  const body = (await res.json()) as {
    types: { type_fk: number; carried_over: number; planned: number; remaining: number }[];
  };
  return body.types.find((t) => t.type_fk === typeId);
}

/** A person registered on 2027-01-01, so 2027 is their first year (nothing carried into it). */
async function newcomer() {
  const ann = await createUser();
  await seedSql("UPDATE app_user SET registered_at = '2027-01-01T12:00:00Z' WHERE id = $1", [ann.id]);
  return ann;
}

/** 10 days a year, up to 5 carried into the next until 03-31, no approval needed. */
async function tenDays() {
  const admin = await createSuperuser();
  return createType(admin, {
    needs_approval: false,
    annual_allowance_days: 10,
    carry_over_days: 5,
    carry_over_expires: "03-31",
  });
}

describe("balances across years", () => {
  it("F2: a morning and an afternoon off on a half-day holiday take half a day of the balance", async () => {
    const ann = await newcomer();
    const [cal] = await seedSql("INSERT INTO holiday_calendar (name) VALUES ($1) RETURNING id", [`cal ${unique()}`]);
    await seedSql("INSERT INTO holiday (calendar_fk, day, name, half_day) VALUES ($1, '2027-12-24', 'Eve', true)", [
      cal?.id,
    ]);
    await seedSql("UPDATE app_user SET holiday_calendar_fk = $1 WHERE id = $2", [cal?.id, ann.id]);
    const am = await requested(ann, { from: "2027-12-24", to: "2027-12-24", half_day: "am" });
    const pm = await requested(ann, { from: "2027-12-24", to: "2027-12-24", half_day: "pm" });
    expect([am.days, pm.days]).toEqual([0.5, 0]);
    expect(await balanceOf(ann, 2027, VACATION)).toMatchObject({ planned: 0.5, remaining: 24.5 });
  });

  it("F3: a request may not overdraw a later year by taking away its carry-over", async () => {
    const [type, ann] = await Promise.all([tenDays(), newcomer()]);
    await requested(ann, { type_fk: type.id, from: "2027-01-04", to: "2027-01-08" }); // 5 of 10: 5 carried
    const feb = await requested(ann, { type_fk: type.id, from: "2028-02-07", to: "2028-02-25" }); // 15 = 10 + 5
    expect(await balanceOf(ann, 2028, type.id)).toMatchObject({ carried_over: 5, planned: 15, remaining: 0 });
    // 2027 could pay for these five days, but 2028 would lose its carry and go to −5.
    const june = await request(ann, { type_fk: type.id, from: "2027-06-07", to: "2027-06-11" });
    expect(await expectProblem(june, 409)).toMatchObject({ code: "insufficient_balance", year: 2028 });
    expect(await balanceOf(ann, 2028, type.id)).toMatchObject({ carried_over: 5, remaining: 0 });
    // Once 2028 no longer needs the carry, the same days fit.
    expect((await act(ann, feb.id, "cancel")).status).toBe(200);
    expect((await requested(ann, { type_fk: type.id, from: "2027-06-07", to: "2027-06-11" })).days).toBe(5);
    expect(await balanceOf(ann, 2028, type.id)).toMatchObject({ carried_over: 0, remaining: 10 });
  });

  it("F4: carried-over days pay only for days up to their expiry, whatever today is", async () => {
    const [type, ann] = await Promise.all([tenDays(), newcomer()]);
    await requested(ann, { type_fk: type.id, from: "2027-01-04", to: "2027-01-08" }); // 5 carried into 2028
    // 15 days in August 2028: only the 10 of 2028 are usable then (the carried 5 lapse on 03-31).
    const august = await request(ann, { type_fk: type.id, from: "2028-08-07", to: "2028-08-25" });
    expect(await expectProblem(august, 409)).toMatchObject({ code: "insufficient_balance", year: 2028 });
    expect((await requested(ann, { type_fk: type.id, from: "2028-08-07", to: "2028-08-18" })).days).toBe(10);
    // The carried 5 still pay for March (before the expiry), not one day more.
    expect((await requested(ann, { type_fk: type.id, from: "2028-03-06", to: "2028-03-10" })).days).toBe(5);
    const more = await request(ann, { type_fk: type.id, from: "2028-03-13", to: "2028-03-13" });
    expect((await expectProblem(more, 409)).code).toBe("insufficient_balance");
    // Today's view (before the expiry) shows all carried days.
    expect(await balanceOf(ann, 2028, type.id)).toMatchObject({ carried_over: 5, planned: 15, remaining: 0 });
  });

  it("F5: a 0-day absence before the registration year buys no carry-over; cancelling it overdraws nothing", async () => {
    const [type, ann] = await Promise.all([tenDays(), newcomer()]);
    const ask = (from: string, to = from) =>
      call("POST", "/absences", { token: ann.token, body: { type_fk: type.id, from, to } });
    await requested(ann, { type_fk: type.id, from: "2027-02-01", to: "2027-02-12" }); // 10 days: 0 left
    expect((await expectProblem(await ask("2027-03-01"), 409)).code).toBe("insufficient_balance");
    const weekend = await requested(ann, { type_fk: type.id, from: "2026-12-26", to: "2026-12-27" }); // Sat–Sun
    expect(weekend.days).toBe(0);
    expect((await expectProblem(await ask("2027-03-01"), 409)).code).toBe("insufficient_balance");
    expect((await act(ann, weekend.id, "cancel")).status).toBe(200);
    expect(await balanceOf(ann, 2027, type.id)).toMatchObject({ carried_over: 0, remaining: 0 });
  });

  it("F5: carry-over starts in the registration year, whether or not the person took a day off in it", async () => {
    const ann = await createUser(); // registered in 2026: Vacation's 25 unused, 5 carried into 2027
    await seedSql("UPDATE app_user SET registered_at = '2026-06-01T12:00:00Z' WHERE id = $1", [ann.id]);
    expect(await balanceOf(ann, 2027, VACATION)).toMatchObject({ carried_over: 5, remaining: 30 });
    await requested(ann, { from: "2026-12-26", to: "2026-12-26" }); // a Saturday: 0 days
    expect(await balanceOf(ann, 2027, VACATION)).toMatchObject({ carried_over: 5, remaining: 30 });
    // An allowance for an earlier year (history before registration) starts the balance there.
    await seedSql("INSERT INTO absence_allowance (user_fk, type_fk, year, days) VALUES ($1, 1, 2025, 25)", [ann.id]);
    await seedSql(
      "INSERT INTO absence (user_fk, type_fk, first_day, last_day, status, requested_by) VALUES ($1, 1, '2025-01-06', '2025-02-07', 'approved', $1)",
      [ann.id],
    ); // 25 days in 2025: nothing left to carry into 2026
    expect(await balanceOf(ann, 2026, VACATION)).toMatchObject({ carried_over: 0, remaining: 25 });
  });

  it("a type without an annual allowance is unlimited, unless the person has an allowance for it", async () => {
    const [admin, ann] = await Promise.all([createSuperuser(), newcomer()]);
    const sick = (from: string, to: string) => request(ann, { type_fk: SICK, from, to });
    expect((await sick("2027-09-06", "2027-09-17")).status).toBe(201); // 10 days: no limit
    const put = await call("PUT", `/users/${ann.id}/allowances/${SICK}/2028`, {
      token: admin.token,
      body: { days: 1 },
    });
    expect(put.status).toBe(200);
    expect(await expectProblem(await sick("2028-09-04", "2028-09-05"), 409)).toMatchObject({ year: 2028 });
    expect((await sick("2028-09-04", "2028-09-04")).status).toBe(201);
  });
});
