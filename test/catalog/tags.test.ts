// Tags: one by id, and renaming — what changes, what is refused and what a refusal leaves alone.
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../helpers/api";
import { createProject, createSuperuser, createUser, type TestUser } from "../helpers/factories";

interface Tag {
  id: number;
  name: string;
  created_at: string;
}

async function createTag(admin: TestUser, name = `tag-${crypto.randomUUID().slice(0, 8)}`) {
  const res = await call("POST", "/tags/", { token: admin.token, body: { name } });
  if (res.status !== 201) throw new Error(`tag failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as Tag;
}

const getTag = async (user: TestUser, id: number) =>
  (await (await call("GET", `/tags/${id}`, { token: user.token })).json()) as Tag;

describe("GET /tags/{id}", () => {
  it("any signed-in user reads a tag; an unknown id is 404, a malformed one 422", async () => {
    const admin = await createSuperuser();
    const alice = await createUser();
    const tag = await createTag(admin, "on-call");
    const res = await call("GET", `/tags/${tag.id}`, { token: alice.token });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(tag);
    expect((await expectProblem(await call("GET", "/tags/999999", { token: alice.token }), 404)).code).toBe(
      "not_found",
    );
    await expectProblem(await call("GET", "/tags/abc", { token: alice.token }), 422);
  });
});

describe("GET /tags", () => {
  it("pages through the tags in id order; a cursor it never gave out is 422", async () => {
    const admin = await createSuperuser();
    const alice = await createUser();
    const mine = [await createTag(admin), await createTag(admin), await createTag(admin)];
    // Two to a page, to the end; the file's other tests add tags of their own.
    const all: Tag[] = [];
    for (let cursor = ""; ; ) {
      const res = await call("GET", `/tags?limit=2${cursor && `&cursor=${cursor}`}`, { token: alice.token });
      const page = (await res.json()) as { items: Tag[]; next_cursor: string | null };
      all.push(...page.items);
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    expect(all.map((t) => t.id)).toEqual([...new Set(all.map((t) => t.id))].sort((a, b) => a - b));
    expect(all.filter((t) => mine.some((m) => m.id === t.id))).toEqual(mine);
    const bad = await expectProblem(await call("GET", "/tags?cursor=7", { token: alice.token }), 422);
    expect(bad.code).toBe("invalid_cursor");
  });
});

describe("PATCH /tags/{id}", () => {
  it("a superuser renames a tag; the logs that carry it keep it, under its new name", async () => {
    const admin = await createSuperuser();
    const alice = await createUser();
    const project = await createProject(admin);
    const tag = await createTag(admin, "travl");
    const logged = await call("POST", "/timelog/", {
      token: alice.token,
      body: {
        project_fk: project.id,
        tags: [tag.id],
        start_time: "2026-05-04T09:00:00Z",
        end_time: "2026-05-04T10:00:00Z",
      },
    });
    const log = (await logged.json()) as { id: number };
    const res = await call("PATCH", `/tags/${tag.id}`, { token: admin.token, body: { name: "  travel " } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ...tag, name: "travel" });
    expect(await getTag(alice, tag.id)).toEqual({ ...tag, name: "travel" });
    const after = (await (await call("GET", `/timelog/${log.id}`, { token: alice.token })).json()) as {
      tags: number[];
    };
    expect(after.tags).toEqual([tag.id]);
    const summary = await call("GET", "/reports/summary?from=2026-05-04&to=2026-05-05&group_by=tag", {
      token: alice.token,
    });
    const groups = ((await summary.json()) as { groups: { tag_fk: number; tag_name: string }[] }).groups;
    expect(groups).toEqual([expect.objectContaining({ tag_fk: tag.id, tag_name: "travel" })]);
  });

  it("refuses a taken name (any case), a non-superuser, an unknown id and a bad name; none changes a tag", async () => {
    const admin = await createSuperuser();
    const alice = await createUser();
    const urgent = await createTag(admin, "urgent");
    const later = await createTag(admin, "later");
    const rename = (who: TestUser, id: number, name: unknown) =>
      call("PATCH", `/tags/${id}`, { token: who.token, body: { name } });
    expect((await expectProblem(await rename(admin, later.id, "URGENT"), 409)).code).toBe("name_taken");
    expect((await expectProblem(await rename(alice, later.id, "mine now"), 403)).code).toBe("superuser_required");
    expect((await expectProblem(await rename(admin, 999999, "ghost"), 404)).code).toBe("not_found");
    await expectProblem(await rename(admin, later.id, "   "), 422);
    await expectProblem(await rename(admin, later.id, "x".repeat(51)), 422);
    await expectProblem(
      await call("PATCH", `/tags/${later.id}`, { token: admin.token, body: { name: "ok", id: urgent.id } }),
      422,
    );
    expect(await getTag(alice, later.id)).toEqual(later);
    expect(await getTag(alice, urgent.id)).toEqual(urgent);
  });
});
