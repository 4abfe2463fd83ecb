// A superuser turns off a person's second factor when they lost their authenticator and codes:
// factor and codes go, their logins end, they are emailed, the audit names the superuser.
import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createSuperuser, createUser, randomIp, seedSql } from "../helpers/factories";
import { lastEmail } from "../helpers/mail";
import { challengeFor, enableTwoFactor } from "./helpers";

const signIn = (who: { email: string; password: string }) =>
  call("POST", "/users/login", {
    body: { email: who.email, password: who.password },
    headers: { "cf-connecting-ip": randomIp() },
  });

describe("DELETE /users/{id}/totp", () => {
  it("a signed-in superuser turns it off in one round trip: logins end, the password alone signs in, audited and emailed", async () => {
    const admin = await createSuperuser();
    const bob = await createUser();
    await enableTwoFactor(bob);
    await challengeFor(bob);
    let res: Response | undefined;
    expect(
      await countRoundTrips(async () => {
        res = await call("DELETE", `/users/${bob.id}/totp`, { token: admin.token });
      }),
    ).toBe(1);
    expect(res?.status).toBe(204);
    expect((await call("GET", "/users/me", { token: bob.token })).status).toBe(401);
    const again = await signIn(bob);
    expect(again.status).toBe(200);
    const rows = await seedSql(
      "SELECT (SELECT count(*)::int FROM user_totp WHERE user_fk = $1) AS factors, (SELECT count(*)::int FROM totp_recovery_code WHERE user_fk = $1) AS codes, (SELECT actor_fk FROM audit_event WHERE kind = 'user.totp_disabled' AND entity_id = $1::text ORDER BY id DESC LIMIT 1) AS actor",
      [bob.id],
    );
    expect(rows[0]).toEqual({ factors: 0, codes: 0, actor: admin.id });
    expect((await lastEmail(bob.email, "two_factor_disabled")).to.toLowerCase()).toBe(bob.email.toLowerCase());
  });

  it("refuses members, API tokens, oneself, a person without it and an unknown id, changing nothing", async () => {
    const admin = await createSuperuser();
    const bob = await createUser();
    const carol = await createUser();
    await enableTwoFactor(bob);
    await enableTwoFactor(admin);
    const made = await call("POST", "/users/me/tokens", {
      token: admin.token,
      body: { name: "ci", scopes: ["admin"] },
    });
    const { token } = (await made.json()) as { token: string };

    expect((await expectProblem(await call("DELETE", `/users/${bob.id}/totp`, { token: carol.token }), 403)).code).toBe(
      "superuser_required",
    );
    expect((await expectProblem(await call("DELETE", `/users/${bob.id}/totp`, { token }), 403)).code).toBe(
      "insufficient_scope",
    );
    expect(
      (await expectProblem(await call("DELETE", `/users/${admin.id}/totp`, { token: admin.token }), 403)).code,
    ).toBe("own_two_factor");
    expect(
      (await expectProblem(await call("DELETE", `/users/${carol.id}/totp`, { token: admin.token }), 409)).code,
    ).toBe("two_factor_not_enabled");
    await expectProblem(await call("DELETE", "/users/2147483000/totp", { token: admin.token }), 404);
    await expectProblem(await call("DELETE", "/users/abc/totp", { token: admin.token }), 422);
    // Bob still has his factor and his login.
    expect((await call("GET", "/users/me", { token: bob.token })).status).toBe(200);
    await challengeFor(bob);
  });
});
