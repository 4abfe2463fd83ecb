// Who sees which absences in GET /absences (issue 22 review F8 and the team_fk + user_fk filter):
// without a filter, your own and your people's (everyone's for a superuser), chosen set-based.
import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createTeam, createTeamWorld, putMember, type TestUser } from "../helpers/factories";
import { createType, requested } from "./helpers";

async function ids(who: TestUser, query: string) {
  const res = await call("GET", `/absences?${query}`, { token: who.token });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: { id: number }[] }).items.map((x) => x.id);
}

describe("listing absences", () => {
  it("without a filter: yours and your people's, everyone's for a superuser; one round trip", async () => {
    const { admin, manager, ann, bob, stranger } = await createTeamWorld();
    // stranger manages manager in another team.
    const other = await createTeam(admin);
    await putMember(admin, other.id, manager.id, "member");
    await putMember(admin, other.id, stranger.id, "manager");
    const type = await createType(admin, { needs_approval: false });
    const mk = (who: TestUser, day: string) => requested(who, { type_fk: type.id, from: day, to: day });
    const m = await mk(manager, "2027-07-05");
    const a = await mk(ann, "2027-07-06");
    const b = await mk(bob, "2027-07-07");
    const s = await mk(stranger, "2027-07-08");
    const q = `type_fk=${type.id}`;
    let mine: number[] = [];
    expect(
      await countRoundTrips(async () => {
        mine = await ids(manager, q);
      }),
    ).toBe(1);
    expect(mine).toEqual([b.id, a.id, m.id]);
    expect(await ids(ann, q)).toEqual([a.id]);
    // stranger manages manager in the other team: manager's absences, not ann's or bob's.
    expect(await ids(stranger, q)).toEqual([s.id, m.id]);
    expect(await ids(admin, q)).toEqual([s.id, b.id, a.id, m.id]);
    // Pages keep the order and the scope.
    const first = await call("GET", `/absences?${q}&limit=2`, { token: manager.token });
    const page = (await first.json()) as { items: { id: number }[]; next_cursor: string };
    expect(page.items.map((x) => x.id)).toEqual([b.id, a.id]);
    expect(await ids(manager, `${q}&limit=2&cursor=${page.next_cursor}`)).toEqual([m.id]);
  });

  it("user_fk and team_fk together apply both filters (and both checks)", async () => {
    const { admin, manager, ann, stranger, team } = await createTeamWorld();
    const elsewhere = await createTeam(admin);
    await putMember(admin, elsewhere.id, stranger.id, "member");
    const type = await createType(admin, { needs_approval: false });
    const a = await requested(ann, { type_fk: type.id, from: "2027-07-12", to: "2027-07-12" });
    const q = `type_fk=${type.id}`;
    expect(await ids(admin, `${q}&user_fk=${ann.id}&team_fk=${team.id}`)).toEqual([a.id]);
    expect(await ids(admin, `${q}&user_fk=${ann.id}&team_fk=${elsewhere.id}`)).toEqual([]);
    expect(await ids(manager, `${q}&user_fk=${ann.id}&team_fk=${team.id}`)).toEqual([a.id]);
    // ann may see her own, but not list a team she does not manage.
    const res = await call("GET", `/absences?${q}&user_fk=${ann.id}&team_fk=${team.id}`, { token: ann.token });
    expect((await expectProblem(res, 403)).code).toBe("not_manager");
  });
});
