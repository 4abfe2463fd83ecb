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

  it("GET /timelog/current refuses a token that may only read reports, and tells it nothing", async () => {
    const admin = await createSuperuser();
    const project = await createProject(admin);
    const user = await registerUser();
    const { access_token } = await login(user.email, user.password);
    await call("POST", "/timelog", { token: access_token, body: { project_fk: project.id, note: "secret plans" } });
    const minted = await call("POST", "/users/me/tokens", {
      token: access_token,
      body: { name: "reports", scopes: ["reports:read"] },
    });
    const { token } = (await minted.json()) as { token: string };
    const denied = await expectProblem(await call("GET", "/timelog/current", { token }), 403);
    expect(denied).toMatchObject({ code: "insufficient_scope", required_scope: "timelog:read" });
    expect(JSON.stringify(denied)).not.toContain("secret plans");
    const open = await call("GET", "/timelog/current", { token: access_token });
    expect(await open.json()).toMatchObject({ open: true, log: { note: "secret plans" } });
  });
});
