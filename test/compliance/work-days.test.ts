// work_days(): the per-date rule the compliance report and the time account count with — the
// automatic deduction, a running timer, a DST date.
import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { createUser, seedSql } from "../helpers/factories";
import { report, rules, work, workDays } from "./world";

describe("work_days()", () => {
  it("deduction takes the largest missing part of any exceeded rule: 9 h 10 m without a break loses 30 min", async () => {
    await rules({ break_deduction: "automatic" });
    const ann = await createUser();
    await work(ann, "2026-03-17T07:00:00Z", 550);
    // The 9-hour rule could take only 10 minutes (never below 9 h); the 6-hour rule's 30 are missing.
    expect(await workDays(ann, "2026-03-17")).toMatchObject({
      worked_seconds: "33000",
      required_break_seconds: "2700",
      deducted_seconds: "1800",
    });
    await rules({});
    expect(await workDays(ann, "2026-03-17")).toMatchObject({ deducted_seconds: "0" });
  });

  it("a running timer counts up to now; a 23-hour DST date in Berlin is worked as 23 h", async () => {
    const { project } = await rules({ max_daily_hours: 22, break_rules: [] });
    const ann = await createUser();
    await seedSql("UPDATE app_user SET time_zone = 'Europe/Berlin' WHERE id = $1", [ann.id]);
    // Local midnight to midnight on 2026-03-29, when the clocks skip 02:00–03:00.
    await work(ann, "2026-03-28T23:00:00Z", 23 * 60);
    expect(await workDays(ann, "2026-03-29")).toMatchObject({ worked_seconds: "82800" });
    const { items } = await report(ann, "from=2026-03-28&to=2026-03-30");
    expect(items).toEqual([
      {
        user_fk: ann.id,
        date: "2026-03-29",
        violations: [{ code: "over_max_daily", max_hours: 22, worked_hours: 23 }],
      },
    ]);
    // Clocked in now, then moved back 3 hours (the API clocks in at now only).
    const res = await call("POST", "/timelog", { token: ann.token, body: { project_fk: project } });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: number };
    await seedSql("UPDATE timelog SET start_time = now() - interval '3 hours' WHERE id = $1", [id]);
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const rows = await seedSql("SELECT worked_seconds FROM work_days($1, $2, $3)", [ann.id, yesterday, today]);
    const worked = rows.reduce((sum, r) => sum + Number(r.worked_seconds), 0);
    expect(worked).toBeGreaterThanOrEqual(3 * 3600 - 1);
    expect(worked).toBeLessThan(3 * 3600 + 120);
  });
});
