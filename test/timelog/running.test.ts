// GET /timelog/running (issue 25 §1, the MCP tool team_status): who is clocked in now, on what, for
// the people one manages; never anyone else's, in one round trip.
import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { clockIn, createTeamWorld, createUser } from "../helpers/factories";

interface Page {
  items: { user_fk: number; username: string; project_name: string; log: { id: number; end_time: string | null } }[];
  next_cursor: string | null;
}
const running = async (token: string, qs = "") => {
  const res = await call("GET", `/timelog/running${qs}`, { token });
  expect(res.status).toBe(200);
  return (await res.json()) as Page;
};

describe("GET /timelog/running", () => {
  it("a manager sees their people's running timers, not their own or a stranger's; one round trip", async () => {
    const { admin, manager, ann, bob, stranger, project } = await createTeamWorld();
    for (const who of [ann, manager, stranger]) expect((await clockIn(who, project.id)).status).toBe(201);
    let page: Page | undefined;
    expect(await countRoundTrips(async () => (page = await running(manager.token)))).toBe(1);
    expect(page?.items).toEqual([
      expect.objectContaining({ user_fk: ann.id, username: ann.username, project_name: project.secret_name }),
    ]);
    expect(page?.items[0]?.log.end_time).toBeNull();
    expect(page?.next_cursor).toBeNull();
    // bob is not clocked in: not listed. The members see nobody (they manage nobody).
    expect((await running(bob.token)).items).toEqual([]);
    expect((await running(ann.token)).items).toEqual([]);
    // A superuser sees everyone running, a page at a time.
    const first = await running(admin.token, "?limit=1");
    expect(first.items).toHaveLength(1);
    const all = new Set<number>();
    let cursor: string | null = null;
    do {
      const p: Page = await running(admin.token, `?limit=1${cursor ? `&cursor=${cursor}` : ""}`);
      for (const i of p.items) all.add(i.user_fk);
      cursor = p.next_cursor;
    } while (cursor);
    expect([ann.id, manager.id, stranger.id].every((id) => all.has(id))).toBe(true);
  });

  it("refuses no token (401) and a forged cursor or huge limit (422)", async () => {
    const alice = await createUser();
    await expectProblem(await call("GET", "/timelog/running"), 401);
    await expectProblem(await call("GET", "/timelog/running?cursor=bm9wZXxub3Bl", { token: alice.token }), 422);
    await expectProblem(await call("GET", "/timelog/running?limit=100000", { token: alice.token }), 422);
  });
});
