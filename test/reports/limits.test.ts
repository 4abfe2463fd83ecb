// Attacker-shaped dates and zones: ranges are checked by the database that computes them, reports
// have a group cap, and zones are IANA names whose meaning PostgreSQL and the worker agree on.
import { parse } from "csv-parse/browser/esm/sync";
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../helpers/api";
import { addEntry, createProject, createSuperuser, createUser, seedSql } from "../helpers/factories";

/** Seconds as the reports count them: whole milliseconds. */
const ms = (seconds: number) => Math.round(seconds * 1000);

describe("report ranges are checked where they are computed", () => {
  it("years 0001–0099 are not read as 1900–1999: a 1,900-year summary or CSV is 422", async () => {
    const alice = await createUser();
    for (const path of ["/reports/summary", "/reports/timelog.csv"]) {
      for (const qs of [
        "from=0001-01-01&to=1901-12-31&group_by=day",
        "from=0001-01-01T00:00:00Z&to=1901-12-31T00:00:00Z",
        "from=0099-01-01&to=1999-01-01",
      ]) {
        const body = await expectProblem(await call("GET", `${path}?${qs}`, { token: alice.token }), 422);
        expect(body.code).toBe("range_too_long");
      }
    }
  });

  it("a range in year 1 or 9999 is short, valid and empty; a backwards one is 422", async () => {
    const alice = await createUser();
    const ok = await call("GET", "/reports/summary?from=0001-01-01&to=0001-12-31", { token: alice.token });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { total_ms: number }).total_ms).toBe(0);
    const far = await call("GET", "/reports/summary?from=9999-12-01&to=9999-12-31", { token: alice.token });
    expect(far.status).toBe(200);
    const backwards = await call("GET", "/reports/summary?from=2026-02-01&to=2026-01-01", { token: alice.token });
    expect((await expectProblem(backwards, 422)).code).toBe("invalid_range");
  });
});

describe("time zones: IANA names only", () => {
  it("refuses offsets, POSIX strings and abbreviations whose sign PostgreSQL reads differently", async () => {
    const alice = await createUser();
    for (const tz of ["+05:00", "-05:00", "UTC+5", "PST", "EST5EDT", "<+05>-5", "Mars/Olympus"]) {
      const path = `/reports/timelog.csv?from=2026-01-01&to=2026-01-02&tz=${encodeURIComponent(tz)}`;
      await expectProblem(await call("GET", path, { token: alice.token }), 422);
    }
  });

  it("Etc/GMT-5 is UTC+05:00 and Etc/GMT+5 is UTC−05:00, in the CSV as in IANA", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    await addEntry(alice, p.id, new Date("2026-01-10T09:00:00Z"), new Date("2026-01-10T10:00:00Z"));
    const startIn = async (tz: string) => {
      const res = await call("GET", `/reports/timelog.csv?from=2026-01-09&to=2026-01-12&tz=${encodeURIComponent(tz)}`, {
        token: alice.token,
      });
      return (parse(await res.text(), { columns: true }) as Record<string, string>[])[0]?.start;
    };
    expect(await startIn("Etc/GMT-5")).toBe("2026-01-10T14:00:00.000+05:00");
    expect(await startIn("Etc/GMT+5")).toBe("2026-01-10T04:00:00.000-05:00");
    expect(await startIn("Asia/Kolkata")).toBe("2026-01-10T14:30:00.000+05:30");
  });
});

describe("the summary's group cap", () => {
  it("a summary at the cap (20,000 groups) finishes within the statement timeout; one more group is 422", async () => {
    const admin = await createSuperuser();
    const alice = await createUser();
    const [first] = await seedSql(
      "INSERT INTO project (secret_name) SELECT 'cap-' || g FROM generate_series(1, 100) g RETURNING id",
    );
    const firstId = first?.id as number;
    // 100 projects × 201 days, ten minutes each: 20,100 logs.
    await seedSql(
      `INSERT INTO timelog (user_fk, project_fk, start_time, end_time)
       SELECT $1, $2 + p, d + make_interval(mins => p * 12), d + make_interval(mins => p * 12 + 10)
       FROM generate_series(0, 99) p, generate_series('2025-01-01T00:00:00Z'::timestamptz, '2025-07-20T00:00:00Z'::timestamptz, '1 day') d`,
      [alice.id, firstId],
    );
    const atCap = await call("GET", "/reports/summary?from=2025-01-01&to=2025-07-20&group_by=project,day", {
      token: alice.token,
    });
    expect(atCap.status).toBe(200);
    const summary = (await atCap.json()) as { groups: unknown[]; total_ms: number };
    expect(summary.groups).toHaveLength(20_000);
    expect(summary.total_ms).toBe(ms(20_000 * 600));
    const over = await call("GET", "/reports/summary?from=2025-01-01&to=2025-07-21&group_by=project,day", {
      token: admin.token,
    });
    const body = await expectProblem(over, 422);
    expect(body.code).toBe("too_many_groups");
    expect(body.max_groups).toBe(20_000);
  });
});
