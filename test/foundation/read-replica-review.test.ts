// Review of the read replica (issue 24 §5, src/db/replica.ts): cases the first tests left open.
// As in read-replica.test.ts, the "replica" is a second database that is never updated.

import { neon } from "@neondatabase/serverless";
import { describe, expect, it } from "vitest";
import { call, testEnv } from "../helpers/api";
import { clockIn, createProject, createSuperuser, createTeamWorld, createUser, seedSql } from "../helpers/factories";

const replicaName = `test_${crypto.randomUUID().replaceAll("-", "")}`;
const replicaUrl = `postgres://test:test@localhost/${replicaName}`;
const withReplica = { ...testEnv, DATABASE_URL_READ: replicaUrl };

/** Copies rows of the primary into the replica, as they stand now (then the replica lags). */
async function copyToReplica(table: string, where: string, params: unknown[]) {
  const [row] = await seedSql(`SELECT json_agg(t) AS rows FROM ${table} t WHERE ${where}`, params);
  const rows = JSON.stringify((row as { rows: unknown }).rows ?? []);
  const identity = ["session", "team_member"].includes(table) ? "" : "OVERRIDING SYSTEM VALUE";
  const replica = neon(replicaUrl);
  await replica.transaction([
    replica`SELECT set_config('session_replication_role', 'replica', true)`,
    replica.query(`INSERT INTO ${table} ${identity} SELECT * FROM json_populate_recordset(NULL::${table}, $1)`, [rows]),
  ]);
}

describe("the read replica, reviewed", () => {
  it("a replayed write (Idempotency-Key) carries the bookmark of the write it replays", async () => {
    // A client whose first answer was lost retries and gets the stored answer: without the bookmark it
    // would send an older one, and its next read could come from a replica that lacks this write.
    const admin = await createSuperuser();
    const project = await createProject(admin);
    const person = await createUser();
    const headers = { "idempotency-key": crypto.randomUUID() };
    const send = () =>
      call("POST", "/timelog", { token: person.token, body: { project_fk: project.id }, env: withReplica, headers });
    const first = await send();
    expect(first.status).toBe(201);
    const bookmark = first.headers.get("read-after");
    expect(bookmark).toMatch(/^[1-9]\d*$/);
    const again = await send();
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("read-after")).toBe(bookmark);
  });

  // Authorization that lives in the read's own query (may_act_for: "superusers see everyone",
  // "managers their teams") is evaluated on the replica: the replica must also have replayed the
  // caller's last change of rights (sync_scope, named by the primary's login check), or the
  // primary answers. Review found this open; it failed before replica.ts learned the rights.
  it("a demoted superuser does not see others' running timers through the replica", async () => {
    const admin = await createSuperuser();
    const project = await createProject(admin);
    const demoted = await createSuperuser();
    const victim = await createUser();
    await clockIn(victim, project.id);
    await copyToReplica("app_user", "id = ANY($1)", [[demoted.id, victim.id]]);
    await copyToReplica("session", "user_fk = $1", [demoted.id]);
    await copyToReplica("project", "id = $1", [project.id]);
    await copyToReplica("timelog", "user_fk = $1", [victim.id]);
    await seedSql("UPDATE app_user SET is_superuser = false WHERE id = $1", [demoted.id]);
    const get = (readAfter?: string) =>
      call("GET", "/timelog/running?limit=200", {
        token: demoted.token,
        env: withReplica,
        headers: readAfter === undefined ? {} : { "read-after": readAfter },
      });
    const primary = await get();
    expect(primary.status).toBe(200);
    expect(((await primary.json()) as { items: unknown[] }).items).toEqual([]);
    const replica = await get("0");
    expect(replica.status).toBe(200);
    const items = ((await replica.json()) as { items: { user_fk: number }[] }).items;
    expect(items.map((i) => i.user_fk)).not.toContain(victim.id);
  });

  it("a manager taken off the team is refused the person's timesheets, even while the replica has them managing", async () => {
    // README: a check's refusal (a person outside the manager's teams) is the primary's. GET /timesheets
    // ran its assert_may_act_for as one of the read's queries, so on the replica.
    const { manager, ann, team } = await createTeamWorld();
    await copyToReplica("app_user", "id = ANY($1)", [[manager.id, ann.id]]);
    await copyToReplica("session", "user_fk = $1", [manager.id]);
    await copyToReplica("team", "id = $1", [team.id]);
    await copyToReplica("team_member", "team_fk = $1", [team.id]);
    const path = `/timesheets?user_fk=${ann.id}`;
    const get = (readAfter?: string) =>
      call("GET", path, {
        token: manager.token,
        env: withReplica,
        headers: readAfter === undefined ? {} : { "read-after": readAfter },
      });
    expect((await get("0")).status).toBe(200);
    await seedSql("DELETE FROM team_member WHERE team_fk = $1 AND user_fk = $2", [team.id, manager.id]);
    expect((await get()).status, "the primary").toBe(403);
    const res = await get("0");
    expect(res.status, "with Read-After").toBe(403);
  });
});
