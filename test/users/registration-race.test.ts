// Issue 23 review B: "invite_only" is checked in the first round trip of POST /users/register and
// the account inserted in the second (after PBKDF2); the insert asks again, so a company that
// closes registration gets no account created after the closing committed.
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../helpers/api";
import { createSuperuser, randomIp, seedSql, unique } from "../helpers/factories";

describe("registration closed while a sign-up is in flight", () => {
  it("no account is created after registration became invite_only", async () => {
    const admin = await createSuperuser();
    const email = `race-${unique()}@example.com`;
    const signUp = call("POST", "/users/register", {
      body: { email, username: `r${unique()}`.slice(0, 25), password: "correct horse battery", position_fk: 1 },
      headers: { "cf-connecting-ip": randomIp() },
    });
    // Lands while the password is being hashed (between the policy check and the insert).
    await new Promise((resolve) => setTimeout(resolve, 5));
    const closed = await call("PATCH", "/settings", { token: admin.token, body: { registration: "invite_only" } });
    expect(closed.status).toBe(200);
    const res = await signUp;
    const [order] = await seedSql(
      `SELECT bool_and(u.registered_at < e.at) AS before_closing FROM app_user u,
         (SELECT max(at) AS at FROM audit_event WHERE kind = 'company.settings_changed'
            AND after ->> 'registration' = 'invite_only') e
       WHERE lower(u.email) = lower($1)`,
      [email],
    );
    await call("PATCH", "/settings", { token: admin.token, body: { registration: "open" } });
    // Either refused (403 registration_closed), or the account predates the closing.
    if (res.status === 201) {
      expect(order?.before_closing).toBe(true);
    } else {
      expect((await expectProblem(res, 403)).code).toBe("registration_closed");
    }
  });

  it("the insert's own check refuses under invite_only (the race above, without its timing)", async () => {
    const admin = await createSuperuser();
    const [row] = await seedSql("SELECT registration_still_open() AS open");
    expect(row?.open).toBe(true);
    const closed = await call("PATCH", "/settings", { token: admin.token, body: { registration: "invite_only" } });
    expect(closed.status).toBe(200);
    await expect(seedSql("SELECT registration_still_open()")).rejects.toThrow(/invitation only/);
    await call("PATCH", "/settings", { token: admin.token, body: { registration: "open" } });
  });
});
