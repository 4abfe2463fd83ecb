// Issue 23 §4, the attacker's side: challenges that are not this sign-in's, guesses in parallel,
// one code raced by two sign-ins, and the owner's device against a stranger's guesses.
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../helpers/api";
import { createUser, login, randomIp, seedSql } from "../helpers/factories";
import { challengeFor, codeAt, enableTwoFactor, loginOtp, steadyStep } from "./helpers";

describe("second-factor attacks", () => {
  it("wrong challenges are 401: forged, expired, another user's, an access or refresh token, an old password's", async () => {
    const user = await createUser();
    const other = await createUser();
    const { secret } = await enableTwoFactor(user);
    await enableTwoFactor(other);
    const challenge = await challengeFor(user);
    const [head, payload] = challenge.split(".") as [string, string];
    const claims = JSON.parse(atob(payload.replaceAll("-", "+").replaceAll("_", "/")));
    const forgedPayload = btoa(JSON.stringify({ ...claims, sub: String(other.id) }))
      .replaceAll("+", "-")
      .replaceAll("/", "_")
      .replaceAll("=", "");
    const forged = `${head}.${forgedPayload}.${challenge.split(".")[2]}`;
    const sessionTokens = await login(other.email, other.password).catch(() => undefined);
    expect(sessionTokens).toBeUndefined(); // 2FA on: login() no longer answers tokens
    for (const bad of [forged, "x.y.z", user.token, user.refresh]) {
      const res = await loginOtp({ challenge: bad, code: codeAt(secret) });
      expect((await expectProblem(res, 401)).code).toBe("otp_challenge_invalid");
    }
    // Another user's challenge with this user's code: the other account's secret does not match.
    const theirs = await loginOtp({ challenge: await challengeFor(other), code: codeAt(secret) });
    expect(theirs.status).toBe(401);
    // A challenge is not an access token either.
    expect((await call("GET", "/users/me", { token: challenge })).status).toBe(401);
    // Expired: six minutes later.
    const expired = await challengeIssuedLongAgo(() => challengeFor(user));
    const late = await loginOtp({ challenge: expired, code: codeAt(secret) });
    expect((await expectProblem(late, 401)).code).toBe("otp_challenge_invalid");
    // Issued under a password that has since changed.
    const beforeChange = await challengeFor(user);
    await seedSql("UPDATE app_user SET password_hash = password_hash || 'x' WHERE id = $1", [user.id]);
    const changed = await loginOtp({ challenge: beforeChange, code: codeAt(secret, 1) });
    expect((await expectProblem(changed, 401)).code).toBe("otp_challenge_invalid");
  });

  it("parallel wrong guesses cannot pass the throttle: at most 5 are checked, the rest 429", async () => {
    const user = await createUser();
    await enableTwoFactor(user);
    const ip = randomIp();
    const challenge = await challengeFor(user, ip);
    const guesses = Array.from({ length: 30 }, (_, i) => loginOtp({ challenge, code: String(100000 + i) }, ip));
    const statuses = (await Promise.all(guesses)).map((r) => r.status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(25);
    expect(statuses.filter((s) => s !== 429).every((s) => s === 401)).toBe(true);
    const [row] = await seedSql(
      "SELECT count(*)::int AS n FROM auth_attempt WHERE account = lower($1) AND client LIKE 'otp:%' AND NOT succeeded",
      [user.email],
    );
    expect(row?.n).toBeLessThanOrEqual(5);
  });

  it("one code raced by two sign-ins: exactly one login", async () => {
    const user = await createUser();
    const { secret } = await enableTwoFactor(user);
    await seedSql("UPDATE user_totp SET last_step = 0 WHERE user_fk = $1", [user.id]);
    await steadyStep();
    const code = codeAt(secret);
    const challenges = await Promise.all(Array.from({ length: 4 }, () => challengeFor(user)));
    const statuses = (await Promise.all(challenges.map((challenge) => loginOtp({ challenge, code })))).map(
      (r) => r.status,
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    const [sessions] = await seedSql("SELECT count(*)::int AS n FROM session WHERE user_fk = $1", [user.id]);
    // createUser's login and the one that won.
    expect(sessions?.n).toBe(2);
  });

  it("the owner's device keeps its own code budget while a stranger's is spent", async () => {
    const user = await createUser();
    const { secret } = await enableTwoFactor(user);
    await seedSql("UPDATE user_totp SET last_step = 0 WHERE user_fk = $1", [user.id]);
    // A first full sign-in gives the device its token.
    await steadyStep();
    const first = await loginOtp({ challenge: await challengeFor(user), code: codeAt(secret, -1) });
    const { device_token } = (await first.json()) as { device_token: string };
    // Strangers who know the password spend the account's budget for unknown clients (20): code
    // guesses and password guesses share it, each client's own budget is 5.
    for (let ip = 0; ip < 4; ip++) {
      const from = randomIp();
      const challenge = await challengeFor(user, from);
      for (let i = 0; i < 5; i++) await loginOtp({ challenge, code: "000000" }, from);
    }
    const from = randomIp();
    const stranger = await call("POST", "/users/login", {
      body: { email: user.email, password: user.password },
      headers: { "cf-connecting-ip": from },
    });
    await expectProblem(stranger, 429);
    // The owner's device passes both steps from anywhere.
    const challenge = await challengeFor(user, randomIp(), device_token);
    const owner = await loginOtp({ challenge, code: codeAt(secret), device_token });
    expect(owner.status).toBe(200);
  });
});

/** A challenge as it would be six minutes from now (the Worker's clock, moved). */
async function challengeIssuedLongAgo(make: () => Promise<string>): Promise<string> {
  const now = Date.now;
  Date.now = () => now() - 6 * 60_000;
  try {
    return await make();
  } finally {
    Date.now = now;
  }
}
