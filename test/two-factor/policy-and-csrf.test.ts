// Issue 23 review A: the company's sign-in policy needs a signed-in session (an admin API token is one
// factor), and the code step of a sign-in refuses cross-site requests as the password step does.
// Its own file: require_2fa is company-wide (each test file has its own database).
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../helpers/api";
import { createSuperuser, createUser, randomIp, seedSql } from "../helpers/factories";
import { challengeFor, codeAt, enableTwoFactor, steadyStep } from "./helpers";

describe("sign-in policy and the code step", () => {
  it("an admin-scoped API token cannot switch the company's require_2fa off (a session with 2FA must)", async () => {
    const admin = await createSuperuser();
    await enableTwoFactor(admin);
    const made = await call("POST", "/users/me/tokens", {
      token: admin.token,
      body: { name: "ci", scopes: ["admin"] },
    });
    expect(made.status).toBe(201);
    const { token } = (await made.json()) as { token: string };
    expect((await call("PATCH", "/settings", { token: admin.token, body: { require_2fa: true } })).status).toBe(200);
    // A leaked script token (one factor) downgrades the whole company's sign-in policy.
    const off = await call("PATCH", "/settings", { token, body: { require_2fa: false } });
    expect((await expectProblem(off, 403)).code).toBe("insufficient_scope");
    const [row] = await seedSql("SELECT require_2fa FROM company_settings");
    expect(row?.require_2fa).toBe(true);
    // Registration is sign-in policy too; other settings stay a token's to change.
    const closing = await call("PATCH", "/settings", { token, body: { registration: "invite_only" } });
    expect((await expectProblem(closing, 403)).code).toBe("insufficient_scope");
    const other = await call("PATCH", "/settings", { token, body: { reminder_timer_hours: 9 } });
    expect(other.status).toBe(200);
    const [after] = await seedSql("SELECT registration, reminder_timer_hours::float8 AS hours FROM company_settings");
    expect(after).toEqual({ registration: "open", hours: 9 });
    // Clean up for the next test (through the session that is allowed to).
    await call("PATCH", "/settings", { token: admin.token, body: { require_2fa: false } });
  });

  it("the code step refuses a cross-site sign-in as the password step does (login CSRF)", async () => {
    const bob = await createUser();
    const { secret } = await enableTwoFactor(bob);
    await steadyStep();
    const crossSite = {
      origin: "https://evil.example",
      "sec-fetch-site": "cross-site",
      "cf-connecting-ip": randomIp(),
    };
    // The password step refuses it: a page elsewhere must not sign a browser in.
    const password = await call("POST", "/users/login", {
      body: { email: bob.email, password: bob.password },
      headers: crossSite,
    });
    expect((await expectProblem(password, 403)).code).toBe("csrf_rejected");
    // The code step (which sets the same auth_cookie) does not look at Origin / Sec-Fetch-Site.
    const challenge = await challengeFor(bob);
    const code = await call("POST", "/users/login/otp", {
      body: { challenge, code: codeAt(secret, 1) },
      headers: crossSite,
    });
    expect((await expectProblem(code, 403)).code).toBe("csrf_rejected");
  });
});
