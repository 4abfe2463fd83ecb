import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createSuperuser, createTeam, seedSql, unique } from "../helpers/factories";
import { lastEmail } from "../helpers/mail";
import { accept, invite } from "./helpers";

/** A problem body without what differs per request (its instance/request id). */
const sameShape = (p: Record<string, unknown>) => ({
  type: p.type,
  status: p.status,
  code: p.code,
  title: p.title,
  detail: p.detail,
});

describe("POST /invitations/accept", () => {
  it("invite → email → accept → signed in, verified, in the team, in two round trips", async () => {
    const admin = await createSuperuser();
    const team = await createTeam(admin);
    const { invitation, token } = await invite(admin, { team_fk: team.id, role: "manager", position_fk: 1 });
    const email = await lastEmail(invitation.email, "invitation");
    expect(email.text).toContain(team.name);
    let res: Response | undefined;
    const username = `new${unique()}`.slice(0, 25);
    expect(await countRoundTrips(async () => (res = await accept(token, { username })))).toBe(2);
    expect(res?.status).toBe(201);
    expect(res?.headers.get("set-cookie")).toMatch(/auth_cookie=.*HttpOnly/);
    const body = (await res?.json()) as { access_token: string; device_token: string; user: Record<string, unknown> };
    expect(body.device_token).toBeTruthy();
    expect(body.user).toMatchObject({ email: invitation.email, username, email_verified: true, position_fk: 1 });
    const me = await call("GET", "/users/me", { token: body.access_token });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { id: number }).id).toBe(body.user.id);
    const [member] = await seedSql("SELECT role FROM team_member WHERE team_fk = $1 AND user_fk = $2", [
      team.id,
      body.user.id,
    ]);
    expect(member?.role).toBe("manager");
    const [row] = await seedSql("SELECT accepted_user_fk, accepted_at FROM invitation WHERE id = $1", [invitation.id]);
    expect(row?.accepted_user_fk).toBe(body.user.id);
    // The audit holds ids: no token, no address.
    const audit = await seedSql(
      "SELECT kind, before, after FROM audit_event WHERE entity = 'invitation' AND entity_id = $1",
      [String(invitation.id)],
    );
    expect(audit.map((a) => a.kind).sort()).toEqual(["invitation.accepted", "invitation.created"]);
    expect(JSON.stringify(audit)).not.toContain(invitation.email);
    expect(JSON.stringify(audit)).not.toContain(token);
  });

  it("a used, revoked, expired or unknown token is the same 410, and the used one cannot make a second account", async () => {
    const admin = await createSuperuser();
    const used = await invite(admin);
    expect((await accept(used.token)).status).toBe(201);
    const revoked = await invite(admin);
    expect((await call("DELETE", `/invitations/${revoked.invitation.id}`, { token: admin.token })).status).toBe(204);
    const expired = await invite(admin);
    await seedSql("UPDATE invitation SET expires_at = now() - interval '1 second' WHERE id = $1", [
      expired.invitation.id,
    ]);
    const answers = [];
    for (const token of [used.token, revoked.token, expired.token, `tl_inv_${"x".repeat(43)}`]) {
      let res: Response | undefined;
      // Every path does the same work: the budget, a hash, the attempt (two round trips).
      expect(await countRoundTrips(async () => (res = await accept(token)))).toBe(2);
      answers.push(sameShape(await expectProblem(res as Response, 410)));
    }
    expect(answers[0]?.code).toBe("invitation_invalid");
    for (const a of answers) expect(a).toEqual(answers[0]);
    const [count] = await seedSql("SELECT count(*)::int AS n FROM app_user WHERE lower(email) = lower($1)", [
      used.invitation.email,
    ]);
    expect(count?.n).toBe(1);
  });

  it("parallel accepts of one invitation make exactly one account", async () => {
    const admin = await createSuperuser();
    const { invitation, token } = await invite(admin);
    const answers = await Promise.all(Array.from({ length: 5 }, () => accept(token)));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 410, 410, 410, 410]);
    const [count] = await seedSql("SELECT count(*)::int AS n FROM app_user WHERE lower(email) = lower($1)", [
      invitation.email,
    ]);
    expect(count?.n).toBe(1);
  });

  it("a taken username is 409 and the invitation stays usable", async () => {
    const admin = await createSuperuser();
    const { token } = await invite(admin);
    expect((await expectProblem(await accept(token, { username: admin.username.toUpperCase() }), 409)).code).toBe(
      "username_taken",
    );
    expect((await accept(token)).status).toBe(201);
  });

  it("resend kills the old token and the new one works", async () => {
    const admin = await createSuperuser();
    const { invitation, token: old } = await invite(admin);
    const resent = await call("POST", `/invitations/${invitation.id}/resend`, { token: admin.token });
    expect(resent.status).toBe(200);
    const { token: fresh } = await lastEmail(invitation.email, "invitation");
    expect(fresh).not.toBe(old);
    expect((await expectProblem(await accept(old), 410)).code).toBe("invitation_invalid");
    expect((await accept(fresh as string)).status).toBe(201);
  });

  it("refuses extra fields (no superuser through the back door) and a cross-site browser", async () => {
    const admin = await createSuperuser();
    const { token } = await invite(admin);
    expect((await accept(token, { is_superuser: true })).status).toBe(422);
    const cross = await call("POST", "/invitations/accept", {
      body: { token, username: `x${unique()}`, password: "correct horse battery" },
      headers: { "sec-fetch-site": "cross-site" },
    });
    expect((await expectProblem(cross, 403)).code).toBe("csrf_rejected");
  });

  it("throttles one client's accepts (429 before any hashing)", async () => {
    const ip = "198.51.100.77";
    for (let i = 0; i < 30; i++) await accept(`tl_inv_nothing${i}`, {}, ip);
    const res = await accept("tl_inv_nothing", {}, ip);
    expect((await expectProblem(res, 429)).code).toBe("too_many_registrations");
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
  });
});
