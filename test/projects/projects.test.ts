import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { addEntry, createProject, createSuperuser, createUser, minutesAgo, seedSql } from "../helpers/factories";

describe("projects", () => {
  it("superusers create, replace, change, archive and delete; every request is one round trip", async () => {
    const admin = await createSuperuser();
    let created: Response | undefined;
    expect(
      await countRoundTrips(async () => {
        created = await call("POST", "/projects", {
          token: admin.token,
          body: { secret_name: "Apollo", description: "moon" },
        });
      }),
    ).toBe(1);
    expect(created?.status).toBe(201);
    const p = (await created?.json()) as { id: number; started_at: string };
    expect(p).toMatchObject({ secret_name: "Apollo", description: "moon", is_archived: false });
    expect(p.started_at).toMatch(/Z$/);

    const put = await call("PUT", `/projects/${p.id}/`, {
      token: admin.token,
      body: { secret_name: "Apollo 11", started_at: "1969-07-16T13:32:00Z", description: null, is_archived: false },
    });
    expect(await put.json()).toMatchObject({
      secret_name: "Apollo 11",
      started_at: "1969-07-16T13:32:00.000Z",
      description: null,
    });
    const archived = await call("PATCH", `/projects/${p.id}`, { token: admin.token, body: { is_archived: true } });
    expect(await archived.json()).toMatchObject({ is_archived: true });

    let del: Response | undefined;
    expect(
      await countRoundTrips(async () => (del = await call("DELETE", `/projects/${p.id}/`, { token: admin.token }))),
    ).toBe(1);
    expect(del?.status).toBe(204);
    await expectProblem(await call("GET", `/projects/${p.id}`, { token: admin.token }), 404);
  });

  it("refuses to delete a project with logs: 409, archive it instead", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    await addEntry(alice, p.id, minutesAgo(60), minutesAgo(30));
    const res = await call("DELETE", `/projects/${p.id}`, { token: admin.token });
    const problem = await expectProblem(res, 409);
    expect(problem.code).toBe("project_has_logs");
    expect(problem.detail).toMatch(/archive/);
    const [row] = await seedSql("SELECT count(*)::int AS n FROM project WHERE id = $1", [p.id]);
    expect(row?.n).toBe(1);
  });

  it("ordinary users read but cannot write (403), anonymous users get 401", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    expect((await call("GET", `/projects/${p.id}`, { token: alice.token })).status).toBe(200);
    await expectProblem(await call("POST", "/projects/", { token: alice.token, body: { secret_name: "mine" } }), 403);
    await expectProblem(
      await call("PUT", `/projects/${p.id}`, {
        token: alice.token,
        body: { secret_name: "x", started_at: "2026-01-01T00:00:00Z", description: null, is_archived: false },
      }),
      403,
    );
    await expectProblem(
      await call("PATCH", `/projects/${p.id}`, { token: alice.token, body: { is_archived: true } }),
      403,
    );
    await expectProblem(await call("DELETE", `/projects/${p.id}`, { token: alice.token }), 403);
    await expectProblem(await call("GET", "/projects/"), 401);
    await expectProblem(await call("POST", "/projects/", { body: { secret_name: "anon" } }), 401);
    const [row] = await seedSql("SELECT secret_name, is_archived FROM project WHERE id = $1", [p.id]);
    expect(row).toEqual({ secret_name: p.secret_name, is_archived: false });
  });

  it("lists with keyset pages and an archived filter", async () => {
    const admin = await createSuperuser();
    const a = await createProject(admin);
    const b = await createProject(admin, { is_archived: true });
    const c = await createProject(admin);
    const ids = async (qs: string) =>
      (
        (await (await call("GET", `/projects/?${qs}`, { token: admin.token })).json()) as { items: { id: number }[] }
      ).items.map((p) => p.id);
    const all = await ids("limit=200");
    expect(all).toEqual(expect.arrayContaining([a.id, b.id, c.id]));
    expect(await ids("archived=true")).toContain(b.id);
    expect(await ids("archived=false")).not.toContain(b.id);
    // Bare numeric cursors were retired in 0.2.0: only the opaque next_cursor is accepted.
    await expectProblem(await call("GET", `/projects?limit=1&cursor=${a.id}`, { token: admin.token }), 422);
    const afterA = btoa(String(a.id)).replace(/=+$/, ""); // the opaque form: base64url of the last id
    const page = (await (await call("GET", `/projects?limit=1&cursor=${afterA}`, { token: admin.token })).json()) as {
      items: { id: number }[];
      next_cursor: string | null;
    };
    expect(page.items[0]?.id).toBe(b.id);
    expect(typeof page.next_cursor).toBe("string");
    const next = (await (
      await call("GET", `/projects/?limit=1&cursor=${page.next_cursor}`, { token: admin.token })
    ).json()) as { items: { id: number }[] };
    expect(next.items[0]?.id).toBe(c.id);
    await expectProblem(await call("GET", "/projects/?cursor=bm90IGEgY3Vyc29y", { token: admin.token }), 422);
    await expectProblem(await call("GET", "/projects/?archived=maybe", { token: admin.token }), 422);
  });

  it("an Idempotency-Key retry of a create makes one project", async () => {
    const admin = await createSuperuser();
    const name = `idem-${crypto.randomUUID().slice(0, 8)}`;
    const send = () =>
      call("POST", "/projects/", {
        token: admin.token,
        body: { secret_name: name },
        headers: { "idempotency-key": name },
      });
    const first = await send();
    const second = await send();
    expect(await second.text()).toBe(await first.text());
    const [row] = await seedSql("SELECT count(*)::int AS n FROM project WHERE secret_name = $1", [name]);
    expect(row?.n).toBe(1);
  });
});
