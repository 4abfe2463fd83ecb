// GET /reports/compliance.csv: a row per violation, as the JSON report finds them, times in the
// person's zone, names defused for spreadsheets.
import { parse } from "csv-parse/browser/esm/sync";
import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { addEntry, createProject, createSuperuser, createUser, seedSql } from "../helpers/factories";

describe("GET /reports/compliance.csv", () => {
  it("a row per violation with its own columns filled, in one round trip; names cannot start a formula", async () => {
    const admin = await createSuperuser();
    const settings = {
      break_rules: [{ after_hours: 6, minutes: 30 }],
      max_daily_hours: 6.5,
      min_rest_hours: 11,
      break_deduction: "none",
    };
    expect((await call("PATCH", "/settings", { token: admin.token, body: settings })).status).toBe(200);
    const project = await createProject(admin);
    const ann = await createUser();
    await seedSql(`UPDATE app_user SET time_zone = 'Europe/Berlin', username = $2 WHERE id = $1`, [
      ann.id,
      `=HYPERLINK("x",${ann.id})`,
    ]);
    // 15:00–23:00 local on the 12th (no break over 6 h, over 6.5 h), 07:00–12:00 on the 13th.
    await addEntry(ann, project.id, new Date("2026-01-12T14:00:00Z"), new Date("2026-01-12T22:00:00Z"));
    await addEntry(ann, project.id, new Date("2026-01-13T06:00:00Z"), new Date("2026-01-13T11:00:00Z"));
    let res: Response | undefined;
    const trips = await countRoundTrips(async () => {
      res = await call("GET", `/reports/compliance.csv?from=2026-01-12&to=2026-01-13&user_fk=${ann.id}`, {
        token: admin.token,
      });
    });
    expect(trips).toBe(1);
    expect(res?.status).toBe(200);
    expect(res?.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res?.headers.get("content-disposition")).toBe('attachment; filename="compliance_2026-01-12_2026-01-13.csv"');
    const text = (await res?.text()) ?? "";
    expect(text.split("\r\n")[0]).toBe(
      "user_id,username,date,violation,required_minutes,taken_minutes,max_hours,worked_hours,required_hours,rest_hours,previous_end,next_start",
    );
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    const base = {
      user_id: String(ann.id),
      username: `'=HYPERLINK("x",${ann.id})`,
      required_minutes: "",
      taken_minutes: "",
      max_hours: "",
      worked_hours: "",
      required_hours: "",
      rest_hours: "",
      previous_end: "",
      next_start: "",
    };
    expect(rows).toEqual([
      { ...base, date: "2026-01-12", violation: "break_short", required_minutes: "30", taken_minutes: "0" },
      { ...base, date: "2026-01-12", violation: "over_max_daily", max_hours: "6.5", worked_hours: "8" },
      {
        ...base,
        date: "2026-01-13",
        violation: "rest_short",
        required_hours: "11",
        rest_hours: "8",
        previous_end: "2026-01-12T23:00:00.000+01:00",
        next_start: "2026-01-13T07:00:00.000+01:00",
      },
    ]);
    // Nothing to report: the header alone.
    const empty = await call("GET", "/reports/compliance.csv?from=2026-02-01&to=2026-02-28", { token: ann.token });
    expect(await empty.text()).toBe(`${text.split("\r\n")[0]}\r\n`);
  });

  it("refuses who may not see the person (403) and a range too long (422)", async () => {
    const [ann, bob] = await Promise.all([createUser(), createUser()]);
    const denied = await call("GET", `/reports/compliance.csv?from=2026-01-01&to=2026-01-31&user_fk=${ann.id}`, {
      token: bob.token,
    });
    expect((await expectProblem(denied, 403)).code).toBe("not_manager");
    const long = await call("GET", "/reports/compliance.csv?from=2025-01-01&to=2026-01-31", { token: bob.token });
    expect((await expectProblem(long, 422)).code).toBe("range_too_long");
  });
});
