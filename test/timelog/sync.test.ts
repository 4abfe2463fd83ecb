import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { addEntry, createProject, createSuperuser, createUser, minutesAgo } from "../helpers/factories";

interface Sync {
  changes: { id: number; deleted: boolean; log: { note: string | null } | null }[];
  next_cursor: string;
  has_more: boolean;
}

describe("incremental sync", () => {
  it("returns creations, edits and deletions (as tombstones) after a cursor, in one round trip", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    const sync = async (cursor: string, limit = 50) =>
      (await (
        await call("GET", `/timelog/changes?since=${cursor}&limit=${limit}`, { token: alice.token })
      ).json()) as Sync;

    const a = await addEntry(alice, p.id, minutesAgo(300), minutesAgo(240));
    const b = await addEntry(alice, p.id, minutesAgo(200), minutesAgo(100));
    let full: Sync | undefined;
    expect(await countRoundTrips(async () => (full = await sync("0.0")))).toBe(1);
    expect(full?.changes.map((c) => c.id)).toEqual([a.id, b.id]);
    const cursor = full?.next_cursor ?? "";

    expect((await sync(cursor)).changes).toEqual([]);

    expect((await call("DELETE", `/timelog/${a.id}`, { token: alice.token })).status).toBe(204);
    await call("PATCH", `/timelog/${b.id}`, { token: alice.token, body: { note: "edited" } });
    const c = await addEntry(alice, p.id, minutesAgo(50), minutesAgo(40));

    const delta = await sync(cursor);
    expect(delta.changes).toEqual([
      { id: a.id, deleted: true, log: null, deleted_at: expect.any(String) },
      expect.objectContaining({ id: b.id, deleted: false, log: expect.objectContaining({ note: "edited" }) }),
      expect.objectContaining({ id: c.id, deleted: false }),
    ]);

    // Paging through changes with a small limit sees each exactly once.
    const seen: number[] = [];
    let next = cursor;
    for (let i = 0; i < 10; i++) {
      const page = await sync(next, 1);
      seen.push(...page.changes.map((ch) => ch.id));
      next = page.next_cursor;
      if (!page.has_more) break;
    }
    expect(seen).toEqual([a.id, b.id, c.id]);
  });

  it("rejects a malformed cursor", async () => {
    const alice = await createUser();
    await expectProblem(await call("GET", "/timelog/changes?since=yesterday", { token: alice.token }), 422);
  });

  it("GET /timelog/changes is sync as its own operation: the same changes, one response shape", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    const stranger = await createUser();
    const a = await addEntry(alice, p.id, minutesAgo(300), minutesAgo(240));
    const get = async (qs: string, token = alice.token) => call("GET", `/timelog/changes${qs}`, { token });
    let first: Response | undefined;
    expect(await countRoundTrips(async () => (first = await get("")))).toBe(1);
    const page = (await (first as Response).json()) as Sync & { locked_before: string | null };
    expect(page.changes.map((c) => c.id)).toEqual([a.id]);
    expect(page).toMatchObject({ has_more: false, locked_before: null });
    // The retired form (changed_since on the list) is refused, not silently answered as a list.
    await expectProblem(await call("GET", "/timelog?changed_since=0.0", { token: alice.token }), 422);
    expect(((await (await get(`?since=${page.next_cursor}`)).json()) as Sync).changes).toEqual([]);
    await expectProblem(await get("?since=yesterday"), 422);
    const admins = (await (await get(`?user_fk=${alice.id}`, admin.token)).json()) as Sync;
    expect(admins.changes.map((c) => c.id)).toEqual([a.id]);
    await expectProblem(await get(`?user_fk=${alice.id}`, stranger.token), 403);
  });
});
