// GET /sync: snapshot paging, every type as its GET shows it, deletes, round trips, cursors.
import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import {
  addEntry,
  createProject,
  createTeamWorld,
  minutesAgo,
  seedSql,
  type TestUser,
  unique,
} from "../helpers/factories";
import { Device, fresh, page } from "./device";

const get = async (who: TestUser, path: string) => {
  const res = await call("GET", path, { token: who.token });
  expect(res.status, path).toBe(200);
  return (await res.json()) as Record<string, unknown> & { items?: Record<string, unknown>[] };
};
const post = async (who: TestUser, path: string, body: unknown, status = 201) => {
  const res = await call("POST", path, { token: who.token, body });
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as { id: number };
};
const etagOf = async (data: unknown) =>
  (await seedSql("SELECT api_etag($1::jsonb) AS e", [JSON.stringify(data)]))[0]?.e;

describe("GET /sync", () => {
  it("pages a snapshot, then carries on with changes, one round trip a page", async () => {
    const { ann, project } = await createTeamWorld();
    const logs = [];
    for (let i = 0; i < 5; i++)
      logs.push(await addEntry(ann, project.id, minutesAgo(600 - i * 60), minutesAgo(590 - i * 60)));
    const device = new Device(ann, 3);
    let trips = 0;
    for (let i = 0; i < 50; i++) {
      let more = false;
      trips += await countRoundTrips(async () => (more = await device.step()));
      if (!more) break;
    }
    expect(trips).toBe(device.pages);
    expect(device.pages).toBeGreaterThan(3);
    expect(device.keys("timelog").sort()).toEqual(logs.map((l) => String(l.id)).sort());
    expect(device.view()).toEqual(await fresh(ann));

    // Caught up: an empty page; then a write arrives as one upsert.
    const quiet = await page(ann, device.cursor);
    expect(quiet).toMatchObject({ changes: [], has_more: false });
    const late = await addEntry(ann, project.id, minutesAgo(30), minutesAgo(20));
    const next = await page(ann, quiet.next_cursor);
    expect(next.changes).toEqual([
      { type: "timelog", id: String(late.id), op: "upsert", data: late, etag: await etagOf(late) },
    ]);
  });

  it("every type arrives exactly as its single GET shows it, with api_etag(data)", async () => {
    const { admin, manager, ann, team, project } = await createTeamWorld();
    const client = await post(admin, "/clients", { name: `c-${unique()}` });
    const billed = await createProject(admin, { client_fk: client.id });
    const task = await post(admin, `/projects/${billed.id}/tasks`, { name: "design" });
    const tag = await post(admin, "/tags", { name: `t-${unique()}` });
    const log = await addEntry(ann, project.id, new Date("2026-09-29T09:00:00Z"), new Date("2026-09-29T17:00:00Z"));
    const absence = await post(ann, "/absences", { type_fk: 1, from: "2027-03-01", to: "2027-03-02" });
    // A week as its single-week answer shows it (the list adds a running cumulative balance).
    const submitted = await call("POST", "/timesheets/2026-W40/submit", { token: ann.token });
    expect(submitted.status).toBe(200);
    const sheet = await submitted.json();

    const me = await get(ann, "/users/me");
    const members = (await get(ann, `/teams/${team.id}/members`)).items ?? [];
    const expected: Record<string, unknown> = {
      "settings:company": await get(ann, "/settings"),
      [`user:${ann.id}`]: me,
      [`position:${me.position_fk}`]: await get(ann, `/positions/${me.position_fk}`),
      [`client:${client.id}`]: await get(ann, `/clients/${client.id}`),
      [`project:${billed.id}`]: await get(ann, `/projects/${billed.id}`),
      [`task:${task.id}`]: (await get(ann, `/projects/${billed.id}/tasks`)).items?.find((t) => t.id === task.id),
      [`tag:${tag.id}`]: await get(ann, `/tags/${tag.id}`),
      [`team:${team.id}`]: await get(ann, `/teams/${team.id}`),
      [`team_member:${team.id}:${manager.id}`]: members.find((m) => m.user_fk === manager.id),
      [`timelog:${log.id}`]: await get(ann, `/timelog/${log.id}`),
      [`absence:${absence.id}`]: await get(ann, `/absences/${absence.id}`),
      [`timesheet:${ann.id}:2026-W40`]: sheet,
    };
    const device = await new Device(ann).drain();
    for (const [key, data] of Object.entries(expected)) {
      const change = device.cache.get(key);
      expect(change?.data, key).toEqual(data);
      expect(change?.etag, key).toBe(await etagOf(data));
    }
    // The manager sees ann's log, absence and week; ann sees none of the manager's.
    const boss = await new Device(manager).drain();
    for (const key of [`timelog:${log.id}`, `absence:${absence.id}`, `timesheet:${ann.id}:2026-W40`])
      expect(boss.cache.get(key)?.data, key).toEqual(expected[key]);
    expect(boss.cache.has(`user:${ann.id}`)).toBe(false);
  });

  it("deletions and archived projects arrive as deletes", async () => {
    const { admin, ann, project } = await createTeamWorld();
    const other = await createProject(admin);
    const task = await post(admin, `/projects/${other.id}/tasks`, { name: "t" });
    const log = await addEntry(ann, project.id, minutesAgo(100), minutesAgo(90));
    const device = await new Device(ann).drain();
    expect(device.cache.has(`task:${task.id}`)).toBe(true);
    expect((await call("DELETE", `/timelog/${log.id}`, { token: ann.token })).status).toBe(204);
    expect(
      (await call("PATCH", `/projects/${other.id}`, { token: admin.token, body: { is_archived: true } })).status,
    ).toBe(200);
    const feed = await page(ann, device.cursor);
    expect(feed.changes).toEqual(
      expect.arrayContaining([
        { type: "timelog", id: String(log.id), op: "delete" },
        { type: "project", id: String(other.id), op: "delete" },
        { type: "task", id: String(task.id), op: "delete" },
      ]),
    );
    device.apply(feed.changes);
    device.cursor = feed.next_cursor;
    await device.drain();
    expect(device.view()).toEqual(await fresh(ann));
  });

  it("a member taken out of a team: the manager's device drops their logs and absences", async () => {
    const { admin, manager, ann, bob, team, project } = await createTeamWorld();
    const log = await addEntry(ann, project.id, minutesAgo(100), minutesAgo(90));
    const absence = await post(ann, "/absences", { type_fk: 1, from: "2027-04-01", to: "2027-04-01" });
    const kept = await addEntry(bob, project.id, minutesAgo(100), minutesAgo(90));
    const boss = await new Device(manager).drain();
    expect(boss.keys("timelog")).toEqual(expect.arrayContaining([String(log.id), String(kept.id)]));
    // Deleted after the manager's cursor, then the member leaves: the delete still reaches them.
    const gone = await addEntry(ann, project.id, minutesAgo(80), minutesAgo(70));
    await boss.drain();
    expect((await call("DELETE", `/timelog/${gone.id}`, { token: ann.token })).status).toBe(204);
    expect((await call("DELETE", `/teams/${team.id}/members/${ann.id}`, { token: admin.token })).status).toBe(204);
    const feed = await page(manager, boss.cursor);
    expect(feed.changes).toEqual(
      expect.arrayContaining([
        { type: "timelog", id: String(log.id), op: "delete" },
        { type: "timelog", id: String(gone.id), op: "delete" },
        { type: "absence", id: String(absence.id), op: "delete" },
        { type: "team_member", id: `${team.id}:${ann.id}`, op: "delete" },
      ]),
    );
    boss.apply(feed.changes);
    boss.cursor = feed.next_cursor;
    await boss.drain();
    expect(boss.keys("timelog")).toContain(String(kept.id));
    expect(boss.view()).toEqual(await fresh(manager));
    // ann, out of the team, loses the team and its memberships.
    const annDevice = await new Device(ann).drain();
    expect(annDevice.keys("team")).toEqual([]);
  });

  it("never shows a colleague's logs, absences or weeks, nor their deletions", async () => {
    const { manager, ann, bob, stranger, project } = await createTeamWorld();
    const mine = await new Device(ann).drain();
    const theirs = await addEntry(bob, project.id, minutesAgo(100), minutesAgo(90));
    await post(bob, "/absences", { type_fk: 1, from: "2027-05-03", to: "2027-05-03" });
    await addEntry(manager, project.id, minutesAgo(100), minutesAgo(90));
    expect((await call("DELETE", `/timelog/${theirs.id}`, { token: bob.token })).status).toBe(204);
    const feed = await page(ann, mine.cursor);
    expect(feed.changes.filter((c) => ["timelog", "absence", "timesheet", "user"].includes(c.type))).toEqual([]);
    const outsider = await new Device(stranger).drain();
    expect([...outsider.cache.keys()].filter((k) => /^(timelog|absence|team|team_member|user):/.test(k))).toEqual([
      `user:${stranger.id}`,
    ]);
  });

  it("refuses a cursor it did not give out (422) and one from another database (410), changing nothing", async () => {
    const { ann } = await createTeamWorld();
    for (const bad of [
      "x",
      "!!",
      "c.1.2.3",
      btoa("c.99999999999999999999.0."),
      btoa("s.1.99.0.0"),
      btoa("c.1.0.1;DROP"),
    ])
      expect(
        (await expectProblem(await call("GET", `/sync?cursor=${encodeURIComponent(bad)}`, { token: ann.token }), 422))
          .code,
      ).toBe("validation_failed");
    for (const limit of ["0", "501", "x"])
      await expectProblem(await call("GET", `/sync?limit=${limit}`, { token: ann.token }), 422);
    const future = btoa("c.9000000000000000000.-1.").replaceAll("=", "");
    expect((await expectProblem(await call("GET", `/sync?cursor=${future}`, { token: ann.token }), 410)).code).toBe(
      "cursor_expired",
    );
    await expectProblem(await call("GET", "/sync"), 401);
  });
});
