// Over an account's budget for unknown clients (20 failures in 15 minutes: 4 addresses × 5 suffice),
// a client without a device token may prove itself with Cloudflare Turnstile instead of waiting.
// The verifier is a loopback stand-in for siteverify (test/global-setup.ts) that answers
// Cloudflare's documented test secrets as Cloudflare does.
import { describe, expect, inject, it } from "vitest";
import { call, expectProblem, testEnv } from "../helpers/api";
import { randomIp, registerUser, seedSql } from "../helpers/factories";
import { DUMMY_TOKEN, TURNSTILE_TEST_SECRETS } from "../helpers/turnstile";

const verifier = inject("turnstileVerifier");
// One object per configuration: settings are parsed once per bindings object.
const withSecret = (secret: string, url = verifier) => ({
  ...testEnv,
  TURNSTILE_SECRET: secret,
  TURNSTILE_VERIFY_URL: url,
});
const realLike = withSecret("0x4AAAAAAA-loopback-secret");

function signIn(email: string, password: string, env: Record<string, unknown>, ip: string, turnstile?: string) {
  return call("POST", "/users/login", {
    body: { email, password, turnstile_token: turnstile },
    headers: { "cf-connecting-ip": ip },
    env,
  });
}

/** Strangers at four addresses spend the account's budget for unknown clients. */
async function lockedOut(env: Record<string, unknown>) {
  const owner = await registerUser();
  for (let a = 0; a < 4; a++) {
    const ip = randomIp();
    for (let i = 0; i < 5; i++) await expectProblem(await signIn(owner.email, "a wrong guess", env, ip), 401);
  }
  return owner;
}

const seen = async (token: string) =>
  (await (await fetch(`${verifier}/seen/${encodeURIComponent(token)}`)).json()) as { count: number; remoteip: string };

describe("Turnstile over the account-wide budget", () => {
  it("unset TURNSTILE_SECRET: as before, 429 too_many_attempts, and no verifier is asked", async () => {
    const owner = await lockedOut(testEnv);
    const token = `pass-${crypto.randomUUID()}`;
    const res = await signIn(owner.email, owner.password, testEnv, randomIp(), token);
    expect((await expectProblem(res, 429)).code).toBe("too_many_attempts");
    expect((await seen(token)).count).toBe(0);
  });

  it("the 429 says a Turnstile token is accepted; a good one lets the owner in from a new device", async () => {
    const owner = await lockedOut(realLike);
    const ip = randomIp();
    const refused = await signIn(owner.email, owner.password, realLike, ip);
    expect(await expectProblem(refused, 429)).toMatchObject({ code: "turnstile_required", turnstile: true });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // The test sitekeys' dummy token is refused by a real secret.
    const dummy = await signIn(owner.email, owner.password, realLike, ip, DUMMY_TOKEN);
    expect((await expectProblem(dummy, 429)).code).toBe("turnstile_required");
    const token = `pass-${crypto.randomUUID()}`;
    const res = await signIn(owner.email, owner.password, realLike, ip, token);
    expect(res.status).toBe(200);
    expect(await seen(token)).toEqual({ count: 1, remoteip: ip });
    // Each token works once: replayed from elsewhere it is "timeout-or-duplicate".
    const replay = await signIn(owner.email, owner.password, realLike, randomIp(), token);
    expect((await expectProblem(replay, 429)).code).toBe("turnstile_required");
  });

  it("a passed client's attempts still count, and its own address's budget still applies", async () => {
    const owner = await lockedOut(realLike);
    const ip = randomIp();
    const count = async () =>
      (
        await seedSql("SELECT count(*)::int AS n FROM auth_attempt WHERE account = lower($1) AND NOT succeeded", [
          owner.email,
        ])
      )[0]?.n;
    const before = await count();
    for (let i = 0; i < 5; i++) {
      const res = await signIn(owner.email, "still guessing", realLike, ip, `pass-${crypto.randomUUID()}`);
      expect((await expectProblem(res, 401)).code).toBe("invalid_credentials");
    }
    expect(await count()).toBe((before as number) + 5);
    const sixth = await signIn(owner.email, owner.password, realLike, ip, `pass-${crypto.randomUUID()}`);
    expect((await expectProblem(sixth, 429)).code).toBe("too_many_attempts");
  });

  it("Cloudflare's test secrets: 1x… always passes, 2x… always fails, 3x… is always spent", async () => {
    const cases = [
      [TURNSTILE_TEST_SECRETS.pass, 200],
      [TURNSTILE_TEST_SECRETS.fail, 429],
      [TURNSTILE_TEST_SECRETS.spent, 429],
    ] as const;
    for (const [secret, status] of cases) {
      const env = withSecret(secret);
      const owner = await lockedOut(env);
      const res = await signIn(owner.email, owner.password, env, randomIp(), DUMMY_TOKEN);
      expect(res.status).toBe(status);
      if (status === 429) expect((await expectProblem(res, 429)).code).toBe("turnstile_required");
    }
  });

  it("fails closed: a verifier that is down is a token not accepted, never a 5xx", async () => {
    const down = withSecret(TURNSTILE_TEST_SECRETS.pass, inject("downEndpoint"));
    const owner = await lockedOut(down);
    const res = await signIn(owner.email, owner.password, down, randomIp(), DUMMY_TOKEN);
    expect((await expectProblem(res, 429)).code).toBe("turnstile_required");
  });
});
