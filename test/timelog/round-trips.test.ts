import { describe, expect, it } from "vitest";
import { call, countRoundTrips } from "../helpers/api";
import { addEntry, createProject, createSuperuser, createUser, type Log, minutesAgo } from "../helpers/factories";

describe("every project and time-log route takes exactly one database round trip", () => {
  it("counted by the local endpoint, with and without an Idempotency-Key", async () => {
    const admin = await createSuperuser();
    const alice = await createUser();
    const p = await createProject(admin);
    const q = await createProject(admin);
    const old = await addEntry(alice, p.id, minutesAgo(600), minutesAgo(500));
    const a = { token: alice.token };
    const su = { token: admin.token };
    let log: Log | undefined;
    const routes: [string, () => Promise<Response>][] = [
      ["GET /projects/", () => call("GET", "/projects/", a)],
      ["GET /projects/{id}", () => call("GET", `/projects/${p.id}`, a)],
      ["POST /projects/", () => call("POST", "/projects/", { ...su, body: { secret_name: "rt" } })],
      [
        "PUT /projects/{id}",
        () =>
          call("PUT", `/projects/${q.id}`, {
            ...su,
            body: { secret_name: "q", started_at: "2026-01-01T00:00:00Z", description: null, is_archived: false },
          }),
      ],
      [
        "PATCH /projects/{id}",
        () =>
          call("PATCH", `/projects/${q.id}`, {
            ...su,
            body: { description: "d" },
            headers: { "idempotency-key": "rt-1" },
          }),
      ],
      [
        "POST /timelog/",
        async () => {
          const res = await call("POST", "/timelog/", { ...a, body: { project_fk: p.id } });
          log = (await res.clone().json()) as Log;
          return res;
        },
      ],
      ["GET /timelog/current", () => call("GET", "/timelog/current", a)],
      ["POST /timelog/switch", () => call("POST", "/timelog/switch", { ...a, body: { project_fk: q.id } })],
      ["POST /timelog/close", () => call("POST", "/timelog/close", { ...a, headers: { "idempotency-key": "rt-2" } })],
      ["GET /timelog/", () => call("GET", "/timelog/?limit=10", a)],
      ["GET /timelog/changes", () => call("GET", "/timelog/changes?since=0.0", a)],
      ["GET /timelog/{id}", () => call("GET", `/timelog/${old.id}`, a)],
      ["PATCH /timelog/{id}", () => call("PATCH", `/timelog/${old.id}`, { ...a, body: { note: "n" } })],
      ["DELETE /timelog/{id}", () => call("DELETE", `/timelog/${log?.id}`, a)],
      [
        "DELETE /projects/{id}",
        () => call("DELETE", `/projects/${q.id}`, { ...su, headers: { "idempotency-key": "rt-3" } }),
      ],
    ];
    const trips: Record<string, number> = {};
    const statuses: Record<string, number> = {};
    for (const [name, fn] of routes) {
      trips[name] = await countRoundTrips(async () => {
        statuses[name] = (await fn()).status;
      });
    }
    expect(Object.values(statuses).every((s) => s < 400 || s === 409)).toBe(true);
    expect(statuses["DELETE /projects/{id}"]).toBe(409); // it has logs now
    expect(trips).toEqual(Object.fromEntries(routes.map(([name]) => [name, 1])));
  });
});
