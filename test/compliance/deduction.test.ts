// Automatic break deduction where balances are counted: the time account and the timesheets read
// the same work_days() the compliance report shows (migration 0031).
import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { createUser, type TestUser } from "../helpers/factories";
import { report, rules, work } from "./world";

const H = 3600;

async function account(user: TestUser, day: string) {
  const res = await call("GET", `/users/${user.id}/time-account?from=${day}&to=${day}`, { token: user.token });
  expect(res.status).toBe(200);
  return (await res.json()) as { days: Record<string, number>[]; totals: Record<string, number> };
}

async function week(user: TestUser, iso: string) {
  const res = await call("GET", `/timesheets?user_fk=${user.id}&from=${iso}&to=${iso}`, { token: user.token });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: Record<string, number>[] }).items[0];
}

describe("automatic break deduction in the balances", () => {
  it("takes the missing 10 minutes off the account's worked time and the week's balance, only when automatic", async () => {
    await rules({ break_deduction: "automatic" });
    const ann = await createUser();
    // Tuesday 2026-11-10 (UTC): 3 h 30 m, a 20-minute gap, 3 h 30 m — 7 h with 20 of the 30 minutes.
    await work(ann, "2026-11-10T08:00:00Z", 210);
    await work(ann, "2026-11-10T11:50:00Z", 210);

    const [violation] = (await report(ann, "from=2026-11-10&to=2026-11-10")).items;
    expect(violation?.violations).toEqual([{ code: "break_short", required_minutes: 30, taken_minutes: 20 }]);

    const { days, totals } = await account(ann, "2026-11-10");
    expect(days[0]).toMatchObject({ expected: 8 * H, worked: 7 * H - 600, break_deducted: 600 });
    expect(days[0]?.balance).toBe(7 * H - 600 - 8 * H);
    expect(totals).toMatchObject({ worked: 7 * H - 600, break_deducted: 600, balance: 7 * H - 600 - 8 * H });

    const listed = await week(ann, "2026-W46");
    expect(listed).toMatchObject({ worked_seconds: 7 * H, break_deducted_seconds: 600, expected_seconds: 40 * H });
    expect(listed?.balance_seconds).toBe(7 * H - 600 - 40 * H);
    // The single-week builder (a submit answers with it) counts the same.
    const submitted = await call("POST", "/timesheets/2026-W46/submit", { token: ann.token });
    expect(submitted.status).toBe(200);
    const body = (await submitted.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ break_deducted_seconds: 600, balance_seconds: listed?.balance_seconds });

    await rules({ break_deduction: "none" });
    const plain = await account(ann, "2026-11-10");
    expect(plain.days[0]).toMatchObject({ worked: 7 * H, break_deducted: 0 });
    expect(await week(ann, "2026-W46")).toMatchObject({ break_deducted_seconds: 0, balance_seconds: 7 * H - 40 * H });
  });
});
