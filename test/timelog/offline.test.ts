// Writes made offline (issue 24 §2): client_id makes a create idempotent without a header, and
// clock events carry the device's time within the company's offline window.
import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { clockIn, createProject, createSuperuser, createUser, type Log, seedSql } from "../helpers/factories";

type OfflineLog = Log & { client_id: string | null; source: "online" | "offline" };

const hoursFromNow = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
const minutesFromNow = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

async function logsOf(userId: number) {
  return (await seedSql("SELECT id, client_id::text, source FROM timelog WHERE user_fk = $1 ORDER BY id", [
    userId,
  ])) as { id: number; client_id: string | null; source: string }[];
}

async function world() {
  const admin = await createSuperuser();
  const project = await createProject(admin);
  const alice = await createUser();
  return { admin, project, alice };
}

describe("client_id", () => {
  it("a second create with the same client_id answers 200 with the log, unchanged, in one round trip", async () => {
    const { project, alice } = await world();
    const client_id = crypto.randomUUID();
    const entry = { start_time: hoursFromNow(-3), end_time: hoursFromNow(-2), note: "first", client_id };
    const first = await clockIn(alice, project.id, entry);
    expect(first.status).toBe(201);
    const log = (await first.json()) as OfflineLog;
    expect(log).toMatchObject({ client_id, source: "online", note: "first" });

    let again: Response | undefined;
    expect(
      await countRoundTrips(async () => {
        again = await clockIn(alice, project.id, { ...entry, note: "different" });
      }),
    ).toBe(1);
    expect(again?.status).toBe(200);
    expect(again?.headers.get("location")).toBeNull();
    expect(await again?.json()).toEqual(log);
    expect(await logsOf(alice.id)).toEqual([{ id: log.id, client_id, source: "online" }]);
  });

  it("a log without one shows client_id null, everywhere it is answered", async () => {
    const { project, alice } = await world();
    const res = await clockIn(alice, project.id);
    const log = (await res.json()) as OfflineLog;
    expect(log).toMatchObject({ client_id: null, source: "online" });
    const read = (await (await call("GET", `/timelog/${log.id}`, { token: alice.token })).json()) as OfflineLog;
    expect(read).toMatchObject({ client_id: null, source: "online" });
  });

  it("parallel creates with one client_id make exactly one log: one 201, the rest 200 with it", async () => {
    const { project, alice } = await world();
    const client_id = crypto.randomUUID();
    const responses = await Promise.all(Array.from({ length: 8 }, () => clockIn(alice, project.id, { client_id })));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    const ids = new Set(await Promise.all(responses.map(async (r) => ((await r.json()) as Log).id)));
    expect(ids.size).toBe(1);
    expect(await logsOf(alice.id)).toHaveLength(1);
  });

  it("is unique per person: another person's create with the same client_id is their own log", async () => {
    const { project, alice } = await world();
    const bob = await createUser();
    const client_id = crypto.randomUUID();
    const a = await clockIn(alice, project.id, { client_id });
    const b = await clockIn(bob, project.id, { client_id });
    expect([a.status, b.status]).toEqual([201, 201]);
    const [la, lb] = [(await a.json()) as Log, (await b.json()) as Log];
    expect(lb.id).not.toBe(la.id);
    expect(lb.user_fk).toBe(bob.id);
    // Bob cannot reach Alice's log through her client_id: his replay answers his own.
    const replay = await clockIn(bob, project.id, { client_id });
    expect(((await replay.json()) as Log).id).toBe(lb.id);
  });

  it("a replay after the log was deleted is 410 gone and does not bring it back", async () => {
    const { project, alice } = await world();
    const client_id = crypto.randomUUID();
    const log = (await (await clockIn(alice, project.id, { client_id })).json()) as Log;
    expect((await call("DELETE", `/timelog/${log.id}`, { token: alice.token })).status).toBe(204);
    const replay = await clockIn(alice, project.id, { client_id });
    expect(await expectProblem(replay, 410)).toMatchObject({ code: "gone", id: log.id });
    expect(await logsOf(alice.id)).toEqual([]);
  });

  it("refuses what is not a UUID, and an Idempotency-Key replays the 200 as 200", async () => {
    const { project, alice } = await world();
    expect((await expectProblem(await clockIn(alice, project.id, { client_id: "abc" }), 422)).code).toBe(
      "validation_failed",
    );
    const client_id = crypto.randomUUID();
    await clockIn(alice, project.id, { client_id });
    const headers = { "idempotency-key": `k-${client_id}` };
    const body = { project_fk: project.id, client_id };
    const first = await call("POST", "/timelog", { token: alice.token, body, headers });
    const retry = await call("POST", "/timelog", { token: alice.token, body, headers });
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await logsOf(alice.id)).toHaveLength(1);
  });
});

describe("clock events at the device's time (`at`)", () => {
  it("clock-in and clock-out just inside the 24 h window record the device's times and source offline", async () => {
    const { project, alice } = await world();
    const start = hoursFromNow(-24 + 1 / 60);
    const opened = await clockIn(alice, project.id, { at: start });
    expect(opened.status).toBe(201);
    const log = (await opened.json()) as OfflineLog;
    expect(Date.parse(log.start_time)).toBe(Date.parse(start));
    expect(log).toMatchObject({ source: "offline", end_time: null });
    const end = hoursFromNow(-1);
    const closed = await call("POST", "/timelog/close", { token: alice.token, body: { at: end } });
    expect(closed.status).toBe(200);
    const done = (await closed.json()) as OfflineLog;
    expect(Date.parse(done.end_time ?? "")).toBe(Date.parse(end));
    expect(done.source).toBe("offline");
  });

  it("just outside the window, ancient and far-future times are 422 and write nothing", async () => {
    const { project, alice } = await world();
    const tooOld = await clockIn(alice, project.id, { at: hoursFromNow(-24 - 1 / 60) });
    expect(await expectProblem(tooOld, 422)).toMatchObject({ code: "at_too_old", offline_window_hours: 24 });
    const ancient = await clockIn(alice, project.id, { at: "0001-01-01T00:00:00Z" });
    expect((await expectProblem(ancient, 422)).code).toBe("at_too_old");
    const ahead = await clockIn(alice, project.id, { at: minutesFromNow(3) });
    expect(await expectProblem(ahead, 422)).toMatchObject({ code: "at_in_future", max_ahead_seconds: 120 });
    const farFuture = await clockIn(alice, project.id, { at: "9999-12-31T23:59:59Z" });
    expect((await expectProblem(farFuture, 422)).code).toBe("at_in_future");
    expect(await logsOf(alice.id)).toEqual([]);
  });

  it("2 minutes ahead of the server is accepted, 3 minutes is not (clock-out too)", async () => {
    const { project, alice } = await world();
    expect((await clockIn(alice, project.id, { at: hoursFromNow(-1) })).status).toBe(201);
    const ahead = await call("POST", "/timelog/close", { token: alice.token, body: { at: minutesFromNow(3) } });
    expect((await expectProblem(ahead, 422)).code).toBe("at_in_future");
    const edge = await call("POST", "/timelog/close", { token: alice.token, body: { at: minutesFromNow(2) } });
    expect(edge.status).toBe(200);
  });

  it("a switch at the device's time stops one log and starts the next at that instant", async () => {
    const { admin, project, alice } = await world();
    const other = await createProject(admin);
    await clockIn(alice, project.id, { at: hoursFromNow(-3) });
    const at = hoursFromNow(-2);
    const res = await call("POST", "/timelog/switch", { token: alice.token, body: { project_fk: other.id, at } });
    expect(res.status).toBe(201);
    const { started, stopped } = (await res.json()) as { started: OfflineLog; stopped: OfflineLog };
    expect(Date.parse(started.start_time)).toBe(Date.parse(at));
    expect(Date.parse(stopped.end_time ?? "")).toBe(Date.parse(at));
    expect([started.source, stopped.source]).toEqual(["offline", "offline"]);
  });

  it("every invariant still applies: overlap, one running timer, the payroll lock", async () => {
    const { admin, project, alice } = await world();
    await clockIn(alice, project.id, { start_time: hoursFromNow(-5), end_time: hoursFromNow(-3) });
    const inside = await clockIn(alice, project.id, { at: hoursFromNow(-4) });
    expect((await expectProblem(inside, 409)).code).toBe("overlap");
    expect((await clockIn(alice, project.id, { at: hoursFromNow(-2) })).status).toBe(201);
    expect((await expectProblem(await clockIn(alice, project.id, { at: hoursFromNow(-1) }), 409)).code).toBe(
      "already_running",
    );
    await call("POST", "/timelog/close", { token: alice.token });
    const bob = await createUser();
    // The lock is company-wide: far enough back that no timer of this file's other tests started before it.
    const lock = await call("PUT", "/settings/lock", {
      token: admin.token,
      body: { locked_before: hoursFromNow(-20) },
    });
    expect(lock.status).toBe(200);
    try {
      const locked = await clockIn(bob, project.id, { at: hoursFromNow(-21) });
      expect((await expectProblem(locked, 409)).code).toBe("period_locked");
      expect(await logsOf(bob.id)).toEqual([]);
    } finally {
      await call("PUT", "/settings/lock", { token: admin.token, body: { locked_before: null } });
    }
  });

  it("`at` with start_time or with end_time is 422", async () => {
    const { project, alice } = await world();
    const both = await clockIn(alice, project.id, {
      at: hoursFromNow(-1),
      start_time: hoursFromNow(-2),
      end_time: hoursFromNow(-1),
    });
    expect((await expectProblem(both, 422)).code).toBe("validation_failed");
    const close = await call("POST", "/timelog/close", {
      token: alice.token,
      body: { at: hoursFromNow(-1), end_time: hoursFromNow(-1) },
    });
    expect((await expectProblem(close, 422)).code).toBe("validation_failed");
  });
});

describe("offline_window_hours", () => {
  it("is a company setting (0..168), and the window follows it", async () => {
    const { admin, project, alice } = await world();
    const settings = (await (await call("GET", "/settings", { token: admin.token })).json()) as Record<string, unknown>;
    expect(settings.offline_window_hours).toBe(24);
    for (const bad of [-1, 169, 1.5]) {
      const res = await call("PATCH", "/settings", { token: admin.token, body: { offline_window_hours: bad } });
      expect((await expectProblem(res, 422)).code).toBe("validation_failed");
    }
    const res = await call("PATCH", "/settings", { token: admin.token, body: { offline_window_hours: 2 } });
    expect(((await res.json()) as Record<string, unknown>).offline_window_hours).toBe(2);
    try {
      const old = await clockIn(alice, project.id, { at: hoursFromNow(-3) });
      expect(await expectProblem(old, 422)).toMatchObject({ code: "at_too_old", offline_window_hours: 2 });
      expect((await clockIn(alice, project.id, { at: hoursFromNow(-1) })).status).toBe(201);
    } finally {
      await call("PATCH", "/settings", { token: admin.token, body: { offline_window_hours: 24 } });
    }
  });

  it("only superusers change it", async () => {
    const { alice } = await world();
    const res = await call("PATCH", "/settings", { token: alice.token, body: { offline_window_hours: 168 } });
    expect(res.status).toBe(403);
  });
});
