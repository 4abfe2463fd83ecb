// The typed client apps use (scripts/client, the package timelog-api-client), driven through a
// working day against the worker: every path, parameter, body and response is typed from the
// OpenAPI document, and this file type-checks under strict tsc with no casts — if the document lied
// about a type, either tsc or an assertion here would fail. (The built package itself is tested by
// a consumer project: scripts/client/package.test.ts.)
import { describe, expect, it } from "vitest";
import { createTimelogClient } from "../../scripts/client";
import { send } from "../helpers/api";
import { createProject, createSuperuser, createUser } from "../helpers/factories";

const clientFor = (token: string) =>
  createTimelogClient({ baseUrl: "http://api.test", token, fetch: (request) => send(request) });

describe("the typed client", () => {
  it("tells a working day: idle, clock in, switch, delete, sync, report, CSV", async () => {
    const admin = await createSuperuser();
    const [first, second] = [await createProject(admin), await createProject(admin)];
    const alice = await createUser();
    const api = clientFor(alice.token);

    const idle = await api.GET("/timelog/current");
    expect(idle.data?.open).toBe(false);
    expect(idle.data?.log).toBeNull();

    const started = await api.POST("/timelog", { body: { project_fk: first.id } });
    if (!started.data) throw new Error(`clock-in failed: ${JSON.stringify(started.error)}`);
    const running = started.data;
    expect(running.end_time).toBeNull();
    expect(running.project_fk).toBe(first.id);

    const again = await api.POST("/timelog", { body: { project_fk: first.id } });
    expect(again.response.status).toBe(409);
    expect(again.error?.code).toBe("already_running");

    const switched = await api.POST("/timelog/switch", { body: { project_fk: second.id } });
    expect(switched.data?.stopped?.id).toBe(running.id);
    const current = switched.data?.started;
    if (!current) throw new Error("switch started nothing");

    const closed = await api.POST("/timelog/close");
    expect(closed.data?.id).toBe(current.id);

    const deleted = await api.DELETE("/timelog/{id}", { params: { path: { id: running.id } } });
    expect(deleted.response.status).toBe(204);

    const changes = await api.GET("/timelog/changes", { params: { query: { since: "0.0" } } });
    const sync = changes.data;
    if (!sync) throw new Error("no sync page");
    const gone = sync.changes.find((ch) => ch.id === running.id);
    expect(gone).toMatchObject({ deleted: true, log: null });
    expect(sync.changes.find((ch) => ch.id === current.id)?.log?.end_time).toBe(closed.data?.end_time);

    const year = { from: "2026-01-01", to: "2027-01-01" };
    const report = await api.GET("/reports/summary", { params: { query: { ...year, group_by: ["project", "user"] } } });
    expect(report.data?.group_by).toEqual(["project", "user"]);
    expect(report.data?.groups.map((g) => [g.project_fk, g.user_fk])).toEqual([[second.id, alice.id]]);

    const csv = await api.GET("/reports/timelog.csv", { params: { query: year }, parseAs: "text" });
    expect(csv.response.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(csv.data?.split("\r\n").filter(Boolean)).toHaveLength(2);

    const refused = await api.GET("/timelog/{id}", { params: { path: { id: 999_999 } } });
    expect(refused.error?.status).toBe(404);
    expect(refused.error?.code).toBe("not_found");
  });
});
