import { describe, expect, it } from "vitest";
import { call, countRoundTrips } from "../helpers/api";
import { createSuperuser, createUser, login } from "../helpers/factories";

describe("account, position and settings routes: one database round trip each", () => {
  it("counted by the local endpoint (login, registration and a password change take two; the JWKS none)", async () => {
    const admin = await createSuperuser();
    const alice = await createUser();
    const spare = await login(alice.email, alice.password);
    const su = { token: admin.token };
    let positionId = 0;
    const routes: [string, number, () => Promise<Response>][] = [
      [
        "POST /users/register",
        2,
        () =>
          call("POST", "/users/register", {
            body: {
              email: `rt-${crypto.randomUUID()}@x.io`,
              username: "rt",
              password: "long enough pw",
              position_fk: 1,
            },
          }),
      ],
      [
        "POST /users/login",
        2,
        () => call("POST", "/users/login", { body: { email: alice.email, password: alice.password } }),
      ],
      [
        "POST /users/refresh",
        1,
        () => call("POST", "/users/refresh", { body: { refresh_token: spare.refresh_token } }),
      ],
      ["GET /users/me", 1, () => call("GET", "/users/me", { token: alice.token })],
      [
        "PATCH /users/me (username)",
        1,
        () => call("PATCH", "/users/me", { token: alice.token, body: { username: "alice3" } }),
      ],
      [
        "PATCH /users/me (password)",
        2,
        () =>
          call("PATCH", "/users/me", {
            token: alice.token,
            body: { password: "another long pw", current_password: alice.password },
          }),
      ],
      ["GET /users/", 1, () => call("GET", "/users/", su)],
      ["GET /users/{id}", 1, () => call("GET", `/users/${alice.id}`, su)],
      ["PATCH /users/{id}", 1, () => call("PATCH", `/users/${alice.id}`, { ...su, body: { is_verified: true } })],
      ["GET /positions/", 1, () => call("GET", "/positions/", su)],
      [
        "POST /positions/",
        1,
        async () => {
          const res = await call("POST", "/positions/", { ...su, body: { title: "Round trip" } });
          positionId = ((await res.clone().json()) as { id: number }).id;
          return res;
        },
      ],
      ["GET /positions/{id}", 1, () => call("GET", `/positions/${positionId}`, su)],
      [
        "PUT /positions/{id}",
        1,
        () => call("PUT", `/positions/${positionId}`, { ...su, body: { title: "RT", description: null, salary: 1 } }),
      ],
      ["PATCH /positions/{id}", 1, () => call("PATCH", `/positions/${positionId}`, { ...su, body: { salary: 2 } })],
      ["DELETE /positions/{id}", 1, () => call("DELETE", `/positions/${positionId}`, su)],
      ["GET /settings", 1, () => call("GET", "/settings", { token: alice.token })],
      ["PATCH /settings", 1, () => call("PATCH", "/settings", { ...su, body: { timelog_max_seconds: 604_800 } })],
      ["GET /.well-known/jwks.json", 0, () => call("GET", "/.well-known/jwks.json")],
      ["POST /users/logout", 1, () => call("POST", "/users/logout", su)],
      ["POST /users/logout-all", 1, () => call("POST", "/users/logout-all", { token: alice.token })],
    ];
    const trips: Record<string, number> = {};
    const statuses: Record<string, number> = {};
    for (const [name, , fn] of routes) {
      trips[name] = await countRoundTrips(async () => {
        statuses[name] = (await fn()).status;
      });
    }
    expect(Object.entries(statuses).filter(([, s]) => s >= 400)).toEqual([]);
    expect(trips).toEqual(Object.fromEntries(routes.map(([name, n]) => [name, n])));
  });
});
