import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createUser, login, seedSql, unique } from "../helpers/factories";
import { emailsTo, lastEmail } from "../helpers/mail";

const change = (token: string, email: string, current_password = "correct horse battery") =>
  call("POST", "/users/me/email", { token, body: { email, current_password } });
const confirm = (token: string) => call("POST", "/users/email-verification", { body: { token } });

describe("POST /users/me/email", () => {
  it("link to the new address, notice to the old; applies on confirm, stays verified, audited without addresses", async () => {
    const ada = await createUser();
    const next = `new-${unique()}@example.com`;
    let res: Response | undefined;
    expect(await countRoundTrips(async () => (res = await change(ada.token, next)))).toBe(2);
    expect(res?.status).toBe(202);
    expect(await res?.json()).toMatchObject({ pending_email: next });
    const link = await lastEmail(next, "email_change");
    expect(link.token).toMatch(/^tl_chg_/);
    const notice = await lastEmail(ada.email, "email_change_notice");
    expect(notice.token).toBeNull();
    // Nothing changed yet.
    expect(((await (await call("GET", "/users/me", { token: ada.token })).json()) as { email: string }).email).toBe(
      ada.email,
    );
    await seedSql(
      "INSERT INTO account_token (kind, user_fk, token_hash, expires_at) VALUES ('password_reset', $1, $2, now() + interval '1 hour')",
      [ada.id, `reset-${unique()}`],
    );
    const done = await confirm(link.token as string);
    expect(done.status).toBe(200);
    expect(await done.json()).toEqual({ kind: "email_change", email_verified: true });
    const meNow = (await (await call("GET", "/users/me", { token: ada.token })).json()) as {
      email: string;
      email_verified: boolean;
    };
    expect(meNow).toMatchObject({ email: next, email_verified: true });
    await login(next, ada.password);
    // A password reset link sent to the old address dies with the change.
    expect(await seedSql("SELECT id FROM account_token WHERE user_fk = $1 AND used_at IS NULL", [ada.id])).toEqual([]);
    await expectProblem(await confirm(link.token as string), 410);
    const audit = await seedSql(
      "SELECT before, after FROM audit_event WHERE kind = 'user.email_changed' AND entity_id = $1",
      [String(ada.id)],
    );
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(next);
    expect(JSON.stringify(audit)).not.toContain(ada.email);
  });

  it("a wrong password is 403 and sends nothing; a taken address is 409; one's own is 422", async () => {
    const [ada, bob] = await Promise.all([createUser(), createUser()]);
    const next = `new-${unique()}@example.com`;
    expect((await expectProblem(await change(ada.token, next, "wrong password!"), 403)).code).toBe("wrong_password");
    expect(await emailsTo(next)).toEqual([]);
    expect((await expectProblem(await change(ada.token, bob.email.toUpperCase()), 409)).code).toBe("email_taken");
    await expectProblem(await change(ada.token, ada.email), 422);
    expect((await emailsTo(ada.email)).filter((e) => e.template === "email_change_notice")).toEqual([]);
  });

  it("an address taken meanwhile is 409 at confirm; a newer request ends the older link", async () => {
    const ada = await createUser();
    const first = `first-${unique()}@example.com`;
    const second = `second-${unique()}@example.com`;
    expect((await change(ada.token, first)).status).toBe(202);
    // One request a minute (0042): the first one is a minute old when the second comes.
    await seedSql(
      "UPDATE account_token SET created_at = created_at - interval '61 seconds' WHERE user_fk = $1 AND kind = 'email_change'",
      [ada.id],
    );
    expect((await change(ada.token, second)).status).toBe(202);
    const old = await lastEmail(first, "email_change");
    expect((await expectProblem(await confirm(old.token as string), 410)).code).toBe("link_invalid");
    const taker = await createUser({ email: second });
    expect(taker.email).toBe(second);
    const link = await lastEmail(second, "email_change");
    expect((await expectProblem(await confirm(link.token as string), 409)).code).toBe("email_taken");
    const [row] = await seedSql("SELECT email FROM app_user WHERE id = $1", [ada.id]);
    expect(row?.email).toBe(ada.email);
  });

  it("refuses an address with CR/LF or a list (422) and extra fields", async () => {
    const ada = await createUser();
    await expectProblem(await change(ada.token, "a@example.com\r\nBcc: v@example.com"), 422);
    await expectProblem(await change(ada.token, "a@example.com, b@example.com"), 422);
    const extra = await call("POST", "/users/me/email", {
      token: ada.token,
      body: { email: `x-${unique()}@example.com`, current_password: ada.password, is_superuser: true },
    });
    await expectProblem(extra, 422);
  });
});
