// Issue 23 §4: the company's require_2fa. Accounts without confirmed 2FA may sign in, enrol and
// leave; every other route is 403 2fa_required until they enrol. API tokens and refresh go on.
// Its own file: the setting is company-wide (each test file has its own database).
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../helpers/api";
import { createSuperuser, createUser } from "../helpers/factories";
import { challengeFor, codeAt, enableTwoFactor, loginOtp, steadyStep } from "./helpers";

describe("require_2fa", () => {
  it("blocks the unenrolled everywhere but enrolment and sign-out; enrolling lifts it; tokens and refresh are unaffected", async () => {
    const admin = await createSuperuser();
    const alice = await createUser();
    // Alice's script token, made before the rule.
    const made = await call("POST", "/users/me/tokens", {
      token: alice.token,
      body: { name: "script", scopes: ["timelog:read"] },
    });
    const { token: apiToken } = (await made.json()) as { token: string };
    // The admin enrols first, then requires it (a superuser without 2FA would be stopped too).
    await enableTwoFactor(admin);
    const on = await call("PATCH", "/settings", { token: admin.token, body: { require_2fa: true } });
    expect(on.status).toBe(200);
    expect(((await on.json()) as Record<string, unknown>).require_2fa).toBe(true);

    // A read (one statement) and a write (a transaction) are both refused.
    expect((await expectProblem(await call("GET", "/projects", { token: alice.token }), 403)).code).toBe(
      "2fa_required",
    );
    const write = await call("PATCH", "/users/me", { token: alice.token, body: { time_zone: "Europe/Berlin" } });
    expect((await expectProblem(write, 403)).code).toBe("2fa_required");
    const tokens = await call("GET", "/users/me/tokens", { token: alice.token });
    expect((await expectProblem(tokens, 403)).code).toBe("2fa_required");
    // What she needs to enrol and leave.
    const me = await call("GET", "/users/me", { token: alice.token });
    expect(me.status).toBe(200);
    expect(((await me.json()) as Record<string, unknown>).two_factor_enabled).toBe(false);
    // Refresh keeps working (a public route: the refresh token is the credential).
    const refreshed = await call("POST", "/users/refresh", { body: { refresh_token: alice.refresh } });
    expect(refreshed.status).toBe(200);
    const { access_token } = (await refreshed.json()) as { access_token: string };
    // Her API token is a second credential already.
    expect((await call("GET", "/projects", { token: apiToken })).status).toBe(200);
    // A pending enrolment is not enough.
    await steadyStep();
    const enrol = await call("POST", "/users/me/totp", { token: access_token });
    expect(enrol.status).toBe(201);
    const { secret } = (await enrol.json()) as { secret: string };
    expect((await call("GET", "/projects", { token: access_token })).status).toBe(403);
    const confirm = await call("POST", "/users/me/totp/confirm", {
      token: access_token,
      body: { code: codeAt(secret) },
    });
    expect(confirm.status).toBe(200);
    // Enrolled: the same login now reaches everything.
    expect((await call("GET", "/projects", { token: access_token })).status).toBe(200);
    expect(
      (await call("PATCH", "/users/me", { token: access_token, body: { time_zone: "Europe/Berlin" } })).status,
    ).toBe(200);
    // And the next sign-in asks for the code.
    const challenge = await challengeFor(alice);
    expect((await loginOtp({ challenge, code: codeAt(secret, 1) })).status).toBe(200);
  });

  it("sign-out stays open to the unenrolled", async () => {
    const bob = await createUser();
    const admin = await createSuperuser();
    await enableTwoFactor(admin);
    await call("PATCH", "/settings", { token: admin.token, body: { require_2fa: true } });
    expect((await call("GET", "/projects", { token: bob.token })).status).toBe(403);
    expect((await call("POST", "/users/logout", { token: bob.token })).status).toBe(204);
    expect((await call("GET", "/users/me", { token: bob.token })).status).toBe(401);
  });
});
