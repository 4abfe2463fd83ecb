// The company's limits as everyone reads them (GET /settings), and who may not read them.
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../helpers/api";
import { createUser } from "../helpers/factories";

describe("GET /settings", () => {
  it("every signed-in user reads the company's limits; a token that may only read reports is 403", async () => {
    const alice = await createUser();
    const res = await call("GET", "/settings", { token: alice.token });
    expect(res.status).toBe(200);
    // A fresh database's defaults (migrations), as a client would show them.
    expect(await res.json()).toMatchObject({ locked_before: null, currency: expect.stringMatching(/^[A-Z]{3}$/) });
    const minted = await call("POST", "/users/me/tokens", {
      token: alice.token,
      body: { name: "reports only", scopes: ["reports:read"] },
    });
    const { token } = (await minted.json()) as { token: string };
    const denied = await expectProblem(await call("GET", "/settings", { token }), 403);
    expect(denied).toMatchObject({ code: "insufficient_scope", required_scope: "timelog:read" });
    expect(JSON.stringify(denied)).not.toContain("timelog_max_seconds");
  });
});
