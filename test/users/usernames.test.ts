// Usernames are unique regardless of case (app_user_username_key): registration, your own change
// and a superuser's change all answer 409 username_taken, never a generic conflict.
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../helpers/api";
import { createSuperuser, createUser, randomIp } from "../helpers/factories";

const register = (username: string) =>
  call("POST", "/users/register", {
    body: { email: `n-${crypto.randomUUID()}@example.com`, username, password: "long enough pw", position_fk: 1 },
    headers: { "cf-connecting-ip": randomIp() },
  });

describe("unique usernames", () => {
  it("a second 'Admin', in any case, is 409 username_taken at registration", async () => {
    const name = `Admin-${crypto.randomUUID().slice(0, 6)}`;
    expect((await register(name)).status).toBe(201);
    for (const taken of [name, name.toLowerCase(), name.toUpperCase()]) {
      expect((await expectProblem(await register(taken), 409)).code).toBe("username_taken");
    }
  });

  it("nor by renaming yourself, or by a superuser's rename; your own name in another case is fine", async () => {
    const admin = await createSuperuser();
    const ann = await createUser();
    const bob = await createUser();
    const mine = await call("PATCH", "/users/me", { token: bob.token, body: { username: ann.username.toUpperCase() } });
    expect((await expectProblem(mine, 409)).code).toBe("username_taken");
    const theirs = await call("PATCH", `/users/${bob.id}`, { token: admin.token, body: { username: ann.username } });
    expect((await expectProblem(theirs, 409)).code).toBe("username_taken");
    const recased = await call("PATCH", "/users/me", {
      token: ann.token,
      body: { username: ann.username.toUpperCase() },
    });
    expect(((await recased.json()) as { username: string }).username).toBe(ann.username.toUpperCase());
  });
});
