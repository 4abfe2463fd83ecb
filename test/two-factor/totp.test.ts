// Issue 23 §4: enrol → confirm → sign-in needs the code → a code works once (±1 step) → recovery
// codes once → disabling needs password and code. Through HTTP, against the real database.
import { generateHOTP } from "@oslojs/otp";
import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createUser, login, seedSql } from "../helpers/factories";
import { emailsTo } from "../helpers/mail";
import { challengeFor, codeAt, enableTwoFactor, loginOtp, steadyStep } from "./helpers";

describe("two-factor enrolment", () => {
  it("enrol → confirm answers 10 recovery codes once; GET /users/me says enabled; a second enrolment is 409", async () => {
    const user = await createUser();
    const { secret, otpauth_uri, recovery_codes } = await enableTwoFactor(user);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauth_uri).toMatch(/^otpauth:\/\/totp\/TimeLog:/);
    expect(otpauth_uri).toContain(`secret=${secret}`);
    expect(recovery_codes).toHaveLength(10);
    expect(new Set(recovery_codes).size).toBe(10);
    const me = await call("GET", "/users/me", { token: user.token });
    const meText = await me.text();
    expect(JSON.parse(meText).two_factor_enabled).toBe(true);
    expect(meText).not.toContain(secret);
    const again = await call("POST", "/users/me/totp", { token: user.token });
    expect((await expectProblem(again, 409)).code).toBe("two_factor_enabled");
    // Stored encrypted (versioned), and the recovery codes only hashed.
    const [row] = await seedSql("SELECT secret_encrypted FROM user_totp WHERE user_fk = $1", [user.id]);
    expect(String(row?.secret_encrypted)).toMatch(/^v1:/);
    expect(String(row?.secret_encrypted)).not.toContain(secret);
    const stored = await seedSql("SELECT code_hash FROM totp_recovery_code WHERE user_fk = $1", [user.id]);
    expect(stored).toHaveLength(10);
    for (const code of recovery_codes) expect(JSON.stringify(stored)).not.toContain(code);
    // A notice, without the secret.
    const mails = await emailsTo(user.email);
    expect(mails.map((m) => m.template)).toContain("two_factor_enabled");
    expect(JSON.stringify(mails)).not.toContain(secret);
  });

  it("a wrong first code is 422 otp_invalid and enables nothing; a newer enrolment replaces a pending one", async () => {
    const user = await createUser();
    await steadyStep();
    const first = (await (await call("POST", "/users/me/totp", { token: user.token })).json()) as { secret: string };
    const second = (await (await call("POST", "/users/me/totp", { token: user.token })).json()) as { secret: string };
    expect(second.secret).not.toBe(first.secret);
    const stale = await call("POST", "/users/me/totp/confirm", {
      token: user.token,
      body: { code: codeAt(first.secret) },
    });
    expect((await expectProblem(stale, 422)).code).toBe("otp_invalid");
    const me = (await (await call("GET", "/users/me", { token: user.token })).json()) as Record<string, unknown>;
    expect(me.two_factor_enabled).toBe(false);
    const ok = await call("POST", "/users/me/totp/confirm", {
      token: user.token,
      body: { code: codeAt(second.secret) },
    });
    expect(ok.status).toBe(200);
    // Answers that are secrets are never stored for a retry: the header is refused, not ignored.
    const keyed = { "idempotency-key": "k-1" };
    const enrolKeyed = await call("POST", "/users/me/totp", { token: user.token, headers: keyed });
    expect((await expectProblem(enrolKeyed, 422)).code).toBe("idempotency_unsupported");
    const confirmKeyed = await call("POST", "/users/me/totp/confirm", {
      token: user.token,
      headers: keyed,
      body: { code: "123456" },
    });
    expect((await expectProblem(confirmKeyed, 422)).code).toBe("idempotency_unsupported");
    const none = await call("POST", "/users/me/totp/confirm", { token: user.token, body: { code: "123456" } });
    expect((await expectProblem(none, 409)).code).toBe("two_factor_not_pending");
  });

  it("without TOTP_ENCRYPTION_KEY enrolment is 503 two_factor_unavailable, not a 500", async () => {
    const user = await createUser();
    const { testEnv } = await import("../helpers/api");
    const env = { ...testEnv, TOTP_ENCRYPTION_KEY: undefined };
    const res = await call("POST", "/users/me/totp", { token: user.token, env });
    expect((await expectProblem(res, 503)).code).toBe("two_factor_unavailable");
  });
});

describe("signing in with a second factor", () => {
  it("the password alone answers otp_required (no tokens); the challenge and a code sign in; the code works once", async () => {
    const user = await createUser();
    const { secret } = await enableTwoFactor(user);
    // Confirmation used its step: let a fresh step's code be the sign-in's.
    await seedSql("UPDATE user_totp SET last_step = 0 WHERE user_fk = $1", [user.id]);
    await steadyStep();
    const challenge = await challengeFor(user);
    const code = codeAt(secret);
    const res = await loginOtp({ challenge, code });
    expect(res.status).toBe(200);
    const tokens = (await res.json()) as { access_token: string; device_token: string };
    expect(res.headers.get("set-cookie")).toContain("auth_cookie=");
    expect((await call("GET", "/users/me", { token: tokens.access_token })).status).toBe(200);
    // The same code again, even with a new challenge: a replay.
    const replay = await loginOtp({ challenge: await challengeFor(user), code });
    expect((await expectProblem(replay, 401)).code).toBe("otp_failed");
    const sameChallenge = await loginOtp({ challenge, code });
    expect((await expectProblem(sameChallenge, 401)).code).toBe("otp_failed");
  });

  it("±1 step of skew: the previous step's code works once; a code two steps old is refused", async () => {
    const user = await createUser();
    const { secret } = await enableTwoFactor(user);
    await seedSql("UPDATE user_totp SET last_step = 0 WHERE user_fk = $1", [user.id]);
    await steadyStep();
    const old = await loginOtp({ challenge: await challengeFor(user), code: codeAt(secret, -2) });
    expect((await expectProblem(old, 401)).code).toBe("otp_failed");
    const previous = codeAt(secret, -1);
    expect((await loginOtp({ challenge: await challengeFor(user), code: previous })).status).toBe(200);
    const again = await loginOtp({ challenge: await challengeFor(user), code: previous });
    expect((await expectProblem(again, 401)).code).toBe("otp_failed");
    // A newer step still works after an older one was used.
    expect((await loginOtp({ challenge: await challengeFor(user), code: codeAt(secret) })).status).toBe(200);
  });

  it("a recovery code works once (case and dashes aside), then 401", async () => {
    const user = await createUser();
    const { recovery_codes } = await enableTwoFactor(user);
    const [first] = recovery_codes as [string];
    const typed = first.toUpperCase().replaceAll("-", " ");
    expect((await loginOtp({ challenge: await challengeFor(user), recovery_code: typed })).status).toBe(200);
    const again = await loginOtp({ challenge: await challengeFor(user), recovery_code: first });
    expect((await expectProblem(again, 401)).code).toBe("otp_failed");
    const made = await loginOtp({ challenge: await challengeFor(user), recovery_code: "aaaa-bbbb-cccc-dddd" });
    expect((await expectProblem(made, 401)).code).toBe("otp_failed");
  });
});

describe("disabling and the trail", () => {
  it("needs the password and a code; refuses either wrong; audited and noticed without any secret", async () => {
    const user = await createUser();
    const { secret, recovery_codes } = await enableTwoFactor(user);
    await seedSql("UPDATE user_totp SET last_step = 0 WHERE user_fk = $1", [user.id]);
    await steadyStep();
    const wrongPassword = await call("DELETE", "/users/me/totp", {
      token: user.token,
      body: { code: codeAt(secret), current_password: "not the password" },
    });
    expect((await expectProblem(wrongPassword, 403)).code).toBe("wrong_password");
    const wrongCode = await call("DELETE", "/users/me/totp", {
      token: user.token,
      body: { code: generateHOTP(new Uint8Array(20), 1n, 6), current_password: user.password },
    });
    expect((await expectProblem(wrongCode, 422)).code).toBe("otp_invalid");
    let res: Response | undefined;
    const trips = await countRoundTrips(async () => {
      res = await call("DELETE", "/users/me/totp", {
        token: user.token,
        body: { code: codeAt(secret), current_password: user.password },
      });
    });
    expect(res?.status).toBe(204);
    expect(trips).toBeLessThanOrEqual(2);
    expect((await login(user.email, user.password)).access_token).toBeTruthy();
    const none = await call("DELETE", "/users/me/totp", {
      token: user.token,
      body: { code: codeAt(secret), current_password: user.password },
    });
    expect((await expectProblem(none, 409)).code).toBe("two_factor_not_enabled");
    const audit = await seedSql("SELECT kind, a::text AS row FROM audit_event a WHERE chain = $1", [user.id]);
    const kinds = audit.map((a) => a.kind);
    expect(kinds).toContain("user.totp_enabled");
    expect(kinds).toContain("user.totp_disabled");
    const [totp] = await seedSql("SELECT count(*)::int AS n FROM user_totp WHERE user_fk = $1", [user.id]);
    expect(totp?.n).toBe(0);
    const everything = JSON.stringify([audit, await emailsTo(user.email)]);
    expect(everything).not.toContain(secret);
    for (const code of recovery_codes) expect(everything).not.toContain(code);
    expect((await emailsTo(user.email)).map((m) => m.template)).toContain("two_factor_disabled");
  });

  it("round trips: enrol 1, confirm 2, password step 2, code step 2", async () => {
    const user = await createUser();
    await steadyStep();
    let secret = "";
    expect(
      await countRoundTrips(async () => {
        secret = ((await (await call("POST", "/users/me/totp", { token: user.token })).json()) as { secret: string })
          .secret;
      }),
    ).toBe(1);
    expect(
      await countRoundTrips(() =>
        call("POST", "/users/me/totp/confirm", { token: user.token, body: { code: codeAt(secret) } }),
      ),
    ).toBe(2);
    let challenge = "";
    expect(await countRoundTrips(async () => (challenge = await challengeFor(user)))).toBe(2);
    await seedSql("UPDATE user_totp SET last_step = 0 WHERE user_fk = $1", [user.id]);
    let status = 0;
    expect(
      await countRoundTrips(async () => (status = (await loginOtp({ challenge, code: codeAt(secret) })).status)),
    ).toBe(2);
    expect(status).toBe(200);
  });
});
