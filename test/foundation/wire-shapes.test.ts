// One wire shape per resource: each is built by one SQL function (timelog_json, project_json,
// user_json, …) for writes and reads alike. For every resource, a row with its optional fields
// null and one with all of them set: the write's answer equals the read's, and both match the
// schema exactly (no field missing, none extra).
import type { z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { ApiToken } from "../../src/api-tokens/schemas";
import { Client } from "../../src/clients/schemas";
import { CompanySettings } from "../../src/company/schemas";
import { Position } from "../../src/positions/schemas";
import { Project } from "../../src/projects/schemas";
import { Rate } from "../../src/rates/schemas";
import { Tag } from "../../src/tags/schemas";
import { Task } from "../../src/tasks/schemas";
import { Member, Team } from "../../src/teams/schemas";
import { Timelog } from "../../src/timelog/schemas";
import { User, UserWithPosition } from "../../src/users/schemas";
import { WebhookEndpoint } from "../../src/webhooks/schemas";
import { call } from "../helpers/api";
import { createProject, createSuperuser, createUser, type TestUser, unique } from "../helpers/factories";

type Shape = z.ZodObject<z.ZodRawShape>;

async function body(res: Response, status: number) {
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as Record<string, unknown>;
}

/** The write's answer, read back: equal, and exactly the schema's fields. */
async function sameShape(schema: Shape, written: Record<string, unknown>, readPath: string, token: string) {
  const read = await body(await call("GET", readPath, { token }), 200);
  expect(read).toEqual(written);
  expect(schema.strict().safeParse(read).error).toBeUndefined();
  return read;
}

const post = async (path: string, token: string, payload: unknown, status = 201) =>
  body(await call("POST", path, { token, body: payload }), status);

describe("one wire shape per resource, built by the database", () => {
  let admin: TestUser;
  it("time logs: running with nothing optional, finished with everything set; read, listed and synced alike", async () => {
    admin = await createSuperuser();
    const ann = await createUser();
    const project = await createProject(admin);
    const task = await post(`/projects/${project.id}/tasks`, admin.token, { name: `t-${unique()}` });
    const tag = await post("/tags", admin.token, { name: `g-${unique()}` });
    const finished = await post("/timelog", ann.token, {
      project_fk: project.id,
      start_time: "2026-01-05T08:00:00.123Z",
      end_time: "2026-01-05T09:30:00Z",
      note: "all set",
      task_fk: task.id,
      tags: [tag.id],
      billable: false,
    });
    const running = await post("/timelog", ann.token, { project_fk: project.id });
    expect(running).toMatchObject({ end_time: null, note: null, task_fk: null, tags: [], billable: null });
    expect(finished).toMatchObject({ start_time: "2026-01-05T08:00:00.123Z", end_time: "2026-01-05T09:30:00.000Z" });
    for (const log of [running, finished]) await sameShape(Timelog, log, `/timelog/${log.id}`, ann.token);
    const list = await body(await call("GET", "/timelog", { token: ann.token }), 200);
    expect(list.items).toEqual([running, finished]);
    const current = await body(await call("GET", "/timelog/current", { token: ann.token }), 200);
    expect(current).toEqual({ open: true, log: running });
    const sync = await body(await call("GET", "/timelog/changes?since=0.0", { token: ann.token }), 200);
    expect((sync.changes as { log: unknown }[]).map((c) => c.log)).toEqual([finished, running]);
  });

  it("time logs: a list computes the lock state set-based, exactly as one log's read does", async () => {
    const ann = await createUser();
    const project = await createProject(admin);
    const entry = (start: string, end: string) =>
      post("/timelog", ann.token, { project_fk: project.id, start_time: start, end_time: end });
    const byCompany = await entry("2025-12-01T08:00:00Z", "2025-12-01T09:00:00Z");
    const byWeek = await entry("2026-01-05T08:00:00Z", "2026-01-05T09:00:00Z");
    const open = await entry("2026-02-02T08:00:00Z", "2026-02-02T09:00:00Z");
    await body(await call("POST", "/timesheets/2026-W02/submit", { token: ann.token }), 200);
    const lock = (at: string | null) =>
      call("PUT", "/settings/lock", { token: admin.token, body: { locked_before: at } });
    await body(await lock("2025-12-02T00:00:00Z"), 200);
    try {
      const one = async (id: unknown) => body(await call("GET", `/timelog/${id}`, { token: ann.token }), 200);
      const read = [await one(open.id), await one(byWeek.id), await one(byCompany.id)];
      expect(read.map((l) => l.locked)).toEqual([false, true, true]);
      const list = await body(await call("GET", "/timelog", { token: ann.token }), 200);
      expect(list.items).toEqual(read);
    } finally {
      await body(await lock(null), 200);
    }
  });

  it("projects, clients, tags, tasks: the write's answer is the read's", async () => {
    const bare = await post("/projects", admin.token, { secret_name: `bare-${unique()}` });
    expect(bare).toMatchObject({ description: null, client_fk: null, budget_hours: null, budget_amount: null });
    await sameShape(Project, bare, `/projects/${bare.id}`, admin.token);
    const client = await post("/clients", admin.token, { name: `c-${unique()}` });
    await sameShape(Client, client, `/clients/${client.id}`, admin.token);
    const full = await post("/projects", admin.token, {
      secret_name: `full-${unique()}`,
      description: "everything",
      client_fk: client.id,
      billable: false,
      budget_hours: 12.5,
      budget_amount: 100_000,
      budget_period: "month",
    });
    await sameShape(Project, full, `/projects/${full.id}`, admin.token);
    // The money budget is superusers' own: everyone else reads it as null, in the same shape.
    const ann = await createUser();
    await sameShape(Project, { ...full, budget_amount: null }, `/projects/${full.id}`, ann.token);
    const tag = await post("/tags", admin.token, { name: `g-${unique()}` });
    await sameShape(Tag, tag, `/tags/${tag.id}`, admin.token);
    const task = await post(`/projects/${full.id}/tasks`, admin.token, { name: `t-${unique()}`, is_archived: true });
    const tasks = await body(
      await call("GET", `/projects/${full.id}/tasks?archived=true`, { token: admin.token }),
      200,
    );
    expect(tasks.items).toEqual([task]);
    expect(Task.strict().safeParse(task).error).toBeUndefined();
  });

  it("users and positions: nulls and all set; salaries for superusers only", async () => {
    const ann = await createUser();
    const me = await body(await call("GET", "/users/me", { token: ann.token }), 200);
    expect(me).toMatchObject({ time_zone: null, weekly_hours: null });
    await sameShape(User, me, `/users/${ann.id}`, admin.token);
    const changed = await body(
      await call("PATCH", `/users/${ann.id}`, {
        token: admin.token,
        body: { time_zone: "Europe/Berlin", weekly_hours: 32.5, is_verified: true },
      }),
      200,
    );
    await sameShape(User, changed, "/users/me", ann.token);
    const page = await body(await call("GET", `/users?limit=200`, { token: admin.token }), 200);
    const listed = (page.items as Record<string, unknown>[]).find((u) => u.id === ann.id);
    expect(listed).toEqual({ ...changed, position_title: "Employee" });
    expect(UserWithPosition.strict().safeParse(listed).error).toBeUndefined();

    const bare = await post("/positions", admin.token, { title: `p-${unique()}` });
    expect(bare.salary).toBe(0); // the column's default, shown to superusers
    await sameShape(Position, bare, `/positions/${bare.id}`, admin.token);
    const full = await post("/positions", admin.token, {
      title: `q-${unique()}`,
      description: "all set",
      salary: 4200,
      open_for_registration: true,
      weekly_hours: 37.5,
    });
    await sameShape(Position, full, `/positions/${full.id}`, admin.token);
    const { salary: _, ...withoutSalary } = full;
    await sameShape(Position, withoutSalary, `/positions/${full.id}`, ann.token);
  });

  it("teams, members, rates, tokens, webhook endpoints and the company settings", async () => {
    const ann = await createUser();
    const team = await post("/teams", admin.token, { name: `t-${unique()}` });
    expect(team.description).toBeNull();
    await sameShape(Team, team, `/teams/${team.id}`, admin.token);
    const member = await body(
      await call("PUT", `/teams/${team.id}/members/${ann.id}`, { token: admin.token, body: { role: "manager" } }),
      200,
    );
    const members = await body(await call("GET", `/teams/${team.id}/members`, { token: admin.token }), 200);
    expect(members.items).toEqual([member]);
    expect(Member.strict().safeParse(member).error).toBeUndefined();

    const project = await createProject(admin);
    const rate = await post("/rates", admin.token, {
      kind: "billable",
      amount: 9_000,
      effective_from: "2026-01-01",
      project_fk: project.id,
    });
    const rates = await body(await call("GET", "/rates?limit=200", { token: admin.token }), 200);
    expect((rates.items as { id: number }[]).find((r) => r.id === rate.id)).toEqual(rate);
    expect(Rate.strict().safeParse(rate).error).toBeUndefined();

    const { token: _secret, ...minted } = await post("/users/me/tokens", ann.token, {
      name: "script",
      scopes: ["timelog:read"],
    });
    expect(minted).toMatchObject({ last_used_at: null, expires_at: null });
    const tokens = await body(await call("GET", "/users/me/tokens", { token: ann.token }), 200);
    expect(tokens.items).toEqual([minted]);
    expect(ApiToken.strict().safeParse(minted).error).toBeUndefined();

    const { secret, ...endpoint } = await post("/webhooks", admin.token, {
      url: "http://127.0.0.1:9/hook",
      events: ["timelog.created"],
    });
    expect(secret).toMatch(/^whsec_/);
    await sameShape(WebhookEndpoint, endpoint, `/webhooks/${endpoint.id}`, admin.token);

    const settings = await body(await call("GET", "/settings", { token: ann.token }), 200);
    expect(settings.locked_before).toBeNull();
    const locked = await body(
      await call("PUT", "/settings/lock", { token: admin.token, body: { locked_before: "2001-01-01T00:00:00Z" } }),
      200,
    );
    expect(locked).toEqual({ ...settings, locked_before: "2001-01-01T00:00:00.000Z" });
    await sameShape(CompanySettings, locked, "/settings", ann.token);
  });
});
