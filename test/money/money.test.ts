// Money, exact to the minor unit: the rate card, effective dating, the rounding rule on awkward
// values, who sees which amounts, and totals that reconcile across a rate change and a DST switch.
import { parse } from "csv-parse/browser/esm/sync";
import { beforeAll, describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { addEntry, createProject, createTeamWorld, createUser, type TestUser } from "../helpers/factories";

/** Seconds as the reports count them: whole milliseconds. */
const ms = (seconds: number) => Math.round(seconds * 1000);

interface Group {
  project_fk?: number;
  period?: string;
  duration_ms: number;
  billable_ms: number;
  billable_amount?: number;
  cost?: number;
  margin?: number;
}
interface Summary {
  total_ms: number;
  groups: Group[];
  currency?: string;
  total_billable_amount?: number;
  total_cost?: number;
  total_margin?: number;
}

let world: Awaited<ReturnType<typeof createTeamWorld>>;
let admin: TestUser;
const rate = async (body: Record<string, unknown>) => {
  const res = await call("POST", "/rates/", { token: admin.token, body });
  if (res.status !== 201) throw new Error(`rate: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: number };
};
const summary = async (who: TestUser, query: string) => {
  const res = await call("GET", `/reports/summary?${query}`, { token: who.token });
  if (res.status !== 200) throw new Error(`summary: ${res.status} ${await res.text()}`);
  return (await res.json()) as Summary;
};
const at = (s: string) => new Date(s);

beforeAll(async () => {
  world = await createTeamWorld();
  admin = world.admin;
});

describe("the rate card", () => {
  it("is superusers' only, checked by the database, and fixes the currency", async () => {
    const p = await createProject(admin);
    await expectProblem(
      await call("POST", "/rates/", {
        token: world.manager.token,
        body: { kind: "billable", amount: 100, effective_from: "2026-01-01", project_fk: p.id },
      }),
      403,
    );
    await expectProblem(await call("GET", "/rates/", { token: world.ann.token }), 403);
    const bad = [
      { kind: "billable", amount: 100, effective_from: "2026-01-01" },
      { kind: "cost", amount: 100, effective_from: "2026-01-01", user_fk: world.ann.id, position_fk: 1 },
      { kind: "cost", amount: -1, effective_from: "2026-01-01", position_fk: 1 },
      { kind: "cost", amount: 1.5, effective_from: "2026-01-01", position_fk: 1 },
      { kind: "cost", amount: 100, effective_from: "2026-02-30", position_fk: 1 },
      { kind: "cost", amount: 2 ** 53, effective_from: "2026-01-01", position_fk: 1 },
    ];
    for (const body of bad) await expectProblem(await call("POST", "/rates/", { token: admin.token, body }), 422);
    const unknown = await call("POST", "/rates/", {
      token: admin.token,
      body: { kind: "billable", amount: 1, effective_from: "2026-01-01", project_fk: 999999 },
    });
    expect((await expectProblem(unknown, 422)).code).toBe("unknown_project");
    const first = { kind: "billable", amount: 100, effective_from: "2026-01-01", project_fk: p.id };
    const created = await rate(first);
    expect(created).toMatchObject({ ...first, currency: "EUR", user_fk: null, position_fk: null });
    const twice = await expectProblem(await call("POST", "/rates/", { token: admin.token, body: first }), 409);
    expect(twice.code).toBe("rate_exists");
    const currency = await call("PATCH", "/settings/", { token: admin.token, body: { currency: "USD" } });
    expect((await expectProblem(currency, 409)).code).toBe("currency_in_use");
    const listed = await (await call("GET", `/rates/?project_fk=${p.id}`, { token: admin.token })).json();
    expect((listed as { items: { id: number }[] }).items.map((r) => r.id)).toEqual([created.id]);
    expect(await countRoundTrips(() => call("DELETE", `/rates/${created.id}`, { token: admin.token }))).toBe(1);
    await expectProblem(await call("DELETE", `/rates/${created.id}`, { token: admin.token }), 404);
  });
});

describe("amounts", () => {
  it("round half to even per log: 0.5 → 0, 1.5 → 2, 2.5 → 2, and never lose a cent on big numbers", async () => {
    const who = await createUser();
    const cases = [
      { rate: 1, minutes: 30, want: 0 },
      { rate: 1, minutes: 90, want: 2 },
      { rate: 1, minutes: 150, want: 2 },
      { rate: 3, minutes: 10, want: 0 }, // 0.5
      { rate: 3, minutes: 30, want: 2 }, // 1.5
      { rate: 99_999_999_999, minutes: 1, want: 1_666_666_667 }, // 1,666,666,666.65
      { rate: 100_000_000_000, minutes: 600, want: 1_000_000_000_000 },
      { rate: 12_345, minutes: 7, want: 1_440 }, // 1,440.25
      // 1,302,608,567,548.99998: a numeric quotient rounded to its scale first made this …549.
      { rate: 70_080_280_338, minutes: 66_914_556 / 60_000, want: 1_302_608_567_548 },
      // Past 25.6 hours rate × ms no longer fits 63 bits: the hours are priced apart.
      { rate: 100_000_000_000, minutes: 100_000_000 / 60_000, want: 2_777_777_777_778 },
    ];
    const projects: number[] = [];
    for (const [i, c] of cases.entries()) {
      const p = await createProject(admin);
      projects.push(p.id);
      await rate({ kind: "billable", amount: c.rate, effective_from: "2026-01-01", project_fk: p.id });
      const start = at(`2026-02-${String(i + 1).padStart(2, "0")}T08:00:00Z`);
      await addEntry(who, p.id, start, new Date(start.getTime() + c.minutes * 60_000));
    }
    const s = await summary(admin, `from=2026-02-01&to=2026-03-01&user_fk=${who.id}&group_by=project`);
    expect(s.groups.map((g) => g.billable_amount)).toEqual(cases.map((c) => c.want));
    expect(s.total_billable_amount).toBe(cases.reduce((a, c) => a + c.want, 0));
    for (const g of s.groups) expect(Number.isInteger(g.billable_amount)).toBe(true);
    // A budget prices with the same rule (money_for, in numeric).
    const big = projects.at(-2);
    await call("PATCH", `/projects/${big}`, { token: admin.token, body: { budget_amount: 1 } });
    const budget = await call("GET", `/projects/${big}/budget`, { token: admin.token });
    expect(((await budget.json()) as { amount: { used: number } }).amount.used).toBe(1_302_608_567_548);
  });

  it("a rate change mid-month over a DST switch: each log at its day's rate; groups, totals and older reports agree", async () => {
    await call("PATCH", "/settings/", { token: admin.token, body: { default_time_zone: "Europe/Berlin" } });
    const p = await createProject(admin);
    const { ann } = world;
    await rate({ kind: "billable", amount: 10_000, effective_from: "2026-03-01", project_fk: p.id });
    await rate({ kind: "billable", amount: 20_000, effective_from: "2026-03-29", project_fk: p.id });
    await rate({
      kind: "billable",
      amount: 30_000,
      effective_from: "2026-03-29",
      project_fk: p.id,
      user_fk: world.bob.id,
    });
    await rate({ kind: "cost", amount: 4_000, effective_from: "2026-01-01", position_fk: 1 });
    await rate({ kind: "cost", amount: 5_000, effective_from: "2026-03-15", user_fk: ann.id });
    // Starts on the 28th in Berlin (before the change), ends after the clocks went forward: 1 h.
    await addEntry(ann, p.id, at("2026-03-28T23:30:00+01:00"), at("2026-03-29T01:30:00+02:00"));
    await addEntry(ann, p.id, at("2026-03-29T08:00:00+02:00"), at("2026-03-29T10:00:00+02:00"));
    await addEntry(ann, p.id, at("2026-03-10T09:00:00+01:00"), at("2026-03-10T09:20:00+01:00"));
    await addEntry(world.bob, p.id, at("2026-03-30T09:00:00+02:00"), at("2026-03-30T10:00:00+02:00"));
    const month = `from=2026-03-01&to=2026-04-01&tz=Europe/Berlin&project_fk=${p.id}`;
    const byDay = await summary(admin, `${month}&group_by=day`);
    // ann: 1 h at 100.00 (the 28th's rate), 2 h at 200.00, 20 min at 100.00 = 33.33(3) → 3,333; bob: 1 h at 300.00.
    expect(byDay.total_billable_amount).toBe(10_000 + 40_000 + 3_333 + 30_000);
    expect(byDay.groups.reduce((a, g) => a + (g.billable_amount ?? 0), 0)).toBe(byDay.total_billable_amount);
    expect(byDay.groups.reduce((a, g) => a + (g.cost ?? 0), 0)).toBe(byDay.total_cost);
    // Cost: ann's own rate from the 15th (the 10th at her position's), bob at his position's.
    expect(byDay.total_cost).toBe(5_000 + 10_000 + 1_333 + 4_000);
    expect(byDay.total_margin).toBe((byDay.total_billable_amount ?? 0) - (byDay.total_cost ?? 0));
    expect(byDay.currency).toBe("EUR");
    // The CSV prices each log as the summary does: its amounts and costs add up to the summary's.
    const exported = await call("GET", `/reports/timelog.csv?${month}`, { token: admin.token });
    const rows = parse(await exported.text(), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(4);
    expect(rows.reduce((a, r) => a + Number(r.amount), 0)).toBe(byDay.total_billable_amount);
    expect(rows.reduce((a, r) => a + Number(r.cost), 0)).toBe(byDay.total_cost);
    expect(rows.find((r) => r.start?.startsWith("2026-03-28"))).toMatchObject({ rate: "10000", amount: "10000" });
    // A manager exporting their team sees rate and amount, never cost; an employee neither.
    const team = await call("GET", `/reports/timelog.csv?${month}&team_fk=${world.team.id}`, {
      token: world.manager.token,
    });
    const header = (await team.text()).split("\r\n")[0] ?? "";
    expect(header.endsWith(",billable,rate,amount")).toBe(true);
    const own = await call("GET", `/reports/timelog.csv?${month}`, { token: ann.token });
    expect((await own.text()).split("\r\n")[0]?.endsWith(",tags,billable")).toBe(true);
    // A rate from April on changes nothing in March.
    await rate({ kind: "billable", amount: 99_000, effective_from: "2026-04-01", project_fk: p.id });
    const again = await summary(admin, `${month}&group_by=project`);
    expect(again.total_billable_amount).toBe(byDay.total_billable_amount);
    expect(again.total_cost).toBe(byDay.total_cost);
    expect(await countRoundTrips(() => summary(admin, `${month}&group_by=user`))).toBe(1);
  });

  it("each log takes the rate in effect as the card changes: rates entered in parallel, deleted, backdated", async () => {
    const p = await createProject(admin);
    const who = await createUser();
    const [, middle] = await Promise.all(
      [
        { amount: 1_000, effective_from: "2026-09-01" },
        { amount: 2_000, effective_from: "2026-09-10" },
        { amount: 3_000, effective_from: "2026-09-20" },
      ].map((r) => rate({ kind: "billable", project_fk: p.id, ...r })),
    );
    for (const day of ["05", "15", "25"]) {
      await addEntry(who, p.id, at(`2026-09-${day}T09:00:00Z`), at(`2026-09-${day}T10:00:00Z`));
    }
    const total = async () =>
      (await summary(admin, `from=2026-09-01&to=2026-10-01&user_fk=${who.id}&group_by=day`)).groups.map(
        (g) => g.billable_amount,
      );
    expect(await total()).toEqual([1_000, 2_000, 3_000]);
    // Without the rate of the 10th, the 15th falls back to the rate before it.
    await call("DELETE", `/rates/${middle?.id}`, { token: admin.token });
    expect(await total()).toEqual([1_000, 1_000, 3_000]);
    // A correction from the 12th on (entered later) prices the 15th, and nothing before or after.
    await rate({ kind: "billable", project_fk: p.id, amount: 4_000, effective_from: "2026-09-12" });
    expect(await total()).toEqual([1_000, 4_000, 3_000]);
    await rate({ kind: "billable", project_fk: p.id, amount: 9_999, effective_from: "2026-08-01" });
    expect(await total()).toEqual([1_000, 4_000, 3_000]);
  });

  it("non-billable projects and logs earn nothing; a log can make itself billable", async () => {
    const p = await createProject(admin, { billable: false });
    await rate({ kind: "billable", amount: 6_000, effective_from: "2026-01-01", project_fk: p.id });
    const who = await createUser();
    await addEntry(who, p.id, at("2026-05-04T09:00:00Z"), at("2026-05-04T10:00:00Z"));
    const billable = await call("POST", "/timelog/", {
      token: who.token,
      body: { project_fk: p.id, billable: true, start_time: "2026-05-05T09:00:00Z", end_time: "2026-05-05T09:30:00Z" },
    });
    expect(billable.status).toBe(201);
    const s = await summary(admin, `from=2026-05-01&to=2026-06-01&user_fk=${who.id}&group_by=project`);
    expect(s.groups).toEqual([
      expect.objectContaining({ duration_ms: ms(5400), billable_ms: ms(1800), billable_amount: 3_000 }),
    ]);
  });
});

describe("tags and money", () => {
  it("by tag, groups may exceed the totals, but the totals are the same as by project", async () => {
    const p = await createProject(admin);
    await rate({ kind: "billable", amount: 7_777, effective_from: "2026-01-01", project_fk: p.id });
    const made = await Promise.all(
      ["x", "y"].map(async (n) => {
        const res = await call("POST", "/tags/", { token: admin.token, body: { name: `${n}-${Date.now()}` } });
        return ((await res.json()) as { id: number }).id;
      }),
    );
    const semicolon = await call("POST", "/tags/", { token: admin.token, body: { name: "a;b" } });
    expect((await expectProblem(semicolon, 422)).code).toBe("invalid_value");
    const who = await createUser();
    const entry = (day: string, tags: number[]) =>
      call("POST", "/timelog/", {
        token: who.token,
        body: { project_fk: p.id, tags, start_time: `2026-07-${day}T09:00:00Z`, end_time: `2026-07-${day}T09:47:13Z` },
      });
    await entry("01", made);
    await entry("02", [made[0] ?? 0]);
    await entry("03", []);
    const range = `from=2026-07-01&to=2026-08-01&user_fk=${who.id}`;
    const byProject = await summary(admin, `${range}&group_by=project`);
    const byTag = await summary(admin, `${range}&group_by=tag`);
    expect(byTag.total_billable_amount).toBe(byProject.total_billable_amount);
    expect(byTag.total_cost).toBe(byProject.total_cost);
    expect(byTag.groups.reduce((a, g) => a + (g.billable_amount ?? 0), 0)).toBeGreaterThan(
      byTag.total_billable_amount ?? 0,
    );
  });
});

describe("who sees money", () => {
  it("employees see hours only, managers billable amounts of their people but never cost, superusers all", async () => {
    const p = await createProject(admin);
    await rate({ kind: "billable", amount: 8_000, effective_from: "2026-01-01", project_fk: p.id });
    await addEntry(world.ann, p.id, at("2026-06-01T09:00:00Z"), at("2026-06-01T10:00:00Z"));
    const range = `from=2026-06-01&to=2026-07-01&project_fk=${p.id}`;
    const own = await summary(world.ann, range);
    expect(own.groups[0]).toEqual({
      project_fk: p.id,
      secret_name: expect.any(String),
      duration_ms: ms(3600),
      includes_open: false,
      billable_ms: ms(3600),
    });
    expect(own).not.toHaveProperty("total_billable_amount");
    const managed = await summary(world.manager, `${range}&team_fk=${world.team.id}`);
    expect(managed.groups[0]).toMatchObject({ billable_amount: 8_000 });
    expect(managed.groups[0]).not.toHaveProperty("cost");
    expect(managed).not.toHaveProperty("total_cost");
    const member = await summary(world.manager, `${range}&user_fk=${world.ann.id}`);
    expect(member.total_billable_amount).toBe(8_000);
    expect(member.groups[0]).not.toHaveProperty("margin");
    await expectProblem(
      await call("GET", `/reports/summary?${range}&user_fk=${world.ann.id}`, { token: world.stranger.token }),
      403,
    );
    const all = await summary(admin, range);
    expect(all.groups[0]).toMatchObject({
      billable_amount: 8_000,
      cost: expect.any(Number),
      margin: expect.any(Number),
    });
    // The database, not the handler, decides: a superuser's token without `admin` sees no money.
    const minted = await call("POST", "/users/me/tokens", {
      token: admin.token,
      body: { name: "bi", scopes: ["reports:read"] },
    });
    const { token } = (await minted.json()) as { token: string };
    const viaToken = await call("GET", `/reports/summary?${range}`, { token });
    expect(await viaToken.json()).not.toHaveProperty("total_billable_amount");
  });
});
