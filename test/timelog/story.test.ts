import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createProject, createSuperuser, type Log, login, registerUser, seedSql } from "../helpers/factories";

describe("a working day through HTTP", () => {
  it("register, login, clock in, clock out, list, edit, delete — one round trip each (login two)", async () => {
    const admin = await createSuperuser();
    const project = await createProject(admin, { secret_name: "Apollo" });
    const other = await createProject(admin, { secret_name: "Gemini" });

    const trips: Record<string, number> = {};
    const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      let out: T | undefined;
      trips[name] = await countRoundTrips(async () => {
        out = await fn();
      });
      return out as T;
    };

    const reg = await registerUser();
    const tokens = await step("login", () => login(reg.email, reg.password));
    const token = tokens.access_token;

    const started = await step("clock in", () =>
      call("POST", "/timelog/", { token, body: { project_fk: project.id } }),
    );
    expect(started.status).toBe(201);
    const log = (await started.json()) as Log;
    expect(log).toMatchObject({ user_fk: reg.id, project_fk: project.id, end_time: null, note: null });
    const [dbNow] = await seedSql("SELECT now() AS now");
    expect(Math.abs(Date.parse(log.start_time) - Number((dbNow?.now as Date | undefined)?.getTime()))).toBeLessThan(
      60_000,
    );

    const current = await step("current", () => call("GET", "/timelog/current", { token }));
    expect(await current.json()).toMatchObject({ open: true, log: { id: log.id } });

    const closed = await step("clock out", () => call("POST", "/timelog/close", { token }));
    expect(closed.status).toBe(200);
    const closedLog = (await closed.json()) as Log;
    expect(closedLog.id).toBe(log.id);
    expect(Date.parse(closedLog.end_time ?? "")).toBeGreaterThan(Date.parse(log.start_time));

    const none = await step("current (none)", () => call("GET", "/timelog/current", { token }));
    expect(await none.json()).toEqual({ open: false, log: null });

    const list = await step("list", () => call("GET", "/timelog/", { token }));
    const page = (await list.json()) as { items: Log[] };
    expect(page.items.map((l) => l.id)).toEqual([log.id]);

    const one = await step("get", () => call("GET", `/timelog/${log.id}`, { token }));
    expect(one.status).toBe(200);

    const edited = await step("edit", () =>
      call("PATCH", `/timelog/${log.id}`, { token, body: { note: "standup, then code review", project_fk: other.id } }),
    );
    expect(await edited.json()).toMatchObject({ note: "standup, then code review", project_fk: other.id });

    const deleted = await step("delete", () => call("DELETE", `/timelog/${log.id}`, { token }));
    expect(deleted.status).toBe(204);
    await expectProblem(await call("GET", `/timelog/${log.id}`, { token }), 404);

    expect(trips).toEqual({
      login: 2,
      "clock in": 1,
      current: 1,
      "clock out": 1,
      "current (none)": 1,
      list: 1,
      get: 1,
      edit: 1,
      delete: 1,
    });
  });
});
