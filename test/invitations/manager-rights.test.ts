// Regression tests from the issue 23 review: a manager's invitation rights are "their teams, role
// member only" at every step (resend, revoke, the position named, the team applied at accept), and
// one address never has two live invitation links.
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../helpers/api";
import { createTeamWorld, seedSql, unique } from "../helpers/factories";
import { accept, invite, inviteeEmail } from "./helpers";

describe("a manager acts only on invitations they could make", () => {
  it("a manager cannot resend (revive) or revoke a manager-role invitation a superuser made: 403 not_manager", async () => {
    const { admin, manager, team } = await createTeamWorld();
    const { invitation } = await invite(admin, { team_fk: team.id, role: "manager" });
    const revoke = await call("DELETE", `/invitations/${invitation.id}`, { token: manager.token });
    expect((await expectProblem(revoke, 403)).code).toBe("not_manager");
    await seedSql("UPDATE invitation SET expires_at = now() - interval '1 minute' WHERE id = $1", [invitation.id]);
    const resend = await call("POST", `/invitations/${invitation.id}/resend`, { token: manager.token });
    expect((await expectProblem(resend, 403)).code).toBe("not_manager");
    const [row] = await seedSql("SELECT invitation_status(i) AS status FROM invitation i WHERE id = $1", [
      invitation.id,
    ]);
    expect(row?.status).toBe("expired");
    // Their own team's member invitation they still resend.
    const { invitation: mine } = await invite(manager, { team_fk: team.id });
    const ok = await call("POST", `/invitations/${mine.id}/resend`, { token: manager.token });
    expect(ok.status).toBe(200);
  });

  it("a manager names only a position open for self-registration (403 position_not_open); a superuser any", async () => {
    const { admin, manager, team } = await createTeamWorld();
    const [director] = await seedSql(
      "INSERT INTO position (title, salary, open_for_registration) VALUES ($1, 250000, false) RETURNING id",
      [`Director ${unique()}`.slice(0, 50)],
    );
    const [open] = await seedSql(
      "INSERT INTO position (title, salary, open_for_registration) VALUES ($1, 1000, true) RETURNING id",
      [`Intern ${unique()}`.slice(0, 50)],
    );
    const email = inviteeEmail();
    const refused = await call("POST", "/invitations", {
      token: manager.token,
      body: { email, team_fk: team.id, position_fk: director?.id },
    });
    expect((await expectProblem(refused, 403)).code).toBe("position_not_open");
    expect(await seedSql("SELECT id FROM invitation WHERE email = $1", [email])).toEqual([]);
    const allowed = await call("POST", "/invitations", {
      token: manager.token,
      body: { email, team_fk: team.id, position_fk: open?.id },
    });
    expect(allowed.status).toBe(201);
    const byAdmin = await call("POST", "/invitations", {
      token: admin.token,
      body: { email: inviteeEmail(), position_fk: director?.id },
    });
    expect(byAdmin.status).toBe(201);
  });

  it("an invitation stops granting team membership once its inviter no longer manages the team; the account is still made", async () => {
    const { admin, manager, team } = await createTeamWorld();
    const { token } = await invite(manager, { team_fk: team.id });
    const removed = await call("DELETE", `/teams/${team.id}/members/${manager.id}`, { token: admin.token });
    expect(removed.status).toBe(204);

    const res = await accept(token);
    expect(res.status).toBe(201);
    const { user } = (await res.json()) as { user: { id: number } };
    const rows = await seedSql("SELECT 1 FROM team_member WHERE team_fk = $1 AND user_fk = $2", [team.id, user.id]);
    expect(rows).toEqual([]);
  });

  it("an invitation from a manager still managing the team puts the invitee in it", async () => {
    const { manager, team } = await createTeamWorld();
    const { token } = await invite(manager, { team_fk: team.id });
    const res = await accept(token);
    expect(res.status).toBe(201);
    const { user } = (await res.json()) as { user: { id: number } };
    const rows = await seedSql("SELECT role FROM team_member WHERE team_fk = $1 AND user_fk = $2", [team.id, user.id]);
    expect(rows).toEqual([{ role: "member" }]);
  });
});

describe("one live invitation per address", () => {
  it("resending an expired invitation while a newer one is pending is 409 invitation_pending; one live link stays", async () => {
    const { admin, team } = await createTeamWorld();
    const { invitation: first } = await invite(admin, { team_fk: team.id, role: "manager" });
    await seedSql("UPDATE invitation SET expires_at = now() - interval '1 minute' WHERE id = $1", [first.id]);
    const second = await call("POST", "/invitations", { token: admin.token, body: { email: first.email } });
    expect(second.status).toBe(201);

    const resend = await call("POST", `/invitations/${first.id}/resend`, { token: admin.token });
    expect((await expectProblem(resend, 409)).code).toBe("invitation_pending");
    const live = await seedSql(
      "SELECT id FROM invitation i WHERE lower(email) = lower($1) AND invitation_status(i) = 'pending'",
      [first.email],
    );
    expect(live).toHaveLength(1);
  });
});
