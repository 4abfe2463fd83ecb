// `npm run holidays:import`'s work, run for real: the date-holidays dataset for DE-BY, written
// through the API's own routes (the script's fetch goes into the worker) with an admin API token.
import { describe, expect, it } from "vitest";
import { holidayDays, importHolidays } from "../../scripts/holidays";
import { call, expectProblem } from "../helpers/api";
import { createSuperuser, seedSql, unique } from "../helpers/factories";

/** The script's fetch, answered by the worker (each response checked against the document). */
const viaWorker = async (url: string, init: RequestInit) => {
  const { pathname, search } = new URL(url);
  return call(init.method ?? "GET", `${pathname}${search}`, {
    body: typeof init.body === "string" ? init.body : undefined,
    headers: Object.fromEntries(new Headers(init.headers).entries()),
  });
};

async function adminToken() {
  const admin = await createSuperuser();
  const res = await call("POST", "/users/me/tokens", {
    token: admin.token,
    body: { name: `import-${unique()}`, scopes: ["admin", "timelog:read"] },
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

describe("holidays:import", () => {
  it("reads DE-BY's public holidays from date-holidays: Epiphany, All Saints, Christmas; the 24th only as a half day on request", () => {
    const days = holidayDays("DE-BY", [2026]);
    const dates = days.map((d) => d.date);
    expect(dates).toEqual(
      expect.arrayContaining(["2026-01-01", "2026-01-06", "2026-11-01", "2026-12-25", "2026-12-26"]),
    );
    // Observances and bank days are not days off; other states' holidays are not Bavaria's.
    expect(dates).not.toContain("2026-12-24");
    expect(dates).not.toContain("2026-02-16");
    expect(holidayDays("DE-BE", [2026]).map((d) => d.date)).not.toContain("2026-01-06");
    expect(days.every((d) => !d.half_day)).toBe(true);
    const withHalves = holidayDays("DE-BY", [2026], { halfDays: true });
    expect(withHalves.filter((d) => d.half_day).map((d) => d.date)).toEqual(["2026-12-24", "2026-12-31"]);
    expect(() => holidayDays("XX-YY", [2026])).toThrow(/does not know/);
  });

  it("writes 2026–2028 into a calendar it creates, and a re-run changes and audits nothing", async () => {
    const token = await adminToken();
    const api = { base: "http://api.test", token, fetch: viaWorker };
    const name = `Bayern ${unique()}`;
    const days = holidayDays("DE-BY", [2026, 2027, 2028]);
    const first = await importHolidays(api, { name, region: "DE-BY" }, days);
    expect(first.created).toHaveLength(days.length);
    expect(first.replaced).toEqual([]);

    const year = await call("GET", `/holiday-calendars/${first.calendar}/days?year=2026`, { token });
    const items = ((await year.json()) as { items: { date: string; name: string; half_day: boolean }[] }).items;
    expect(items).toEqual(
      expect.arrayContaining([
        { calendar_fk: first.calendar, date: "2026-01-06", name: "Heilige Drei Könige", half_day: false },
        { calendar_fk: first.calendar, date: "2026-11-01", name: "Allerheiligen", half_day: false },
        { calendar_fk: first.calendar, date: "2026-12-25", name: "1. Weihnachtstag", half_day: false },
      ]),
    );
    const count = async () =>
      (await seedSql("SELECT count(*)::int AS n FROM audit_event WHERE kind LIKE 'holiday%'"))[0]?.n as number;
    const events = await count();

    // By name again: the same calendar, nothing new; by id with half days: two days more.
    const again = await importHolidays(api, { name, region: "DE-BY" }, days);
    expect(again).toMatchObject({ calendar: first.calendar, created: [], locked: [] });
    expect(again.replaced).toHaveLength(days.length);
    expect(await count()).toBe(events);
    const halves = holidayDays("DE-BY", [2026], { halfDays: true });
    const byId = await importHolidays(api, { calendar: first.calendar, name: "ignored", region: "DE-BY" }, halves);
    expect(byId.created).toEqual(["2026-12-24", "2026-12-31"]);
  });

  it("stops on a calendar that does not exist, and a token without admin cannot write", async () => {
    const token = await adminToken();
    const api = { base: "http://api.test", token, fetch: viaWorker };
    await expect(importHolidays(api, { calendar: 2147483647, name: "x", region: "DE-BY" }, [])).rejects.toThrow(/404/);
    const admin = await createSuperuser();
    const minted = await call("POST", "/users/me/tokens", {
      token: admin.token,
      body: { name: `ro-${unique()}`, scopes: ["timelog:read"] },
    });
    const readOnly = ((await minted.json()) as { token: string }).token;
    const days = holidayDays("DE-BY", [2026]);
    await expect(
      importHolidays({ ...api, token: readOnly }, { name: `ro-${unique()}`, region: "DE-BY" }, days),
    ).rejects.toThrow(/403/);
    await expectProblem(await call("GET", "/holiday-calendars/2147483647", { token }), 404);
  });
});
