// Issue 23 review A: strangers who spend an account's budget for unknown clients must not lock a
// two-factor owner out of a new device when Turnstile is configured: passing it at the password
// step is signed into the challenge, and the code step goes on with it.
import { describe, expect, inject, it } from "vitest";
import { call, expectProblem, testEnv } from "../helpers/api";
import { createUser, randomIp } from "../helpers/factories";
import { codeAt, enableTwoFactor, steadyStep } from "./helpers";

const verifier = inject("turnstileVerifier");
const withTurnstile = { ...testEnv, TURNSTILE_SECRET: "0x4AAAAAAA-loopback-secret", TURNSTILE_VERIFY_URL: verifier };

describe("a two-factor owner behind Turnstile", () => {
  it("an owner who passed Turnstile at the password step can finish with a code", async () => {
    const owner = await createUser();
    const { secret } = await enableTwoFactor(owner);
    // Strangers at four addresses, five wrong passwords each: the account's budget is spent.
    for (let a = 0; a < 4; a++) {
      const ip = randomIp();
      for (let i = 0; i < 5; i++) {
        const res = await call("POST", "/users/login", {
          body: { email: owner.email, password: "a wrong guess" },
          headers: { "cf-connecting-ip": ip },
          env: withTurnstile,
        });
        await expectProblem(res, 401);
      }
    }
    // The owner, on a new device, passes Turnstile: the password step answers the challenge.
    const ip = randomIp();
    await steadyStep();
    const first = await call("POST", "/users/login", {
      body: { email: owner.email, password: owner.password, turnstile_token: `pass-${crypto.randomUUID()}` },
      headers: { "cf-connecting-ip": ip },
      env: withTurnstile,
    });
    const problem = await expectProblem(first, 401);
    expect(problem.code).toBe("otp_required");
    // The code step must not undo that.
    const second = await call("POST", "/users/login/otp", {
      body: { challenge: problem.challenge, code: codeAt(secret, 1) },
      headers: { "cf-connecting-ip": ip },
      env: withTurnstile,
    });
    expect(second.status, await second.clone().text()).toBe(200);
  });
});
