import { describe, expect, inject, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import {
  addEntry,
  clockIn,
  createProject,
  createSuperuser,
  createUser,
  type Log,
  minutesAgo,
  seedSql,
} from "../helpers/factories";

const at = (iso: string) => new Date(iso);

async function openLogs(userId: number) {
  const [row] = await seedSql("SELECT count(*)::int AS n FROM timelog WHERE user_fk = $1 AND end_time IS NULL", [
    userId,
  ]);
  return row?.n as number;
}

describe("one open log per user", () => {
  it("20 parallel clock-ins: exactly one 201, the rest 409, one open log", async () => {
    const admin = await createSuperuser();
    const project = await createProject(admin);
    const alice = await createUser();
    const responses = await Promise.all(Array.from({ length: 20 }, () => clockIn(alice, project.id)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    for (const r of responses.filter((r) => r.status === 409)) await expectProblem(r, 409);
    expect(await openLogs(alice.id)).toBe(1);
  });

  it("20 parallel switches: exactly one 201, the rest 409, one open log, no gap and no overlap", async () => {
    const admin = await createSuperuser();
    const a = await createProject(admin);
    const b = await createProject(admin);
    const alice = await createUser();
    expect((await clockIn(alice, a.id)).status).toBe(201);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        call("POST", "/timelog/switch", { token: alice.token, body: { project_fk: b.id } }),
      ),
    );
    const ok = responses.filter((r) => r.status === 201);
    expect(ok).toHaveLength(1);
    expect(responses.filter((r) => r.status === 409)).toHaveLength(19);
    const body = (await ok[0]?.json()) as { started: Log; stopped: Log };
    expect(body.stopped.end_time).toBe(body.started.start_time);
    expect(body.started.project_fk).toBe(b.id);
    expect(await openLogs(alice.id)).toBe(1);
  });

  it("switch with nothing running just starts", async () => {
    const admin = await createSuperuser();
    const a = await createProject(admin);
    const alice = await createUser();
    const res = await call("POST", "/timelog/switch", { token: alice.token, body: { project_fk: a.id } });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ stopped: null, started: { project_fk: a.id, end_time: null } });
  });

  it("close with nothing open is 404; close at a given end_time fixes a forgotten timer", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    expect((await expectProblem(await call("POST", "/timelog/close", { token: alice.token }), 404)).code).toBe(
      "nothing_open",
    );
    await seedSql(
      "INSERT INTO timelog (user_fk, project_fk, start_time) VALUES ($1, $2, now() - interval '10 hours')",
      [alice.id, p.id],
    );
    const end = minutesAgo(8 * 60).toISOString();
    const res = await call("POST", "/timelog/close", { token: alice.token, body: { end_time: end } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Log).end_time).toBe(end);
    // An end before the start is refused.
    await seedSql("INSERT INTO timelog (user_fk, project_fk, start_time) VALUES ($1, $2, now() - interval '1 hour')", [
      alice.id,
      p.id,
    ]);
    const bad = await call("POST", "/timelog/close", {
      token: alice.token,
      body: { end_time: minutesAgo(120).toISOString() },
    });
    expect((await expectProblem(bad, 422)).code).toBe("end_before_start");
  });
});

describe("no overlapping logs, half-open intervals", () => {
  it("refuses inside and around, allows touching ends, and names the conflicting log", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    const base = await addEntry(alice, p.id, at("2026-01-05T09:00:00Z"), at("2026-01-05T12:00:00Z"));

    const inside = await clockIn(alice, p.id, { start_time: "2026-01-05T10:00:00Z", end_time: "2026-01-05T11:00:00Z" });
    const problem = await expectProblem(inside, 409);
    expect(problem.conflicting_log_id).toBe(base.id);
    expect(problem.detail).toContain(String(base.id));

    const around = await clockIn(alice, p.id, { start_time: "2026-01-05T08:00:00Z", end_time: "2026-01-05T13:00:00Z" });
    await expectProblem(around, 409);
    const straddle = await clockIn(alice, p.id, {
      start_time: "2026-01-05T11:59:59Z",
      end_time: "2026-01-05T13:00:00Z",
    });
    await expectProblem(straddle, 409);

    await addEntry(alice, p.id, at("2026-01-05T12:00:00Z"), at("2026-01-05T13:00:00Z")); // starts as base ends
    await addEntry(alice, p.id, at("2026-01-05T08:00:00Z"), at("2026-01-05T09:00:00Z")); // ends as base starts

    // Another user's time does not conflict with Alice's.
    const bob = await createUser();
    await addEntry(bob, p.id, at("2026-01-05T09:00:00Z"), at("2026-01-05T12:00:00Z"));
  });

  it("an open log conflicts with a later manual entry, not with an earlier one", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    await seedSql("INSERT INTO timelog (user_fk, project_fk, start_time) VALUES ($1, $2, now() - interval '2 hours')", [
      alice.id,
      p.id,
    ]);
    const later = await clockIn(alice, p.id, {
      start_time: minutesAgo(60).toISOString(),
      end_time: minutesAgo(30).toISOString(),
    });
    await expectProblem(later, 409);
    await addEntry(alice, p.id, minutesAgo(300), minutesAgo(200));
  });

  it("edits are held to the same rules", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    const first = await addEntry(alice, p.id, at("2026-02-02T09:00:00Z"), at("2026-02-02T10:00:00Z"));
    const second = await addEntry(alice, p.id, at("2026-02-02T10:00:00Z"), at("2026-02-02T11:00:00Z"));
    const res = await call("PATCH", `/timelog/${second.id}`, {
      token: alice.token,
      body: { start_time: "2026-02-02T09:30:00Z" },
    });
    expect((await expectProblem(res, 409)).conflicting_log_id).toBe(first.id);
    const backwards = await call("PATCH", `/timelog/${second.id}`, {
      token: alice.token,
      body: { end_time: "2026-02-02T09:00:00Z" },
    });
    await expectProblem(backwards, 422);
    const [row] = await seedSql("SELECT start_time, end_time FROM timelog WHERE id = $1", [second.id]);
    expect(String((row?.start_time as Date | undefined)?.toISOString())).toBe("2026-02-02T10:00:00.000Z");
  });
});

describe("times and projects are validated", () => {
  it.each([
    ["a naive start_time", { start_time: "2026-01-05T09:00:00", end_time: "2026-01-05T10:00:00Z" }],
    ["a date only", { start_time: "2026-01-05", end_time: "2026-01-06" }],
    ["only a start_time", { start_time: "2026-01-05T09:00:00Z" }],
    ["garbage", { start_time: "yesterday", end_time: "today" }],
    ["a huge note", { note: "x".repeat(1001) }],
    ["a string project_fk", { project_fk: "1" }],
    ["an unknown field", { owner_id: 1 }],
  ])("rejects %s with 422 and writes nothing", async (_name, extra) => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    await expectProblem(await clockIn(alice, p.id, extra), 422);
    const [row] = await seedSql("SELECT count(*)::int AS n FROM timelog WHERE user_fk = $1", [alice.id]);
    expect(row?.n).toBe(0);
  });

  it("rejects times in the future beyond the allowed skew", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    const future = new Date(Date.now() + 60 * 60_000).toISOString();
    const res = await clockIn(alice, p.id, { start_time: minutesAgo(10).toISOString(), end_time: future });
    expect((await expectProblem(res, 422)).code).toBe("future_time");
  });

  it("refuses archived and unknown projects on clock-in and edit", async () => {
    const admin = await createSuperuser();
    const archived = await createProject(admin, { is_archived: true });
    const active = await createProject(admin);
    const alice = await createUser();
    expect((await expectProblem(await clockIn(alice, archived.id), 422)).code).toBe("project_archived");
    expect((await expectProblem(await clockIn(alice, 999_999), 422)).code).toBe("unknown_project");
    const log = await addEntry(alice, active.id, minutesAgo(90), minutesAgo(60));
    const moved = await call("PATCH", `/timelog/${log.id}`, { token: alice.token, body: { project_fk: archived.id } });
    expect((await expectProblem(moved, 422)).code).toBe("project_archived");
  });
});

describe("BOLA: other people's logs", () => {
  it("answers 404 on every route with an id, and changes nothing", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    const mallory = await createUser();
    const log = await addEntry(alice, p.id, minutesAgo(120), minutesAgo(60), "private");
    const as = { token: mallory.token };
    await expectProblem(await call("GET", `/timelog/${log.id}`, as), 404);
    await expectProblem(await call("PATCH", `/timelog/${log.id}`, { ...as, body: { note: "mine now" } }), 404);
    await expectProblem(await call("DELETE", `/timelog/${log.id}`, as), 404);
    const list = (await (await call("GET", "/timelog/", as)).json()) as { items: Log[] };
    expect(list.items).toEqual([]);
    await expectProblem(await call("GET", `/timelog/?user_fk=${alice.id}`, as), 403);
    await expectProblem(await call("GET", `/timelog/changes?user_fk=${alice.id}&since=0.0`, as), 403);
    const [row] = await seedSql("SELECT note FROM timelog WHERE id = $1", [log.id]);
    expect(row?.note).toBe("private");

    // A superuser may look and fix.
    expect((await call("GET", `/timelog/${log.id}`, { token: admin.token })).status).toBe(200);
    const theirs = (await (await call("GET", `/timelog/?user_fk=${alice.id}`, { token: admin.token })).json()) as {
      items: Log[];
    };
    expect(theirs.items.map((l) => l.id)).toEqual([log.id]);
  });
});

describe("lists", () => {
  it("filters by range (overlap), project and status; pages newest first with a cursor", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const q = await createProject(admin);
    const alice = await createUser();
    const a = await addEntry(alice, p.id, at("2026-03-01T09:00:00Z"), at("2026-03-01T17:00:00Z"));
    const b = await addEntry(alice, q.id, at("2026-03-02T09:00:00Z"), at("2026-03-02T17:00:00Z"));
    const c = await addEntry(alice, p.id, at("2026-03-03T22:00:00Z"), at("2026-03-04T02:00:00Z"));
    const ids = async (qs: string) =>
      ((await (await call("GET", `/timelog/?${qs}`, { token: alice.token })).json()) as { items: Log[] }).items.map(
        (l) => l.id,
      );

    expect(await ids("")).toEqual([c.id, b.id, a.id]);
    expect(await ids(`project_fk=${p.id}`)).toEqual([c.id, a.id]);
    expect(await ids("from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z")).toEqual([b.id]);
    expect(await ids("from=2026-03-04T00:00:00Z")).toEqual([c.id]); // crosses midnight into the range
    expect(await ids("to=2026-03-01T09:00:00Z")).toEqual([]); // half-open: touching is not overlapping
    expect(await ids("status=open")).toEqual([]);

    const first = (await (await call("GET", "/timelog/?limit=2", { token: alice.token })).json()) as {
      items: Log[];
      next_cursor: string;
    };
    expect(first.items.map((l) => l.id)).toEqual([c.id, b.id]);
    const second = (await (
      await call("GET", `/timelog/?limit=2&cursor=${first.next_cursor}`, { token: alice.token })
    ).json()) as {
      items: Log[];
      next_cursor: string | null;
    };
    expect(second.items.map((l) => l.id)).toEqual([a.id]);
    expect(second.next_cursor).toBeNull();

    await expectProblem(await call("GET", "/timelog/?cursor=garbage!", { token: alice.token }), 422);
    await expectProblem(await call("GET", "/timelog/?limit=201", { token: alice.token }), 422);
    await expectProblem(await call("GET", "/timelog/?from=2026-03-02", { token: alice.token }), 422);
    await expectProblem(
      await call("GET", "/timelog/?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z", { token: alice.token }),
      422,
    );
  });
});

describe("Idempotency-Key", () => {
  it("a retried clock-in returns the first response and creates nothing new, in one round trip", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    const key = crypto.randomUUID();
    const send = () =>
      call("POST", "/timelog/", {
        token: alice.token,
        body: { project_fk: p.id },
        headers: { "idempotency-key": key },
      });
    const first = await send();
    expect(first.status).toBe(201);
    const firstBody = await first.text();
    let retry: Response | undefined;
    expect(await countRoundTrips(async () => (retry = await send()))).toBe(1);
    expect(retry?.status).toBe(201);
    expect(await retry?.text()).toBe(firstBody);
    expect(retry?.headers.get("idempotent-replayed")).toBe("true");
    const [row] = await seedSql("SELECT count(*)::int AS n FROM timelog WHERE user_fk = $1", [alice.id]);
    expect(row?.n).toBe(1);

    const other = await call("POST", "/timelog/", {
      token: alice.token,
      body: { project_fk: p.id, note: "different" },
      headers: { "idempotency-key": key },
    });
    expect((await expectProblem(other, 422)).code).toBe("idempotency_key_reused");
  });

  it("replays deletes and switches too, and keys belong to one user", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    const bob = await createUser();
    const log = await addEntry(alice, p.id, minutesAgo(50), minutesAgo(40));
    const del = () =>
      call("DELETE", `/timelog/${log.id}`, { token: alice.token, headers: { "idempotency-key": "del-1" } });
    expect((await del()).status).toBe(204);
    expect((await del()).status).toBe(204);
    const sw = () =>
      call("POST", "/timelog/switch", {
        token: bob.token,
        body: { project_fk: p.id },
        headers: { "idempotency-key": "del-1" },
      });
    const s1 = await sw();
    expect(s1.status).toBe(201);
    const s2 = await sw();
    expect(await s2.text()).toBe(await s1.text());
    expect(await openLogs(bob.id)).toBe(1);
  });

  it("a retry while the first is still running gets 409", async () => {
    const alice = await createUser();
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const key = "slow-1";
    // Another transaction holds the key's lock, as a first attempt still running would; the retry
    // is sent once the lock is really held (PGlite: the holder runs first, then the retry).
    const holder = seedSqlBatchHoldingKey(alice.id, key);
    if (inject("databaseKind") === "postgres") await lockHeld();
    const res = await call("POST", "/timelog/", {
      token: alice.token,
      body: { project_fk: p.id },
      headers: { "idempotency-key": key },
    });
    await holder;
    if (inject("databaseKind") === "postgres") {
      expect((await expectProblem(res, 409)).code).toBe("idempotency_in_progress");
    } else {
      // PGlite has a single connection: the retry waits until the first is done, then runs.
      expect(res.status).toBe(201);
    }
  });

  it("rejects a malformed key", async () => {
    const alice = await createUser();
    const res = await call("POST", "/timelog/close", {
      token: alice.token,
      headers: { "idempotency-key": "has space" },
    });
    await expectProblem(res, 422);
  });
});

/** Waits until some session holds an advisory lock (polling the lock table, not the clock). */
async function lockHeld() {
  for (let i = 0; i < 200; i++) {
    const [row] = await seedSql("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted");
    if ((row?.n as number) > 0) return;
  }
  throw new Error("the lock was never taken");
}

async function seedSqlBatchHoldingKey(userId: number, key: string) {
  const { neon } = await import("@neondatabase/serverless");
  const { testEnv } = await import("../helpers/api");
  const sql = neon(testEnv.DATABASE_URL as string);
  await sql.transaction([
    sql`SELECT pg_advisory_xact_lock(hashtextextended(${String(userId)} || '/' || ${key}, 7402))`,
    sql`SELECT pg_sleep(1.5)`,
  ]);
}

describe("Idempotency-Key on a write that finds nothing", () => {
  it("answers 404 and stores nothing, so the key can be used for the real request", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    const headers = { "idempotency-key": "close-1" };
    await expectProblem(await call("POST", "/timelog/close", { token: alice.token, headers }), 404);
    const [row] = await seedSql("SELECT count(*)::int AS n FROM idempotency_key WHERE user_fk = $1", [alice.id]);
    expect(row?.n).toBe(0);
    expect((await clockIn(alice, p.id)).status).toBe(201);
    expect((await call("POST", "/timelog/close", { token: alice.token, headers })).status).toBe(200);
  });
});

describe("POST /timelog/close with an empty JSON body", () => {
  it("treats Content-Type: application/json with no body as no body", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    expect((await clockIn(alice, p.id)).status).toBe(201);
    const res = await call("POST", "/timelog/close", {
      token: alice.token,
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(200);
    await expectProblem(
      await call("POST", "/timelog/close", {
        token: alice.token,
        body: "{",
        headers: { "content-type": "application/json" },
      }),
      400,
    );
  });
});
