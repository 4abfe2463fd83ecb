// POST /timelog/batch (issue 24 §2): operations in order, each on its own, in one round trip.
import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import {
  addEntry,
  createProject,
  createSuperuser,
  createTeamWorld,
  createUser,
  type Log,
  seedSql,
  type TestUser,
} from "../helpers/factories";

interface Result {
  status: number;
  body?: (Log & { client_id: string | null }) | null;
  problem?: Record<string, unknown> & { code: string };
}

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
const entry = (from: number, to: number) => ({ start_time: hoursAgo(from), end_time: hoursAgo(to) });

async function batch(user: TestUser, operations: unknown[], headers: Record<string, string> = {}) {
  return call("POST", "/timelog/batch", { token: user.token, body: { operations }, headers });
}
async function results(res: Response): Promise<Result[]> {
  expect(res.status).toBe(200);
  return ((await res.json()) as { results: Result[] }).results;
}
async function logs(userId: number) {
  return (await seedSql("SELECT id, note, client_id::text FROM timelog WHERE user_fk = $1 ORDER BY id", [userId])) as {
    id: number;
    note: string | null;
    client_id: string | null;
  }[];
}
const etagOf = async (id: number) =>
  (await seedSql("SELECT api_etag(timelog_json(t)) AS e FROM timelog t WHERE id = $1", [id]))[0]?.e as string;

async function world() {
  const admin = await createSuperuser();
  const project = await createProject(admin);
  const alice = await createUser();
  return { admin, project, alice };
}

describe("POST /timelog/batch", () => {
  it("mixed success: each operation succeeds or fails on its own, in order, in one round trip", async () => {
    const { project, alice } = await world();
    const old = await addEntry(alice, project.id, new Date(hoursAgo(10)), new Date(hoursAgo(9)));
    const a = crypto.randomUUID();
    const operations = [
      { op: "create", project_fk: project.id, client_id: a, ...entry(5, 4), note: "tunnel" },
      { op: "create", project_fk: project.id, ...entry(4.5, 3.5) }, // overlaps the first
      { op: "update", client_id: a, note: "tunnel, fixed" },
      { op: "create", project_fk: 999_999, ...entry(3, 2) },
      { op: "delete", id: old.id },
      { op: "update", id: 999_999, note: "nobody's" },
    ];
    let res: Response | undefined;
    expect(await countRoundTrips(async () => (res = await batch(alice, operations)))).toBe(1);
    const r = await results(res as Response);
    expect(r.map((x) => x.status)).toEqual([201, 409, 200, 422, 204, 404]);
    expect(r[0]?.body).toMatchObject({ client_id: a, note: "tunnel" });
    expect(r[1]?.problem).toMatchObject({ code: "overlap", conflicting_log_id: r[0]?.body?.id, status: 409 });
    expect(r[2]?.body).toMatchObject({ id: r[0]?.body?.id, note: "tunnel, fixed" });
    expect(r[3]?.problem?.code).toBe("unknown_project");
    expect(r[4]?.body).toBeNull();
    expect(r[5]?.problem?.code).toBe("not_found");
    expect(await logs(alice.id)).toEqual([{ id: r[0]?.body?.id, note: "tunnel, fixed", client_id: a }]);
    // The audit trail and webhooks see what was done, nothing of what was refused.
    const kinds = await seedSql(
      "SELECT kind FROM audit_event WHERE entity = 'timelog' AND actor_fk = $1 AND entity_id <> $2 ORDER BY id",
      [alice.id, String(old.id)],
    );
    expect(kinds.map((k) => k.kind)).toEqual(["timelog.created", "timelog.updated"]);
  });

  it("if_match: an update or delete of a log changed since is 409 version_conflict with the current log", async () => {
    const { project, alice } = await world();
    const log = await addEntry(alice, project.id, new Date(hoursAgo(8)), new Date(hoursAgo(7)), "v1");
    const v1 = await etagOf(log.id);
    const [fresh] = await results(await batch(alice, [{ op: "update", id: log.id, if_match: v1, note: "v2" }]));
    expect(fresh).toMatchObject({ status: 200, body: { note: "v2" } });
    const stale = await results(
      await batch(alice, [
        { op: "update", id: log.id, if_match: v1, note: "from an old copy" },
        { op: "delete", id: log.id, if_match: v1 },
      ]),
    );
    for (const r of stale) {
      expect(r.status).toBe(409);
      expect(r.problem).toMatchObject({ code: "version_conflict", current: { id: log.id, note: "v2" } });
      expect(r.problem?.etag).toBe(await etagOf(log.id));
    }
    expect(await logs(alice.id)).toEqual([{ id: log.id, note: "v2", client_id: null }]);
  });

  it("the same client_id twice in one batch: the second answers 200 with the first's log", async () => {
    const { project, alice } = await world();
    const client_id = crypto.randomUUID();
    const op = { op: "create", project_fk: project.id, client_id, ...entry(6, 5) };
    const [first, second] = await results(await batch(alice, [op, { ...op, note: "again" }]));
    expect(first?.status).toBe(201);
    expect(second).toEqual({ status: 200, body: first?.body });
    expect(await logs(alice.id)).toHaveLength(1);
  });

  it("parallel batches and creates with one client_id make exactly one log", async () => {
    const { project, alice } = await world();
    const client_id = crypto.randomUUID();
    const op = { op: "create", project_fk: project.id, client_id, ...entry(7, 6) };
    const [b1, b2, single] = await Promise.all([
      batch(alice, [op]),
      batch(alice, [op]),
      call("POST", "/timelog", { token: alice.token, body: { project_fk: project.id, client_id, ...entry(7, 6) } }),
    ]);
    const statuses = [...(await results(b1)), ...(await results(b2))].map((r) => r.status);
    statuses.push(single.status);
    expect(statuses.sort()).toEqual([200, 200, 201]);
    expect(await logs(alice.id)).toHaveLength(1);
  });

  it("a locked week: its operations get period_locked, the others succeed", async () => {
    const { project, alice } = await world();
    const week = { start: "2026-09-29T09:00:00Z", end: "2026-09-29T10:00:00Z" }; // 2026-W40
    const inWeek = await addEntry(alice, project.id, new Date(week.start), new Date(week.end));
    expect((await call("POST", "/timesheets/2026-W40/submit", { token: alice.token })).status).toBe(200);
    const r = await results(
      await batch(alice, [
        { op: "create", project_fk: project.id, start_time: "2026-09-30T09:00:00Z", end_time: "2026-09-30T10:00:00Z" },
        { op: "update", id: inWeek.id, note: "late fix" },
        { op: "delete", id: inWeek.id },
        { op: "create", project_fk: project.id, ...entry(3, 2) },
      ]),
    );
    expect(r.map((x) => x.status)).toEqual([409, 409, 409, 201]);
    for (const x of r.slice(0, 3)) expect(x.problem).toMatchObject({ code: "period_locked", week: "2026-W40" });
    expect((await logs(alice.id)).map((l) => l.id)).toEqual([inWeek.id, r[3]?.body?.id]);
  });

  it("1..100 operations: 101 or none is 422 for the whole batch and writes nothing", async () => {
    const { project, alice } = await world();
    const create = (i: number) => ({
      op: "create",
      project_fk: project.id,
      ...entry(100 - i * 0.5, 100 - i * 0.5 - 0.25),
    });
    const tooMany = await batch(
      alice,
      Array.from({ length: 101 }, (_, i) => create(i)),
    );
    expect((await expectProblem(tooMany, 422)).code).toBe("validation_failed");
    expect((await expectProblem(await batch(alice, []), 422)).code).toBe("validation_failed");
    const both = await batch(alice, [{ op: "delete", id: 1, client_id: crypto.randomUUID() }]);
    expect((await expectProblem(both, 422)).code).toBe("validation_failed");
    expect(await logs(alice.id)).toEqual([]);
    let res: Response | undefined;
    const full = Array.from({ length: 100 }, (_, i) => create(i));
    expect(await countRoundTrips(async () => (res = await batch(alice, full)))).toBe(1);
    expect((await results(res as Response)).every((x) => x.status === 201)).toBe(true);
    expect(await logs(alice.id)).toHaveLength(100);
  });

  it("reaches what PATCH and DELETE reach: another person's log is 404, by id or by client_id", async () => {
    const { project, alice } = await world();
    const bob = await createUser();
    const client_id = crypto.randomUUID();
    const [made] = await results(
      await batch(bob, [{ op: "create", project_fk: project.id, client_id, ...entry(2, 1) }]),
    );
    const id = made?.body?.id as number;
    const r = await results(
      await batch(alice, [
        { op: "update", id, note: "mine now" },
        { op: "delete", client_id },
      ]),
    );
    expect(r.map((x) => x.problem?.code)).toEqual(["not_found", "not_found"]);
    expect(await logs(bob.id)).toEqual([{ id, note: null, client_id }]);
    const team = await createTeamWorld();
    const log = await addEntry(team.ann, project.id, new Date(hoursAgo(3)), new Date(hoursAgo(2)));
    const [byManager] = await results(await batch(team.manager, [{ op: "update", id: log.id, note: "checked" }]));
    expect(byManager).toMatchObject({ status: 200, body: { note: "checked" } });
  });

  it("a log deleted earlier answers 410 gone to a later update or create by its client_id", async () => {
    const { project, alice } = await world();
    const client_id = crypto.randomUUID();
    const r = await results(
      await batch(alice, [
        { op: "create", project_fk: project.id, client_id, ...entry(2, 1) },
        { op: "delete", client_id },
        { op: "update", client_id, note: "too late" },
        { op: "create", project_fk: project.id, client_id, ...entry(2, 1) },
      ]),
    );
    expect(r.map((x) => x.status)).toEqual([201, 204, 410, 410]);
    expect(r[2]?.problem).toMatchObject({ code: "gone", id: r[0]?.body?.id });
    expect(await logs(alice.id)).toEqual([]);
  });

  it("takes an Idempotency-Key: a retry gets the stored results and changes nothing", async () => {
    const { project, alice } = await world();
    const headers = { "idempotency-key": `batch-${crypto.randomUUID()}` };
    const ops = [{ op: "create", project_fk: project.id, ...entry(2, 1) }];
    const first = await results(await batch(alice, ops, headers));
    const retry = await batch(alice, ops, headers);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await results(retry)).toEqual(first);
    expect(await logs(alice.id)).toHaveLength(1);
  });

  it("needs a login with timelog:write", async () => {
    const res = await call("POST", "/timelog/batch", { body: { operations: [{ op: "delete", id: 1 }] } });
    await expectProblem(res, 401);
  });
});
