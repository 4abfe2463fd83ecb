// Its own file: the company setting is shared by every test of a file's database.
import { expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createSuperuser, randomIp, seedSql } from "../helpers/factories";
import { emailsTo } from "../helpers/mail";
import { accept, invite } from "./helpers";

it("under invite_only, self-registration is 403 registration_closed in one round trip and creates nothing; invitations still work", async () => {
  const admin = await createSuperuser();
  const patched = await call("PATCH", "/settings", { token: admin.token, body: { registration: "invite_only" } });
  expect(patched.status).toBe(200);
  const email = `closed-${crypto.randomUUID()}@example.com`;
  const body = { email, username: `c${Date.now()}`, password: "correct horse battery", position_fk: 1 };
  let res: Response | undefined;
  const trips = await countRoundTrips(async () => {
    res = await call("POST", "/users/register", { body, headers: { "cf-connecting-ip": randomIp() } });
  });
  expect(trips).toBe(1);
  expect((await expectProblem(res as Response, 403)).code).toBe("registration_closed");
  expect(await seedSql("SELECT id FROM app_user WHERE lower(email) = lower($1)", [email])).toEqual([]);
  expect(await emailsTo(email)).toEqual([]);
  const { token } = await invite(admin);
  expect((await accept(token)).status).toBe(201);
  const reopened = await call("PATCH", "/settings", { token: admin.token, body: { registration: "open" } });
  expect(reopened.status).toBe(200);
  const open = await call("POST", "/users/register", { body, headers: { "cf-connecting-ip": randomIp() } });
  expect(open.status).toBe(201);
});
