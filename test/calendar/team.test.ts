// A team's absence feed (issue 24 §4): for its managers and superusers, with each reason shown as
// the absence calendar shows it to the feed's owner; the right is checked again on every read.
import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { addEntry, createTeamWorld, createUser, putMember, seedSql } from "../helpers/factories";
import { absence, day, makeFeed, readFeed, SICK, VACATION } from "./helpers";

describe("POST /teams/{id}/calendar-feed", () => {
  it("a manager's feed: the team's absences, reasons as the absence calendar shows them, no notes, no logs", async () => {
    const { admin, manager, ann, bob, stranger, team, project } = await createTeamWorld();
    const carol = await createUser();
    await putMember(admin, team.id, carol.id, "manager");
    const ids = {
      ann: await absence(ann.id, SICK, day(3), day(4), "approved"),
      bob: await absence(bob.id, VACATION, day(5), day(5), "requested", "pm"),
      own: await absence(manager.id, VACATION, day(6), day(6), "approved"),
      // A co-manager is not someone this manager manages: "away".
      carol: await absence(carol.id, SICK, day(7), day(7), "approved"),
      stranger: await absence(stranger.id, SICK, day(3), day(3), "approved"),
      cancelled: await absence(ann.id, VACATION, day(9), day(9), "cancelled"),
    };
    await seedSql("UPDATE absence SET note = 'private, for HR' WHERE id = $1", [ids.ann]);
    await addEntry(manager, project.id, new Date(Date.now() - 3_600_000), new Date(Date.now() - 1_800_000));

    let feed: Awaited<ReturnType<typeof makeFeed>> | undefined;
    expect(await countRoundTrips(async () => (feed = await makeFeed(manager, team.id)))).toBe(1);
    if (!feed) throw new Error("no feed");
    expect(feed).toMatchObject({ kind: "team", team_fk: team.id });
    const { name, events } = await readFeed(feed.path);
    expect(name).toBe(`TimeLog: ${team.name} absences`);
    const byUid = new Map(events.map((e) => [e.uid, e]));
    const uid = (id: number) => `absence-${id}.team-${team.id}@api.test`;
    expect(byUid.get(uid(ids.ann))).toMatchObject({ summary: `${ann.username}: Sick`, description: null });
    expect(byUid.get(uid(ids.bob))?.summary).toBe(`${bob.username}: Vacation (afternoon) (requested)`);
    expect(byUid.get(uid(ids.own))?.summary).toBe(`${manager.username}: Vacation`);
    expect(byUid.get(uid(ids.carol))?.summary).toBe(`${carol.username}: away`);
    expect(events).toHaveLength(4);
    expect(byUid.get(uid(ids.ann))?.end.toString()).toBe(day(5));

    // The same reasons the absence calendar gives this manager for those days.
    const month = day(3).slice(0, 7);
    const res = await call("GET", `/absences/calendar?team_fk=${team.id}&month=${month}`, { token: manager.token });
    const cal = (await res.json()) as { days: { date: string; away: { user_fk: number; type: string }[] }[] };
    const annThere = cal.days.find((d) => d.date === day(3))?.away.find((a) => a.user_fk === ann.id);
    expect(annThere?.type).toBe("Sick");
  });

  it("members are refused (403), strangers and unknown teams are 404, superusers may feed any team", async () => {
    const { admin, ann, stranger, team } = await createTeamWorld();
    const member = await call("POST", `/teams/${team.id}/calendar-feed`, { token: ann.token });
    expect((await expectProblem(member, 403)).code).toBe("not_manager");
    await expectProblem(await call("POST", `/teams/${team.id}/calendar-feed`, { token: stranger.token }), 404);
    await expectProblem(await call("POST", "/teams/2147483647/calendar-feed", { token: admin.token }), 404);
    const feed = await makeFeed(admin, team.id);
    await readFeed(feed.path);
    // Nothing was made for the refused ones.
    const [row] = await seedSql("SELECT count(*)::int AS n FROM calendar_feed WHERE team_fk = $1", [team.id]);
    expect(row?.n).toBe(1);
  });

  it("stops (404) once its owner no longer manages the team, is removed from it, or is deactivated", async () => {
    const { admin, manager, ann, team } = await createTeamWorld();
    await absence(ann.id, SICK, day(1), day(1), "approved");
    const demoted = await makeFeed(manager, team.id);
    await putMember(admin, team.id, manager.id, "member");
    expect(await countRoundTrips(async () => expectProblem(await call("GET", demoted.path), 404))).toBe(1);

    await putMember(admin, team.id, manager.id, "manager");
    const removed = await makeFeed(manager, team.id);
    await call("DELETE", `/teams/${team.id}/members/${manager.id}`, { token: admin.token });
    await expectProblem(await call("GET", removed.path), 404);

    await putMember(admin, team.id, manager.id, "manager");
    const deactivated = await makeFeed(manager, team.id);
    await seedSql("UPDATE app_user SET is_active = false WHERE id = $1", [manager.id]);
    await expectProblem(await call("GET", deactivated.path), 404);
  });

  it("DELETE revokes it (204, then 404), one round trip; another user's DELETE finds nothing; both audited without the token", async () => {
    const { manager, ann, team } = await createTeamWorld();
    const feed = await makeFeed(manager, team.id);
    const own = await makeFeed(manager);
    await readFeed(feed.path);
    await expectProblem(await call("DELETE", `/teams/${team.id}/calendar-feed`, { token: ann.token }), 404);
    await readFeed(feed.path);
    let res: Response | undefined;
    expect(
      await countRoundTrips(
        async () => (res = await call("DELETE", `/teams/${team.id}/calendar-feed`, { token: manager.token })),
      ),
    ).toBe(1);
    expect(res?.status).toBe(204);
    // The first read filled the edge cache; the revocation emptied it.
    await expectProblem(await call("GET", feed.path), 404);
    // Their own feed is another feed: still live.
    await readFeed(own.path);
    const events = await seedSql(
      "SELECT kind, entity, after FROM audit_event WHERE entity = 'calendar_feed' AND actor_fk = $1 ORDER BY id",
      [manager.id],
    );
    expect(events.map((e) => e.kind)).toEqual([
      "calendar_feed.created",
      "calendar_feed.created",
      "calendar_feed.revoked",
    ]);
    expect(events[0]?.after).toMatchObject({ team_fk: team.id, replaced: false });
    const [hashes] = await seedSql("SELECT array_agg(token_hash) AS h FROM calendar_feed WHERE user_fk = $1", [
      manager.id,
    ]);
    const text = JSON.stringify(events);
    expect(text).not.toContain("tl_cal_");
    for (const h of (hashes?.h as string[]) ?? []) expect(text).not.toContain(h);
    await expectProblem(await call("DELETE", `/teams/${team.id}/calendar-feed`, { token: manager.token }), 404);
  });
});
