// The compliance tests' world: the company's rules set per test (one database per file, tests
// in order), a superuser, a project, and logs given as a start and a length.
import { expect } from "vitest";
import { call } from "../helpers/api";
import { addEntry, createProject, createSuperuser, seedSql, type TestUser } from "../helpers/factories";

/** Germany's ArbZG: over 6 h a 30-minute break, over 9 h 45 minutes. */
const ARBZG = [
  { after_hours: 6, minutes: 30 },
  { after_hours: 9, minutes: 45 },
];

export const world: { admin?: TestUser; project?: number } = {};

/** Sets the rules (ArbZG and no limits unless `body` says otherwise); makes the admin and project once. */
export async function rules(body: Record<string, unknown>) {
  world.admin ??= await createSuperuser();
  const defaults = { break_rules: ARBZG, max_daily_hours: null, min_rest_hours: null, break_deduction: "none" };
  const res = await call("PATCH", "/settings", { token: world.admin.token, body: { ...defaults, ...body } });
  expect(res.status).toBe(200);
  world.project ??= (await createProject(world.admin)).id;
  return { admin: world.admin, project: world.project };
}

/** A log of `user` from `start` (an instant) lasting `minutes`. */
export const work = (user: TestUser, start: string, minutes: number) =>
  addEntry(user, world.project ?? 0, new Date(start), new Date(Date.parse(start) + minutes * 60_000));

export async function report(user: TestUser, qs: string) {
  const res = await call("GET", `/reports/compliance?${qs}`, { token: user.token });
  expect(res.status).toBe(200);
  return (await res.json()) as { items: { user_fk: number; date: string; violations: Record<string, unknown>[] }[] };
}

/** work_days() of one date, as the time account reads it. */
export const workDays = async (user: TestUser, day: string) =>
  (await seedSql("SELECT * FROM work_days($1, $2, $2)", [user.id, day]))[0];
