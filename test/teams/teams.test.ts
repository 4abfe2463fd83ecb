import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { addEntry, createTeam, createTeamWorld, createUser, type Log } from "../helpers/factories";

/** Seconds as the reports count them: whole milliseconds. */
const ms = (seconds: number) => Math.round(seconds * 1000);

// One instant for the whole file: two Date.now() calls a millisecond apart would make 3600.001 s.
const NOW = Math.floor(Date.now() / 1000) * 1000;
const hoursAgo = (h: number) => new Date(NOW - h * 3_600_000);

describe("teams", () => {
  it("superusers write teams and memberships; members read their own teams only", async () => {
    const { admin, manager, ann, stranger, team } = await createTeamWorld();
    await expectProblem(await call("POST", "/teams/", { token: ann.token, body: { name: "Mine" } }), 403);
    await expectProblem(
      await call("POST", "/teams/", { token: admin.token, body: { name: team.name.toUpperCase() } }),
      409,
    );

    const mine = (await (await call("GET", "/teams/", { token: ann.token })).json()) as { items: { id: number }[] };
    expect(mine.items.map((t) => t.id)).toEqual([team.id]);
    const theirs = (await (await call("GET", "/teams/", { token: stranger.token })).json()) as { items: unknown[] };
    expect(theirs.items).toEqual([]);
    await expectProblem(await call("GET", `/teams/${team.id}`, { token: stranger.token }), 404);
    await expectProblem(await call("GET", `/teams/${team.id}/members`, { token: stranger.token }), 404);

    const members = await call("GET", `/teams/${team.id}/members`, { token: ann.token });
    const list = (await members.json()) as { items: { user_fk: number; role: string }[] };
    expect(list.items.find((m) => m.user_fk === manager.id)?.role).toBe("manager");
    expect(list.items.find((m) => m.user_fk === ann.id)?.role).toBe("member");

    // A user in several teams; a role change; a removal; unknown team or user → 404.
    const other = await call("POST", "/teams/", { token: admin.token, body: { name: `second-${team.id}` } });
    const second = (await other.json()) as { id: number };
    const put = await call("PUT", `/teams/${second.id}/members/${ann.id}`, {
      token: admin.token,
      body: { role: "manager" },
    });
    expect(await put.json()).toMatchObject({ team_fk: second.id, user_fk: ann.id, role: "manager" });
    await expectProblem(
      await call("PUT", `/teams/${second.id}/members/${ann.id}`, { token: ann.token, body: { role: "member" } }),
      403,
    );
    await expectProblem(
      await call("PUT", `/teams/999999/members/${ann.id}`, { token: admin.token, body: { role: "member" } }),
      404,
    );
    await expectProblem(
      await call("PUT", `/teams/${second.id}/members/999999`, { token: admin.token, body: { role: "member" } }),
      404,
    );
    await expectProblem(
      await call("PUT", `/teams/${second.id}/members/${ann.id}`, { token: admin.token, body: { role: "boss" } }),
      422,
    );
    expect((await call("DELETE", `/teams/${second.id}/members/${ann.id}`, { token: admin.token })).status).toBe(204);
    await expectProblem(await call("DELETE", `/teams/${second.id}/members/${ann.id}`, { token: admin.token }), 404);
    expect((await call("DELETE", `/teams/${second.id}`, { token: admin.token })).status).toBe(204);
  });

  it("a manager reads, creates, fixes and deletes their members' logs; others get 404 or 403", async () => {
    const { admin, manager, ann, stranger, project } = await createTeamWorld();
    const log = await addEntry(ann, project.id, hoursAgo(5), hoursAgo(4), "ann's");

    // Read: one log, and the list with user_fk.
    expect((await call("GET", `/timelog/${log.id}`, { token: manager.token })).status).toBe(200);
    await expectProblem(await call("GET", `/timelog/${log.id}`, { token: stranger.token }), 404);
    const listed = await call("GET", `/timelog/?user_fk=${ann.id}`, { token: manager.token });
    expect(((await listed.json()) as { items: Log[] }).items.map((l) => l.id)).toEqual([log.id]);
    const refused = await expectProblem(
      await call("GET", `/timelog/?user_fk=${ann.id}`, { token: stranger.token }),
      403,
    );
    expect(refused.code).toBe("not_manager");
    // Members do not manage each other, and a manager is not managed by their members.
    const bobLook = await call("GET", `/timelog/?user_fk=${manager.id}`, { token: ann.token });
    await expectProblem(bobLook, 403);

    // Fix: edit and delete; create a finished entry for the member.
    const fixed = await call("PATCH", `/timelog/${log.id}`, { token: manager.token, body: { note: "fixed" } });
    expect(((await fixed.json()) as Log).note).toBe("fixed");
    await expectProblem(await call("PATCH", `/timelog/${log.id}`, { token: stranger.token, body: { note: "x" } }), 404);
    const made = await call("POST", "/timelog/", {
      token: manager.token,
      body: {
        user_fk: ann.id,
        project_fk: project.id,
        start_time: hoursAgo(3).toISOString(),
        end_time: hoursAgo(2).toISOString(),
      },
    });
    expect(made.status).toBe(201);
    expect(((await made.json()) as Log).user_fk).toBe(ann.id);
    const forged = await call("POST", "/timelog/", {
      token: stranger.token,
      body: {
        user_fk: ann.id,
        project_fk: project.id,
        start_time: hoursAgo(2).toISOString(),
        end_time: hoursAgo(1).toISOString(),
      },
    });
    expect((await expectProblem(forged, 403)).code).toBe("not_manager");
    const listAfter = await call("GET", `/timelog/?user_fk=${ann.id}`, { token: admin.token });
    expect(((await listAfter.json()) as { items: Log[] }).items).toHaveLength(2);
    expect((await call("DELETE", `/timelog/${log.id}`, { token: manager.token })).status).toBe(204);
    await expectProblem(await call("DELETE", `/timelog/${log.id}`, { token: stranger.token }), 404);
  });

  it("a manager's reports cover their team (team_fk) or one member (user_fk); strangers get 403", async () => {
    const { manager, ann, bob, stranger, team, project } = await createTeamWorld();
    await addEntry(ann, project.id, hoursAgo(6), hoursAgo(5));
    await addEntry(bob, project.id, hoursAgo(6), hoursAgo(4));
    await addEntry(stranger, project.id, hoursAgo(6), hoursAgo(3));
    const range = `from=${hoursAgo(24).toISOString()}&to=${new Date().toISOString()}`;
    const summary = async (token: string, qs: string) =>
      call("GET", `/reports/summary?${range}&group_by=user&${qs}`.replaceAll("+", "%2B"), { token });

    const byTeam = (await (await summary(manager.token, `team_fk=${team.id}`)).json()) as {
      total_ms: number;
      groups: { user_fk: number; duration_ms: number }[];
    };
    expect(byTeam.total_ms).toBe(ms(3 * 3600));
    expect(byTeam.groups.map((g) => g.user_fk).sort()).toEqual([ann.id, bob.id].sort());
    const one = (await (await summary(manager.token, `user_fk=${bob.id}`)).json()) as { total_ms: number };
    expect(one.total_ms).toBe(ms(2 * 3600));
    expect((await expectProblem(await summary(stranger.token, `team_fk=${team.id}`), 403)).code).toBe("not_manager");
    await expectProblem(await summary(ann.token, `team_fk=${team.id}`), 403);
    await expectProblem(await summary(stranger.token, `user_fk=${ann.id}`), 403);
    const csv = await call("GET", `/reports/timelog.csv?${range.replaceAll("+", "%2B")}&team_fk=${team.id}`, {
      token: manager.token,
    });
    expect(csv.status).toBe(200);
    expect((await csv.text()).trim().split("\r\n")).toHaveLength(3);
    // A manager sees no salaries.
    const position = (await (await call("GET", "/positions/1", { token: manager.token })).json()) as object;
    expect(position).not.toHaveProperty("salary");
  });

  it("renaming and deleting refuse a taken name, members and unknown teams; the team stays as it was", async () => {
    const { admin, ann, team } = await createTeamWorld();
    const other = await createTeam(admin);
    const before = await (await call("GET", `/teams/${team.id}`, { token: ann.token })).json();
    const patch = (token: string, id: number, body: unknown) => call("PATCH", `/teams/${id}`, { token, body });
    const taken = await expectProblem(await patch(admin.token, team.id, { name: other.name.toUpperCase() }), 409);
    expect(taken.code).toBe("team_name_taken");
    const member = await expectProblem(await patch(ann.token, team.id, { name: "Ann's now" }), 403);
    expect(member.code).toBe("superuser_required");
    await expectProblem(await patch(admin.token, 999999, { name: "ghost" }), 404);
    await expectProblem(await patch(admin.token, team.id, {}), 422);
    await expectProblem(await call("DELETE", `/teams/${team.id}`, { token: ann.token }), 403);
    await expectProblem(await call("DELETE", "/teams/999999", { token: admin.token }), 404);
    expect(await (await call("GET", `/teams/${team.id}`, { token: ann.token })).json()).toEqual(before);
    const members = await call("GET", `/teams/${team.id}/members`, { token: ann.token });
    expect(((await members.json()) as { items: unknown[] }).items).toHaveLength(3);
  });

  it("a cursor the list never gave out is 422", async () => {
    const { ann } = await createTeamWorld();
    const bad = await expectProblem(await call("GET", "/teams/?cursor=1", { token: ann.token }), 422);
    expect(bad.code).toBe("invalid_cursor");
    await expectProblem(await call("GET", "/teams/?limit=0", { token: ann.token }), 422);
  });

  it("every team route is one round trip", async () => {
    const { admin, ann, team } = await createTeamWorld();
    const late = await createUser();
    const trips = {
      list: await countRoundTrips(() => call("GET", "/teams/", { token: ann.token })),
      one: await countRoundTrips(() => call("GET", `/teams/${team.id}`, { token: ann.token })),
      members: await countRoundTrips(() => call("GET", `/teams/${team.id}/members`, { token: ann.token })),
      put: await countRoundTrips(() =>
        call("PUT", `/teams/${team.id}/members/${late.id}`, { token: admin.token, body: { role: "member" } }),
      ),
      remove: await countRoundTrips(() =>
        call("DELETE", `/teams/${team.id}/members/${late.id}`, { token: admin.token }),
      ),
      patch: await countRoundTrips(() =>
        call("PATCH", `/teams/${team.id}`, { token: admin.token, body: { description: "d" } }),
      ),
    };
    expect(trips).toEqual({ list: 1, one: 1, members: 1, put: 1, remove: 1, patch: 1 });
  });
});
