// Clients, tasks and tags: who may write them, what the database refuses, and how logs carry them
// through writes, lists, sync and reports.
import { beforeAll, describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createProject, createSuperuser, createUser, type TestUser } from "../helpers/factories";

/** Seconds as the reports count them: whole milliseconds. */
const ms = (seconds: number) => Math.round(seconds * 1000);

let admin: TestUser;
let alice: TestUser;
const post = async (path: string, body: unknown, who = admin) => {
  const res = await call("POST", path, { token: who.token, body });
  if (res.status !== 201) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: number };
};
beforeAll(async () => {
  admin = await createSuperuser();
  alice = await createUser();
});

describe("clients", () => {
  it("superusers write, everyone reads; names are unique regardless of case; a client in use stays", async () => {
    await expectProblem(await call("POST", "/clients/", { token: alice.token, body: { name: "Acme" } }), 403);
    const acme = await post("/clients/", { name: "Acme" });
    const taken = await expectProblem(
      await call("POST", "/clients/", { token: admin.token, body: { name: "ACME" } }),
      409,
    );
    expect(taken.code).toBe("name_taken");
    expect((await call("GET", `/clients/${acme.id}`, { token: alice.token })).status).toBe(200);
    const project = await createProject(admin, { client_fk: acme.id, billable: false });
    expect(project).toMatchObject({ client_fk: acme.id, billable: false });
    const listed = await (await call("GET", `/projects/?client_fk=${acme.id}`, { token: alice.token })).json();
    expect((listed as { items: { id: number }[] }).items.map((p) => p.id)).toEqual([project.id]);
    const unknown = await call("POST", "/projects/", {
      token: admin.token,
      body: { secret_name: "x", client_fk: 999999 },
    });
    expect((await expectProblem(unknown, 422)).code).toBe("unknown_client");
    const inUse = await expectProblem(await call("DELETE", `/clients/${acme.id}`, { token: admin.token }), 409);
    expect(inUse.code).toBe("client_in_use");
    const archived = await call("PATCH", `/clients/${acme.id}`, { token: admin.token, body: { is_archived: true } });
    expect(((await archived.json()) as { is_archived: boolean }).is_archived).toBe(true);
  });
});

describe("tasks and tags on logs", () => {
  it("a log names a task of its own project only, and tags that exist; both travel with the log", async () => {
    const p1 = await createProject(admin);
    const p2 = await createProject(admin);
    const design = await post(`/projects/${p1.id}/tasks`, { name: "Design" });
    const other = await post(`/projects/${p2.id}/tasks`, { name: "Design" });
    const [urgent, travel] = [await post("/tags/", { name: "urgent" }), await post("/tags/", { name: "travel" })];
    const span = { start_time: "2026-05-04T09:00:00Z", end_time: "2026-05-04T10:00:00Z" };
    const bad = await call("POST", "/timelog/", {
      token: alice.token,
      body: { project_fk: p1.id, task_fk: other.id, ...span },
    });
    expect((await expectProblem(bad, 422)).code).toBe("unknown_task");
    const noTag = await call("POST", "/timelog/", {
      token: alice.token,
      body: { project_fk: p1.id, tags: [999999], ...span },
    });
    expect((await expectProblem(noTag, 422)).code).toBe("unknown_tag");
    const res = await call("POST", "/timelog/", {
      token: alice.token,
      body: {
        project_fk: p1.id,
        task_fk: design.id,
        tags: [travel.id, urgent.id, travel.id],
        billable: false,
        ...span,
      },
    });
    expect(res.status).toBe(201);
    const log = (await res.json()) as { id: number; tags: number[]; task_fk: number; billable: boolean };
    expect(log).toMatchObject({
      task_fk: design.id,
      tags: [urgent.id, travel.id].sort((a, b) => a - b),
      billable: false,
    });
    // Moving the log to another project with the task still set is refused by the database.
    const moved = await call("PATCH", `/timelog/${log.id}`, { token: alice.token, body: { project_fk: p2.id } });
    expect((await expectProblem(moved, 422)).code).toBe("unknown_task");
    const retagged = await call("PATCH", `/timelog/${log.id}`, { token: alice.token, body: { tags: [urgent.id] } });
    expect(((await retagged.json()) as { tags: number[] }).tags).toEqual([urgent.id]);
    const byTag = await (await call("GET", `/timelog/?tag_fk=${urgent.id}`, { token: alice.token })).json();
    expect((byTag as { items: { id: number }[] }).items.map((l) => l.id)).toEqual([log.id]);
    const byTask = await (await call("GET", `/timelog/?task_fk=${other.id}`, { token: alice.token })).json();
    expect((byTask as { items: unknown[] }).items).toEqual([]);
    const sync = (await (await call("GET", "/timelog/changes?since=0.0", { token: alice.token })).json()) as {
      changes: { id: number; log: { tags: number[]; task_fk: number } }[];
    };
    expect(sync.changes.find((ch) => ch.id === log.id)?.log).toMatchObject({ tags: [urgent.id], task_fk: design.id });
    const tagInUse = await expectProblem(await call("DELETE", `/tags/${urgent.id}`, { token: admin.token }), 409);
    expect(tagInUse.code).toBe("tag_in_use");
    expect((await call("DELETE", `/tags/${travel.id}`, { token: admin.token })).status).toBe(204);
    const taskInUse = await expectProblem(
      await call("DELETE", `/projects/${p1.id}/tasks/${design.id}`, { token: admin.token }),
      409,
    );
    expect(taskInUse.code).toBe("task_in_use");
    await call("PATCH", `/projects/${p1.id}/tasks/${design.id}`, { token: admin.token, body: { is_archived: true } });
    const archived = await call("POST", "/timelog/", {
      token: alice.token,
      body: {
        project_fk: p1.id,
        task_fk: design.id,
        start_time: "2026-05-05T09:00:00Z",
        end_time: "2026-05-05T10:00:00Z",
      },
    });
    expect((await expectProblem(archived, 422)).code).toBe("task_archived");
    // A task is reached through its own project only.
    await expectProblem(
      await call("PATCH", `/projects/${p2.id}/tasks/${design.id}`, { token: admin.token, body: { name: "x" } }),
      404,
    );
  });

  it("reports group by client, task and tag; a log with two tags counts in both, the total once", async () => {
    const bob = await createUser();
    const client = await post("/clients/", { name: `Globex ${Date.now()}` });
    const p = await createProject(admin, { client_fk: client.id });
    const task = await post(`/projects/${p.id}/tasks`, { name: "Build" });
    const [a, b] = [await post("/tags/", { name: `a${Date.now()}` }), await post("/tags/", { name: `b${Date.now()}` })];
    const log = (day: string, tags: number[]) =>
      call("POST", "/timelog/", {
        token: bob.token,
        body: {
          project_fk: p.id,
          task_fk: task.id,
          tags,
          start_time: `2026-06-${day}T09:00:00Z`,
          end_time: `2026-06-${day}T11:00:00Z`,
        },
      });
    await log("01", [a.id, b.id]);
    await log("02", []);
    const summary = async (group: string) =>
      (await (
        await call("GET", `/reports/summary?from=2026-06-01&to=2026-07-01&group_by=${group}`, { token: bob.token })
      ).json()) as { total_ms: number; groups: Record<string, unknown>[] };
    const byTag = await summary("tag");
    expect(byTag.total_ms).toBe(ms(4 * 3600));
    expect(byTag.groups).toEqual([
      expect.objectContaining({ tag_fk: a.id, duration_ms: ms(7200) }),
      expect.objectContaining({ tag_fk: b.id, duration_ms: ms(7200) }),
      expect.objectContaining({ tag_fk: null, tag_name: null, duration_ms: ms(7200) }),
    ]);
    const byClient = await summary("client,task");
    expect(byClient.groups).toEqual([
      expect.objectContaining({ client_fk: client.id, task_fk: task.id, task_name: "Build", duration_ms: ms(14400) }),
    ]);
    const filtered = await call("GET", `/reports/summary?from=2026-06-01&to=2026-07-01&tag_fk=${b.id}`, {
      token: bob.token,
    });
    expect(((await filtered.json()) as { total_ms: number }).total_ms).toBe(7200000);
    expect(await countRoundTrips(() => call("GET", "/tags/", { token: bob.token }))).toBe(1);
    expect(await countRoundTrips(() => call("GET", `/projects/${p.id}/tasks`, { token: bob.token }))).toBe(1);
    expect(
      await countRoundTrips(() => call("POST", "/clients/", { token: admin.token, body: { name: `c${Date.now()}` } })),
    ).toBe(1);
  });
});
