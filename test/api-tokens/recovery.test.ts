// API tokens and account recovery: what ends a token for good, and what a leaked admin token
// still cannot do to accounts (issue 20: "tokens survive account recovery", "an admin-scoped
// token can mint superusers").
import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createSuperuser, createUser, seedSql, type TestUser } from "../helpers/factories";

async function mint(user: TestUser, scopes: string[]) {
  const res = await call("POST", "/users/me/tokens", { token: user.token, body: { name: "script", scopes } });
  if (res.status !== 201) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as { id: number; token: string };
}
const works = async (token: string) => (await call("GET", "/timelog/", { token })).status;
const revokedAt = async (id: number) =>
  (await seedSql("SELECT revoked_at FROM api_token WHERE id = $1", [id]))[0]?.revoked_at;

describe("tokens and account recovery", () => {
  it("a deactivation revokes the person's tokens for good: reactivating does not revive them", async () => {
    const admin = await createSuperuser();
    const alice = await createUser();
    const t = await mint(alice, ["timelog:read"]);
    expect(await works(t.token)).toBe(200);
    expect((await call("PATCH", `/users/${alice.id}`, { token: admin.token, body: { is_active: false } })).status).toBe(
      200,
    );
    expect(await revokedAt(t.id)).not.toBeNull();
    expect((await call("PATCH", `/users/${alice.id}`, { token: admin.token, body: { is_active: true } })).status).toBe(
      200,
    );
    await expectProblem(await call("GET", "/timelog/", { token: t.token }), 401);
  });

  it("the database revokes them whatever path deactivates (here a hand repair in SQL)", async () => {
    const bob = await createUser();
    const t = await mint(bob, ["timelog:read"]);
    await seedSql("UPDATE app_user SET is_active = false WHERE id = $1", [bob.id]);
    await seedSql("UPDATE app_user SET is_active = true WHERE id = $1", [bob.id]);
    expect(await revokedAt(t.id)).not.toBeNull();
    await expectProblem(await call("GET", "/timelog/", { token: t.token }), 401);
  });

  it("a new password revokes the tokens by default and says how many, in two round trips", async () => {
    const alice = await createUser();
    const [a, b] = [await mint(alice, ["timelog:read"]), await mint(alice, ["reports:read"])];
    let res: Response | undefined;
    const trips = await countRoundTrips(async () => {
      res = await call("PATCH", "/users/me", {
        token: alice.token,
        body: { password: "a brand new passphrase", current_password: alice.password },
      });
    });
    expect(trips).toBe(2);
    expect(res?.status).toBe(200);
    expect(await (res as Response).json()).toMatchObject({ tokens_revoked: 2 });
    await expectProblem(await call("GET", "/timelog/", { token: a.token }), 401);
    expect(await revokedAt(b.id)).not.toBeNull();
  });

  it("revoke_tokens: false keeps them (and says none went); other changes say nothing of tokens", async () => {
    const alice = await createUser();
    const t = await mint(alice, ["timelog:read"]);
    const res = await call("PATCH", "/users/me", {
      token: alice.token,
      body: { password: "a brand new passphrase", current_password: alice.password, revoke_tokens: false },
    });
    expect(((await res.json()) as { tokens_revoked: number }).tokens_revoked).toBe(0);
    expect(await works(t.token)).toBe(200);
    const renamed = await call("PATCH", "/users/me", { token: alice.token, body: { username: `a-${t.id}` } });
    expect(await renamed.json()).not.toHaveProperty("tokens_revoked");
    // A wrong current password revokes nothing.
    const wrong = await call("PATCH", "/users/me", {
      token: alice.token,
      body: { password: "yet another passphrase", current_password: "not the password" },
    });
    await expectProblem(wrong, 403);
    expect(await works(t.token)).toBe(200);
  });

  it("logout-all ends the logins, not the tokens (documented: tokens are not logins)", async () => {
    const alice = await createUser();
    const t = await mint(alice, ["timelog:read"]);
    expect((await call("POST", "/users/logout-all", { token: alice.token })).status).toBe(204);
    await expectProblem(await call("GET", "/users/me", { token: alice.token }), 401);
    expect(await works(t.token)).toBe(200);
  });
});

describe("what an admin token cannot do to accounts", () => {
  it("grant or take away superuser: 403 insufficient_scope (a session needed), nothing changes; a session may", async () => {
    const admin = await createSuperuser();
    const other = await createSuperuser();
    const alice = await createUser();
    const t = await mint(admin, ["admin", "timelog:read"]);
    const grant = await call("PATCH", `/users/${alice.id}`, { token: t.token, body: { is_superuser: true } });
    expect(await expectProblem(grant, 403)).toMatchObject({ code: "insufficient_scope", required_scope: null });
    const demote = await call("PATCH", `/users/${other.id}`, { token: t.token, body: { is_superuser: false } });
    expect((await expectProblem(demote, 403)).code).toBe("insufficient_scope");
    const su = async (id: number) =>
      (await seedSql("SELECT is_superuser FROM app_user WHERE id = $1", [id]))[0]?.is_superuser;
    expect([await su(alice.id), await su(other.id)]).toEqual([false, true]);
    // Other changes to other people still work with the token; the same grant signed in works.
    const verified = await call("PATCH", `/users/${alice.id}`, { token: t.token, body: { is_verified: true } });
    expect(verified.status).toBe(200);
    const signedIn = await call("PATCH", `/users/${alice.id}`, { token: admin.token, body: { is_superuser: true } });
    expect(((await signedIn.json()) as { is_superuser: boolean }).is_superuser).toBe(true);
  });

  it("change its own owner's account through the superusers' route", async () => {
    const admin = await createSuperuser();
    const t = await mint(admin, ["admin"]);
    for (const body of [{ username: "renamed" }, { is_active: false }, { is_verified: true }]) {
      const res = await call("PATCH", `/users/${admin.id}`, { token: t.token, body });
      expect((await expectProblem(res, 403)).code).toBe("insufficient_scope");
    }
    const [row] = await seedSql("SELECT username, is_active FROM app_user WHERE id = $1", [admin.id]);
    expect(row).toEqual({ username: admin.username, is_active: true });
  });

  it("list or revoke everyone's tokens", async () => {
    const admin = await createSuperuser();
    const alice = await createUser();
    const hers = await mint(alice, ["timelog:read"]);
    const t = await mint(admin, ["admin", "timelog:read"]);
    expect((await expectProblem(await call("GET", "/tokens/", { token: t.token }), 403)).code).toBe(
      "insufficient_scope",
    );
    await expectProblem(await call("DELETE", `/tokens/${hers.id}`, { token: t.token }), 403);
    expect(await works(hers.token)).toBe(200);
    expect((await call("GET", "/tokens/", { token: admin.token })).status).toBe(200);
  });
});
