// Issue 23 review (A and B): a password reset is what a person does when someone else got in. Any
// password change ends every link still out, an email change the intruder started too (its link
// goes to the intruder's own address and would move the account there for good).
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../helpers/api";
import { createUser, randomIp, unique } from "../helpers/factories";
import { lastEmail } from "../helpers/mail";

const from = () => ({ "cf-connecting-ip": randomIp() });

async function intruderStartsEmailChange(user: { token: string; password: string }) {
  const intruder = `intruder-${unique()}@example.com`;
  const started = await call("POST", "/users/me/email", {
    token: user.token,
    body: { email: intruder, current_password: user.password },
  });
  expect(started.status).toBe(202);
  const link = (await lastEmail(intruder, "email_change")).token ?? "";
  expect(link).toMatch(/^tl_chg_/);
  return link;
}

describe("a password change ends every link still out", () => {
  it("a password reset ends a pending email change: the intruder's link dies with the intruder's session", async () => {
    const alice = await createUser();
    const link = await intruderStartsEmailChange(alice);
    expect(
      (await call("POST", "/users/password-reset", { body: { email: alice.email }, headers: from() })).status,
    ).toBe(202);
    const reset = (await lastEmail(alice.email, "password_reset")).token ?? "";
    const confirmed = await call("POST", "/users/password-reset/confirm", {
      body: { token: reset, password: "alice's new passphrase" },
      headers: from(),
    });
    expect(confirmed.status).toBe(204);
    await expectProblem(await call("GET", "/users/me", { token: alice.token }), 401);
    const applied = await call("POST", "/users/email-verification", { body: { token: link }, headers: from() });
    expect((await expectProblem(applied, 410)).code).toBe("link_invalid");
    // The account kept its address.
    const signedIn = await call("POST", "/users/login", {
      body: { email: alice.email, password: "alice's new passphrase" },
      headers: from(),
    });
    expect(signedIn.status).toBe(200);
  });

  it("a password change (PATCH /users/me) ends it too", async () => {
    const ann = await createUser();
    const link = await intruderStartsEmailChange(ann);
    const changed = await call("PATCH", "/users/me", {
      token: ann.token,
      body: { password: "a brand new passphrase", current_password: ann.password },
    });
    expect(changed.status).toBe(200);
    const applied = await call("POST", "/users/email-verification", { body: { token: link }, headers: from() });
    expect((await expectProblem(applied, 410)).code).toBe("link_invalid");
  });
});
