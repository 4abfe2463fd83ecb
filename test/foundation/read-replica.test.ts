// DATABASE_URL_READ (issue 24 §5; src/db/replica.ts): reads go to a read replica only when the
// caller's Read-After bookmark proves the replica has their last write, and the login check always
// runs on the primary. The "replica" here is a second database that is never updated (a replica
// infinitely behind, and not a standby): whatever it serves is visibly stale.
import { neon } from "@neondatabase/serverless";
import { describe, expect, inject, it } from "vitest";
import { sees } from "../../src/db/replica";
import { call, countRoundTrips, testEnv } from "../helpers/api";
import { addEntry, createProject, createSuperuser, createUser, minutesAgo, seedSql } from "../helpers/factories";

const replicaName = `test_${crypto.randomUUID().replaceAll("-", "")}`;
const replicaUrl = `postgres://test:test@localhost/${replicaName}`;
const withReplica = { ...testEnv, DATABASE_URL_READ: replicaUrl };
const endpoint = inject("neonEndpoint");

/** Requests the replica database has been sent. */
async function replicaRequests(): Promise<number> {
  const url = new URL("/__stats", endpoint);
  url.searchParams.set("db", replicaName);
  return ((await (await fetch(url)).json()) as { requests: number }).requests;
}

/** Copies a person and their live sessions into the replica, as they stood then (then it lags). */
async function copyToReplica(userId: number) {
  const rows = await seedSql(
    `SELECT (SELECT row_to_json(u) FROM app_user u WHERE id = $1) AS u,
            (SELECT json_agg(s) FROM session s WHERE user_fk = $1) AS s`,
    [userId],
  );
  const replica = neon(replicaUrl);
  await replica.transaction([
    replica`SELECT set_config('session_replication_role', 'replica', true)`,
    replica`INSERT INTO app_user OVERRIDING SYSTEM VALUE SELECT * FROM json_populate_record(NULL::app_user, ${JSON.stringify(rows[0]?.u)})`,
    replica`INSERT INTO session SELECT * FROM json_populate_recordset(NULL::session, ${JSON.stringify(rows[0]?.s)})`,
  ]);
}

const get = (path: string, token: string, readAfter?: string) =>
  call("GET", path, { token, env: withReplica, headers: readAfter === undefined ? {} : { "read-after": readAfter } });

describe("the read replica (DATABASE_URL_READ)", () => {
  it("a write's answer carries its bookmark, and the same person's next read sees the write", async () => {
    const admin = await createSuperuser();
    const project = await createProject(admin);
    const person = await createUser();
    await copyToReplica(person.id);
    const res = await call("POST", "/timelog", {
      token: person.token,
      body: { project_fk: project.id },
      env: withReplica,
    });
    expect(res.status).toBe(201);
    const bookmark = res.headers.get("read-after") ?? "";
    expect(bookmark).toMatch(/^[1-9]\d*$/);
    const log = (await res.json()) as { id: number };
    // With the bookmark (the replica cannot show it has it: the primary answers) and without one.
    for (const readAfter of [bookmark, undefined]) {
      const current = await get("/timelog/current", person.token, readAfter);
      expect(current.status).toBe(200);
      expect(((await current.json()) as { log: { id: number } | null }).log?.id).toBe(log.id);
    }
    // Without a replica configured, no bookmark is handed out (nothing would read it).
    const plain = await call("POST", "/timelog/close", { token: person.token });
    expect(plain.status).toBe(200);
    expect(plain.headers.has("read-after")).toBe(false);
  });

  it("another person's read with a bookmark the replica has goes to the replica: stale, one primary round trip", async () => {
    const admin = await createSuperuser();
    const project = await createProject(admin);
    const other = await createUser();
    await copyToReplica(other.id);
    await addEntry(other, project.id, minutesAgo(90), minutesAgo(30), "only on the primary");
    const before = await replicaRequests();
    let items: unknown[] | undefined;
    // The login check is the only statement the primary sees.
    const trips = await countRoundTrips(async () => {
      const list = await get("/timelog/?limit=50", other.token, "0");
      expect(list.status).toBe(200);
      items = ((await list.json()) as { items: unknown[] }).items;
    });
    expect(trips).toBe(1);
    expect(items).toEqual([]);
    expect(await replicaRequests()).toBe(before + 1);
    // The same read without a bookmark: the primary, with the entry.
    const fresh = await get("/timelog/?limit=50", other.token);
    expect(((await fresh.json()) as { items: { note: string }[] }).items.map((l) => l.note)).toEqual([
      "only on the primary",
    ]);
    // Malformed bookmarks are ignored (the primary answers), never a 5xx.
    for (const junk of ["-1", "abc", "1".repeat(30), "0x10"]) {
      const res = await get("/timelog/?limit=50", other.token, junk);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { items: unknown[] }).items).toHaveLength(1);
    }
  });

  it("reports go to the replica (their checks stay on the primary)", async () => {
    const admin = await createSuperuser();
    const project = await createProject(admin);
    const worker = await createUser();
    await addEntry(worker, project.id, minutesAgo(120), minutesAgo(60));
    const path = `/reports/summary?from=${minutesAgo(600).toISOString()}&to=${new Date().toISOString()}&group_by=project&user_fk=${worker.id}`;
    const total = async (readAfter?: string) => {
      const res = await get(path, admin.token, readAfter);
      expect(res.status).toBe(200);
      return ((await res.json()) as { total_ms: number }).total_ms;
    };
    expect(await total()).toBe(3_600_000);
    // Becoming a superuser is a change of rights the replica must have replayed (replica.ts), and
    // this stand-in is not a standby that could prove it: forget it, as if made superuser long ago.
    await seedSql("DELETE FROM sync_scope WHERE viewer_fk = $1", [admin.id]);
    const before = await replicaRequests();
    expect(await total("0")).toBe(0);
    expect(await replicaRequests()).toBe(before + 1);
    // A manager's check runs on the primary: someone outside their teams is refused, replica or not.
    const outsider = await createUser();
    const res = await get(path, outsider.token, "0");
    expect(res.status).toBe(403);
  });

  it("the sync feed never reads the replica: its cursor holds the primary's transaction ids", async () => {
    const person = await createUser();
    await copyToReplica(person.id);
    const before = await replicaRequests();
    const first = await get("/sync?limit=5", person.token, "0");
    expect(first.status).toBe(200);
    const { next_cursor } = (await first.json()) as { next_cursor: string };
    expect((await get(`/sync?limit=5&cursor=${next_cursor}`, person.token, "0")).status).toBe(200);
    expect(await replicaRequests()).toBe(before);
  });

  it("a revoked session is refused although the replica still has it live", async () => {
    const person = await createUser();
    await copyToReplica(person.id);
    expect((await get("/timelog/?limit=50", person.token, "0")).status).toBe(200);
    await seedSql("UPDATE session SET revoked_at = now(), revoked_reason = 'logout' WHERE user_fk = $1", [person.id]);
    const res = await get("/timelog/?limit=50", person.token, "0");
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe("session_ended");
    const report = await get(
      `/reports/summary?from=${minutesAgo(60).toISOString()}&to=${new Date().toISOString()}&group_by=project`,
      person.token,
      "0",
    );
    expect(report.status).toBe(401);
  });

  it("a replica that fails (here: no such database) leaves the read to the primary", async () => {
    const person = await createUser();
    const broken = { ...testEnv, DATABASE_URL_READ: "postgres://test:test@localhost/no_such_replica" };
    const res = await call("GET", "/timelog/current", {
      token: person.token,
      env: broken,
      headers: { "read-after": "0" },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { open: boolean }).open).toBe(false);
  });

  it("a snapshot sees a transaction below xmin, or below xmax and not in progress", () => {
    expect(sees("100:105:101,103", 99n)).toBe(true);
    expect(sees("100:105:101,103", 102n)).toBe(true);
    expect(sees("100:105:101,103", 103n)).toBe(false);
    expect(sees("100:105:101,103", 105n)).toBe(false);
    expect(sees("100:105:", 104n)).toBe(true);
    expect(sees("garbage", 5n)).toBe(false);
    expect(sees("garbage", 0n)).toBe(true);
  });
});
