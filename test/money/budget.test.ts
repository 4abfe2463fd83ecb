// Project budgets: time and money, total or per month, running timers counted to now, money only
// for superusers, and over-budget projects marked in reports.
import { beforeAll, describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { addEntry, createProject, createSuperuser, createUser, seedSql, type TestUser } from "../helpers/factories";

interface Budget {
  period: string;
  hours: { budget: number; used: number; remaining: number; percentage: number; exceeded: boolean } | null;
  amount: { budget: number; used: number; remaining: number; currency: string; exceeded: boolean } | null;
  exceeded: boolean;
}
let admin: TestUser;
let ann: TestUser;
const budgetOf = async (who: TestUser, id: number) => {
  const res = await call("GET", `/projects/${id}/budget`, { token: who.token });
  if (res.status !== 200) throw new Error(`budget: ${res.status} ${await res.text()}`);
  return (await res.json()) as Budget;
};
beforeAll(async () => {
  admin = await createSuperuser();
  ann = await createUser();
});

describe("project budgets", () => {
  it("count used time and money, a running timer up to now, and say when they are exceeded", async () => {
    const p = await createProject(admin, { budget_hours: 2, budget_amount: 10_000 });
    expect(p).toMatchObject({ budget_hours: 2, budget_amount: 10_000, budget_period: "total" });
    await call("POST", "/rates/", {
      token: admin.token,
      body: { kind: "billable", amount: 6_000, effective_from: "2020-01-01", project_fk: p.id },
    });
    await addEntry(ann, p.id, new Date("2026-01-05T09:00:00Z"), new Date("2026-01-05T10:00:00Z"));
    const half = await budgetOf(admin, p.id);
    expect(half.hours).toEqual({ budget: 2, used: 1, remaining: 1, percentage: 50, exceeded: false });
    expect(half.amount).toMatchObject({
      budget: 10_000,
      used: 6_000,
      remaining: 4_000,
      currency: "EUR",
      exceeded: false,
    });
    expect(half.exceeded).toBe(false);
    // An employee sees the hours, never the money: not here, not in the project itself.
    const seen = await budgetOf(ann, p.id);
    expect(seen.hours?.used).toBe(1);
    expect(seen.amount).toBeNull();
    const asAnn = await (await call("GET", `/projects/${p.id}`, { token: ann.token })).json();
    expect(asAnn).toMatchObject({ budget_hours: 2, budget_amount: null });
    const listed = (await (await call("GET", "/projects/", { token: ann.token })).json()) as {
      items: { budget_amount: number | null }[];
    };
    expect(listed.items.every((x) => x.budget_amount === null)).toBe(true);
    const asAdmin = await (await call("GET", `/projects/${p.id}`, { token: admin.token })).json();
    expect(asAdmin).toMatchObject({ budget_amount: 10_000 });
    // A timer that has run for 90 minutes counts up to now.
    await seedSql(
      "INSERT INTO timelog (user_fk, project_fk, start_time) VALUES ($1, $2, date_trunc('milliseconds', now()) - interval '90 minutes')",
      [ann.id, p.id],
    );
    const over = await budgetOf(admin, p.id);
    expect(over.hours?.used).toBeGreaterThanOrEqual(2.5);
    expect(over.hours?.exceeded).toBe(true);
    expect(over.amount?.used).toBeGreaterThanOrEqual(15_000);
    expect(over.exceeded).toBe(true);
    const report = await call("GET", "/reports/summary?from=2026-01-01&to=2026-01-31&group_by=project", {
      token: admin.token,
    });
    const groups = ((await report.json()) as { groups: { project_fk: number; over_budget?: boolean }[] }).groups;
    expect(groups.find((g) => g.project_fk === p.id)?.over_budget).toBe(true);
    expect(await countRoundTrips(() => budgetOf(admin, p.id))).toBe(1);
  });

  it("a monthly budget counts this month only; no budget is nulls; bad budgets are refused", async () => {
    const p = await createProject(admin, { budget_hours: 10, budget_period: "month" });
    await addEntry(ann, p.id, new Date("2025-01-05T09:00:00Z"), new Date("2025-01-05T19:00:00Z"));
    const month = await budgetOf(admin, p.id);
    expect(month).toMatchObject({ period: "month", hours: { used: 0, exceeded: false }, amount: null });
    const none = await budgetOf(admin, (await createProject(admin)).id);
    expect(none).toMatchObject({ hours: null, amount: null, exceeded: false });
    for (const body of [{ budget_hours: 0 }, { budget_hours: -1 }, { budget_amount: 1.5 }, { budget_period: "week" }]) {
      await expectProblem(await call("PATCH", `/projects/${p.id}`, { token: admin.token, body }), 422);
    }
    await expectProblem(await call("GET", "/projects/999999/budget", { token: ann.token }), 404);
  });
});
