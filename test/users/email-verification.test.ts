import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createUser, seedSql } from "../helpers/factories";
import { emailsTo, lastEmail } from "../helpers/mail";

const confirm = (token: string) => call("POST", "/users/email-verification", { body: { token } });
const me = async (token: string) =>
  (await (await call("GET", "/users/me", { token })).json()) as { email: string; email_verified: boolean };

describe("email verification", () => {
  it("registration queues the link in its own round trip; confirming verifies once, audited without the token", async () => {
    const ada = await createUser();
    expect((await me(ada.token)).email_verified).toBe(false);
    const mail = await lastEmail(ada.email, "email_verification");
    expect(mail.token).toMatch(/^tl_ver_/);
    let res: Response | undefined;
    expect(await countRoundTrips(async () => (res = await confirm(mail.token as string)))).toBe(1);
    expect(res?.status).toBe(200);
    expect(await res?.json()).toEqual({ kind: "email_verification", email_verified: true });
    expect((await me(ada.token)).email_verified).toBe(true);
    const again = await expectProblem(await confirm(mail.token as string), 410);
    expect(again.code).toBe("link_invalid");
    const unknown = await expectProblem(await confirm("tl_ver_unknown"), 410);
    expect(unknown.detail).toBe(again.detail);
    const audit = await seedSql(
      "SELECT kind, before, after FROM audit_event WHERE kind = 'user.email_verified' AND entity_id = $1",
      [String(ada.id)],
    );
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(mail.token);
    expect(JSON.stringify(audit)).not.toContain(ada.email);
  });

  it("POST /users/me/email-verification sends a new link (the old one dies), at most once a minute; verified is 409", async () => {
    const ada = await createUser();
    const first = await lastEmail(ada.email, "email_verification");
    await seedSql("UPDATE account_token SET created_at = now() - interval '2 minutes' WHERE user_fk = $1", [ada.id]);
    let res: Response | undefined;
    expect(
      await countRoundTrips(
        async () => (res = await call("POST", "/users/me/email-verification", { token: ada.token })),
      ),
    ).toBe(1);
    expect(res?.status).toBe(202);
    const second = await lastEmail(ada.email, "email_verification");
    expect(second.token).not.toBe(first.token);
    const soon = await call("POST", "/users/me/email-verification", { token: ada.token });
    expect((await expectProblem(soon, 429)).code).toBe("rate_limited");
    expect((await emailsTo(ada.email)).filter((e) => e.template === "email_verification")).toHaveLength(2);
    await expectProblem(await confirm(first.token as string), 410);
    expect((await confirm(second.token as string)).status).toBe(200);
    const done = await call("POST", "/users/me/email-verification", { token: ada.token });
    expect((await expectProblem(done, 409)).code).toBe("already_verified");
  });

  it("an expired link is 410", async () => {
    const ada = await createUser();
    const mail = await lastEmail(ada.email, "email_verification");
    await seedSql("UPDATE account_token SET expires_at = now() - interval '1 second' WHERE user_fk = $1", [ada.id]);
    expect((await expectProblem(await confirm(mail.token as string), 410)).code).toBe("link_invalid");
    expect((await me(ada.token)).email_verified).toBe(false);
  });
});
