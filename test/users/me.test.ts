// What a scoped API token and a cross-site cookie cannot do to an account: read it without the
// scope, or end its logins. Each refusal leaves the session as it was.
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../helpers/api";
import { createUser, type TestUser } from "../helpers/factories";

async function apiToken(user: TestUser, scopes: string[]) {
  const res = await call("POST", "/users/me/tokens", { token: user.token, body: { name: "script", scopes } });
  if (res.status !== 201) throw new Error(`token failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

describe("the account, refused", () => {
  it("GET /users/me needs timelog:read: a reports-only token is 403, a fitting one reads it", async () => {
    const alice = await createUser();
    const denied = await expectProblem(
      await call("GET", "/users/me", { token: await apiToken(alice, ["reports:read"]) }),
      403,
    );
    expect(denied).toMatchObject({ code: "insufficient_scope", required_scope: "timelog:read" });
    const me = await call("GET", "/users/me", { token: await apiToken(alice, ["timelog:read"]) });
    expect(await me.json()).toMatchObject({ id: alice.id, email: alice.email });
  });

  it("an API token, whatever its scopes, cannot log out or end every login; the session goes on", async () => {
    const alice = await createUser();
    const token = await apiToken(alice, ["timelog:read", "timelog:write", "reports:read"]);
    expect((await expectProblem(await call("POST", "/users/logout", { token }), 403)).code).toBe("insufficient_scope");
    const all = await expectProblem(await call("POST", "/users/logout-all", { token }), 403);
    expect(all.code).toBe("insufficient_scope");
    expect((await call("GET", "/users/me", { token: alice.token })).status).toBe(200);
    expect((await call("GET", "/users/me", { token })).status).toBe(200);
  });

  it("a cookie-signed logout from a foreign origin is refused (CSRF); the cookie still signs in", async () => {
    const alice = await createUser();
    const cookie = `auth_cookie=${alice.token}`;
    for (const path of ["/users/logout", "/users/logout-all"]) {
      const res = await call("POST", path, { headers: { cookie, origin: "https://evil.example" } });
      expect((await expectProblem(res, 403)).code).toBe("csrf_rejected");
    }
    expect((await call("GET", "/users/me", { headers: { cookie } })).status).toBe(200);
    const own = await call("POST", "/users/logout", { headers: { cookie, origin: "https://app.example.com" } });
    expect(own.status).toBe(204);
    await expectProblem(await call("GET", "/users/me", { headers: { cookie } }), 401);
  });
});
