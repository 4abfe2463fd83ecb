import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createProject, createSuperuser, createUser, seedSql, type TestUser } from "../helpers/factories";

interface NewToken {
  id: number;
  token: string;
  prefix: string;
  scopes: string[];
  last_used_at: string | null;
}

async function mint(user: TestUser, scopes: string[], extra: Record<string, unknown> = {}) {
  const res = await call("POST", "/users/me/tokens", { token: user.token, body: { name: "script", scopes, ...extra } });
  if (res.status !== 201) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as NewToken;
}
const as = (token: string) => ({ token });

describe("API tokens", () => {
  it("are shown once, stored as a hash, listed without the secret, and revoked at once", async () => {
    const alice = await createUser();
    const t = await mint(alice, ["timelog:read"]);
    expect(t.token).toMatch(new RegExp(`^tl_pat_${alice.id}_[A-Za-z0-9_-]{43}$`));
    expect(t.token.startsWith(t.prefix)).toBe(true);
    const stored = await seedSql("SELECT token_hash, prefix FROM api_token WHERE id = $1", [t.id]);
    expect(JSON.stringify(stored)).not.toContain(t.token);
    expect(JSON.stringify(await seedSql("SELECT to_jsonb(a) AS e FROM audit_event a"))).not.toContain(t.token);

    expect((await call("GET", "/users/me", as(t.token))).status).toBe(200);
    const list = (await (await call("GET", "/users/me/tokens", { token: alice.token })).json()) as {
      items: (NewToken & { token?: string })[];
    };
    expect(list.items.map((i) => i.id)).toEqual([t.id]);
    expect(list.items[0]?.token).toBeUndefined();
    expect(list.items[0]?.last_used_at).not.toBeNull();

    expect((await call("DELETE", `/users/me/tokens/${t.id}`, { token: alice.token })).status).toBe(204);
    expect((await expectProblem(await call("GET", "/users/me", as(t.token)), 401)).code).toBe("invalid_token");
    await expectProblem(await call("DELETE", `/users/me/tokens/${t.id}`, { token: alice.token }), 404);
  });

  it("scopes narrow what a token does; a token never exceeds its owner, nor mints tokens", async () => {
    const admin = await createSuperuser();
    const project = await createProject(admin);
    const reader = await mint(admin, ["timelog:read"]);
    const writer = await mint(admin, ["timelog:write", "timelog:read"]);
    const reports = await mint(admin, ["reports:read"]);
    const full = await mint(admin, ["admin", "timelog:read"]);

    expect((await call("GET", "/timelog/", as(reader.token))).status).toBe(200);
    const denied = await expectProblem(
      await call("POST", "/timelog/", { ...as(reader.token), body: { project_fk: project.id } }),
      403,
    );
    expect(denied).toMatchObject({ code: "insufficient_scope", required_scope: "timelog:write" });
    expect((await call("POST", "/timelog/", { ...as(writer.token), body: { project_fk: project.id } })).status).toBe(
      201,
    );
    const range = "from=2026-11-01&to=2026-11-02";
    expect((await call("GET", `/reports/summary?${range}`, as(reports.token))).status).toBe(200);
    await expectProblem(await call("GET", `/reports/summary?${range}`, as(reader.token)), 403);
    await expectProblem(await call("GET", "/timelog/", as(reports.token)), 403);

    // Superuser routes need the admin scope and a superuser owner, checked at each request.
    await expectProblem(await call("POST", "/projects/", { ...as(reader.token), body: { secret_name: "x" } }), 403);
    expect((await call("POST", "/projects/", { ...as(full.token), body: { secret_name: "by token" } })).status).toBe(
      201,
    );
    await seedSql("UPDATE app_user SET is_superuser = false WHERE id = $1", [admin.id]);
    const demoted = await call("POST", "/projects/", { ...as(full.token), body: { secret_name: "after" } });
    expect((await expectProblem(demoted, 403)).code).toBe("superuser_required");
    await seedSql("UPDATE app_user SET is_superuser = true WHERE id = $1", [admin.id]);

    // A token cannot create tokens, change its owner's account or sign out.
    const minting = await call("POST", "/users/me/tokens", {
      ...as(full.token),
      body: { name: "x", scopes: ["admin"] },
    });
    expect((await expectProblem(minting, 403)).code).toBe("insufficient_scope");
    await expectProblem(await call("PATCH", "/users/me", { ...as(full.token), body: { username: "x" } }), 403);

    // A deactivated owner's tokens are dead.
    const alice = await createUser();
    const hers = await mint(alice, ["timelog:read"]);
    await call("PATCH", `/users/${alice.id}`, { token: admin.token, body: { is_active: false } });
    await expectProblem(await call("GET", "/users/me", as(hers.token)), 401);
  });

  it("refuses forged, borrowed, expired and malformed tokens; validates creation", async () => {
    const alice = await createUser();
    const bob = await createUser();
    const t = await mint(alice, ["timelog:read"]);
    const secret = t.token.slice(t.token.lastIndexOf("_") + 1);
    const forged = `${t.token.slice(0, -4)}AAAA`;
    const borrowed = `tl_pat_${bob.id}_${secret}`;
    for (const bad of [forged, borrowed, "tl_pat_1_short", `tl_pat_0_${secret}`, "tl_pat_99999999999_x"]) {
      await expectProblem(await call("GET", "/users/me", as(bad)), 401);
    }
    const soon = await mint(alice, ["timelog:read"], { expires_at: new Date(Date.now() + 60_000).toISOString() });
    expect((await call("GET", "/users/me", as(soon.token))).status).toBe(200);
    await seedSql(
      "UPDATE api_token SET created_at = now() - interval '2 days', expires_at = now() - interval '1 day' WHERE id = $1",
      [soon.id],
    );
    await expectProblem(await call("GET", "/users/me", as(soon.token)), 401);

    const create = (body: unknown) => call("POST", "/users/me/tokens", { token: alice.token, body });
    await expectProblem(await create({ name: "x", scopes: [] }), 422);
    await expectProblem(await create({ name: "x", scopes: ["root"] }), 422);
    await expectProblem(await create({ name: "x", scopes: ["admin", "admin"] }), 422);
    await expectProblem(await create({ name: "", scopes: ["admin"] }), 422);
    await expectProblem(await create({ name: "x", scopes: ["admin"], expires_at: "2020-01-01T00:00:00Z" }), 422);
  });

  it("superusers list and revoke anyone's tokens; others may not; one round trip each", async () => {
    const admin = await createSuperuser();
    const alice = await createUser();
    const t = await mint(alice, ["timelog:read"]);
    await expectProblem(await call("GET", "/tokens/", { token: alice.token }), 403);
    await expectProblem(await call("DELETE", `/tokens/${t.id}`, { token: alice.token }), 403);
    const listed = (await (await call("GET", `/tokens/?user_fk=${alice.id}`, { token: admin.token })).json()) as {
      items: { id: number }[];
    };
    expect(listed.items.map((i) => i.id)).toEqual([t.id]);
    // Bob cannot revoke Alice's token through his own list.
    const bob = await createUser();
    await expectProblem(await call("DELETE", `/users/me/tokens/${t.id}`, { token: bob.token }), 404);

    const trips = {
      read: await countRoundTrips(() => call("GET", "/timelog/", as(t.token))),
      list: await countRoundTrips(() => call("GET", "/users/me/tokens", { token: alice.token })),
      revoke: await countRoundTrips(() => call("DELETE", `/tokens/${t.id}`, { token: admin.token })),
    };
    expect(trips).toEqual({ read: 1, list: 1, revoke: 1 });
    await expectProblem(await call("GET", "/timelog/", as(t.token)), 401);
  });

  it("changes made with a token are audited as its owner's", async () => {
    const admin = await createSuperuser();
    const project = await createProject(admin);
    const alice = await createUser();
    const t = await mint(alice, ["timelog:write"]);
    const res = await call("POST", "/timelog/", { ...as(t.token), body: { project_fk: project.id } });
    const log = (await res.json()) as { id: number };
    const [event] = await seedSql("SELECT actor_fk FROM audit_event WHERE entity = 'timelog' AND entity_id = $1", [
      String(log.id),
    ]);
    expect(event?.actor_fk).toBe(alice.id);
  });

  it("lists show the owner and four characters of the secret, never more (secrets contain underscores)", async () => {
    const alice = await createUser();
    const minted = await Promise.all(Array.from({ length: 40 }, () => mint(alice, ["timelog:read"])));
    for (const t of minted) expect(t.prefix).toBe(t.token.slice(0, `tl_pat_${alice.id}_`.length + 4));
    const rows = (await seedSql("SELECT prefix FROM api_token WHERE user_fk = $1", [alice.id])) as { prefix: string }[];
    expect(rows.every((r) => r.prefix.length === `tl_pat_${alice.id}_`.length + 4)).toBe(true);
    // At least one of them had an underscore in its secret (each does with probability ~49%).
    expect(minted.some((t) => t.token.slice(`tl_pat_${alice.id}_`.length).includes("_"))).toBe(true);
  });

  it("a superuser's token without the admin scope has none of the superuser's powers", async () => {
    const admin = await createSuperuser();
    const alice = await createUser();
    const reader = await mint(admin, ["timelog:read", "timelog:write"]);
    const position = (await (await call("GET", "/positions/1", as(reader.token))).json()) as object;
    expect(position).not.toHaveProperty("salary");
    expect((await (await call("GET", "/positions/1", { token: admin.token })).json()) as object).toHaveProperty(
      "salary",
    );
    await expectProblem(await call("GET", `/timelog/?user_fk=${alice.id}`, as(reader.token)), 403);
    await expectProblem(await call("GET", `/users/${alice.id}`, as(reader.token)), 404);
    const audit = (await (await call("GET", "/audit/", as(reader.token))).json()) as { items: unknown[] };
    expect(audit.items).toEqual([]);
    await expectProblem(await call("GET", "/users/me/tokens", as(reader.token)), 403);
    await expectProblem(
      await call("POST", `/timesheets/${alice.id}/2026-W40/reopen`, { ...as(reader.token), body: { comment: "x" } }),
      403,
    );
  });
});
