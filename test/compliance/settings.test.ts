// The company's break and working-time rules in PATCH /settings: what is accepted, what is refused
// (by zod and, for anything that gets past it, by the database's CHECKs), and that a refusal
// changes nothing.
import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createSuperuser, createUser, seedSql, type TestUser } from "../helpers/factories";

const settings = async (user: TestUser) => (await call("GET", "/settings", { token: user.token })).json();
const patch = (user: TestUser, body: unknown) => call("PATCH", "/settings", { token: user.token, body });

describe("PATCH /settings: break rules, daily maximum, minimum rest, deduction", () => {
  it("starts empty; a superuser sets the rules (shown in threshold order) in one round trip", async () => {
    const admin = await createSuperuser();
    expect(await settings(admin)).toMatchObject({
      break_rules: [],
      max_daily_hours: null,
      min_rest_hours: null,
      break_deduction: "none",
      holiday_calendar_fk: null,
    });
    const body = {
      break_rules: [
        { after_hours: 9, minutes: 45 },
        { after_hours: 6, minutes: 30 },
      ],
      max_daily_hours: 10,
      min_rest_hours: 11,
      break_deduction: "automatic",
    };
    let res: Response | undefined;
    expect(await countRoundTrips(async () => (res = await patch(admin, body)))).toBe(1);
    expect(res?.status).toBe(200);
    const expected = {
      break_rules: [
        { after_hours: 6, minutes: 30 },
        { after_hours: 9, minutes: 45 },
      ],
      max_daily_hours: 10,
      min_rest_hours: 11,
      break_deduction: "automatic",
    };
    expect(await res?.json()).toMatchObject(expected);
    expect(await settings(admin)).toMatchObject(expected);
    // Decimal thresholds, and null lifts a limit; the other fields stay.
    const again = await patch(admin, { break_rules: [{ after_hours: 5.5, minutes: 15 }], max_daily_hours: null });
    expect(await again.json()).toMatchObject({
      break_rules: [{ after_hours: 5.5, minutes: 15 }],
      max_daily_hours: null,
      min_rest_hours: 11,
      break_deduction: "automatic",
    });
    // The edges are allowed: 10 rules, 24 hours, 240 minutes.
    const ten = Array.from({ length: 10 }, (_, i) => ({ after_hours: 24 - i, minutes: 240 - i }));
    const edges = await patch(admin, { break_rules: ten, max_daily_hours: 24, min_rest_hours: 24 });
    expect(edges.status).toBe(200);
    expect(await edges.json()).toMatchObject({ break_rules: [...ten].reverse(), max_daily_hours: 24 });
    await patch(admin, { break_rules: [], max_daily_hours: null, min_rest_hours: null, break_deduction: "none" });
  });

  it("refuses out-of-range and malformed rules with 422 and changes nothing; members get 403", async () => {
    const admin = await createSuperuser();
    const before = await settings(admin);
    const eleven = Array.from({ length: 11 }, (_, i) => ({ after_hours: i + 1, minutes: 10 }));
    const bad: unknown[] = [
      { break_rules: [{ after_hours: 0, minutes: 30 }] },
      { break_rules: [{ after_hours: 24.01, minutes: 30 }] },
      { break_rules: [{ after_hours: 6, minutes: 0 }] },
      { break_rules: [{ after_hours: 6, minutes: 241 }] },
      { break_rules: [{ after_hours: 6, minutes: 1.5 }] },
      { break_rules: [{ after_hours: 6, minutes: 30, extra: 1 }] },
      { break_rules: [{ after_hours: "6", minutes: 30 }] },
      { break_rules: [{ after_hours: 6 }] },
      { break_rules: eleven },
      {
        break_rules: [
          { after_hours: 6, minutes: 30 },
          { after_hours: 6, minutes: 45 },
        ],
      },
      { break_rules: null },
      { break_rules: { after_hours: 6, minutes: 30 } },
      { max_daily_hours: 0 },
      { max_daily_hours: 24.5 },
      { max_daily_hours: -1 },
      { min_rest_hours: 0 },
      { min_rest_hours: 1e308 },
      { break_deduction: "manual" },
      { break_deduction: null },
    ];
    for (const body of bad) {
      const problem = await expectProblem(await patch(admin, body), 422);
      expect(problem.code, JSON.stringify(body)).toBe("validation_failed");
    }
    expect(await settings(admin)).toEqual(before);
    const member = await createUser();
    const denied = await expectProblem(await patch(member, { max_daily_hours: 8 }), 403);
    expect(denied.code).toBe("superuser_required");
    expect(await settings(admin)).toEqual(before);
  });

  it("the database refuses invalid rules written past the API (CHECK constraints)", async () => {
    const refused = [
      `UPDATE company_settings SET break_rules = '[{"after_hours": 6, "minutes": 0}]'`,
      `UPDATE company_settings SET break_rules = '[{"after_hours": "6", "minutes": 30}]'`,
      `UPDATE company_settings SET break_rules = '[{"after_hours": 6, "minutes": 30}, {"after_hours": 6.0, "minutes": 45}]'`,
      `UPDATE company_settings SET break_rules = '[{"after_hours": 6, "minutes": 30, "x": 1}]'`,
      `UPDATE company_settings SET break_rules = '{"after_hours": 6, "minutes": 30}'`,
      `UPDATE company_settings SET break_rules = '[1]'`,
      "UPDATE company_settings SET max_daily_hours = 0",
      "UPDATE company_settings SET min_rest_hours = 25",
      "UPDATE company_settings SET break_deduction = 'manual'",
    ];
    for (const statement of refused) {
      await expect(seedSql(statement), statement).rejects.toThrow(/violates check constraint "company_settings_/);
    }
    const [row] = await seedSql("SELECT break_rules, break_deduction FROM company_settings");
    expect(row).toEqual({ break_rules: [], break_deduction: "none" });
  });
});
