// Two-factor test helpers: codes come from @oslojs/otp and the secret the enrolment answered.
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateHOTP } from "@oslojs/otp";
import { expect } from "vitest";
import { call, expectProblem } from "../helpers/api";
import { randomIp, type TestUser } from "../helpers/factories";

export const stepNow = () => Math.floor(Date.now() / 30_000);

/** The code of a 30-second step relative to now (0: now, -1: the previous step). */
export const codeAt = (secret: string, offset = 0, base = stepNow()) =>
  generateHOTP(decodeBase32IgnorePadding(secret), BigInt(base + offset), 6);

/** Waits out the last seconds of a step, so a test's "now" and the Worker's agree. */
export async function steadyStep() {
  const into = Date.now() % 30_000;
  if (into > 26_000) await new Promise((r) => setTimeout(r, 30_500 - into));
}

/** Enrols and confirms: the user's secret and recovery codes. */
export async function enableTwoFactor(user: TestUser) {
  await steadyStep();
  const enrol = await call("POST", "/users/me/totp", { token: user.token });
  expect(enrol.status).toBe(201);
  const { secret, otpauth_uri } = (await enrol.json()) as { secret: string; otpauth_uri: string };
  const confirm = await call("POST", "/users/me/totp/confirm", { token: user.token, body: { code: codeAt(secret) } });
  expect(confirm.status).toBe(200);
  const { recovery_codes } = (await confirm.json()) as { recovery_codes: string[] };
  return { secret, otpauth_uri, recovery_codes };
}

/** Signs in with the password: the 401 otp_required's challenge. */
export async function challengeFor(user: { email: string; password: string }, ip = randomIp(), device_token?: string) {
  const res = await call("POST", "/users/login", {
    body: { email: user.email, password: user.password, device_token },
    headers: { "cf-connecting-ip": ip },
  });
  const problem = await expectProblem(res, 401);
  expect(problem.code).toBe("otp_required");
  expect(res.headers.get("set-cookie")).toBeNull();
  expect(problem).not.toHaveProperty("access_token");
  return problem.challenge as string;
}

export const loginOtp = (body: Record<string, unknown>, ip = randomIp()) =>
  call("POST", "/users/login/otp", { body, headers: { "cf-connecting-ip": ip } });
