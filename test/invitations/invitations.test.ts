import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createSuperuser, createTeam, createTeamWorld, createUser, seedSql } from "../helpers/factories";
import { emailsTo, lastEmail } from "../helpers/mail";
import { accept, invite, inviteeEmail } from "./helpers";

describe("POST /invitations", () => {
  it("a superuser invites in one round trip; the answer and the email data carry no token, only its hash is stored", async () => {
    const admin = await createSuperuser();
    const team = await createTeam(admin);
    const email = inviteeEmail();
    let res: Response | undefined;
    const trips = await countRoundTrips(async () => {
      res = await call("POST", "/invitations", {
        token: admin.token,
        body: { email, team_fk: team.id, role: "manager" },
      });
    });
    expect(trips).toBe(1);
    expect(res?.status).toBe(201);
    const body = (await res?.json()) as Record<string, unknown>;
    expect(res?.headers.get("location")).toBe(`/invitations/${body.id}`);
    expect(body).toMatchObject({ email, team_fk: team.id, role: "manager", status: "pending", invited_by: admin.id });
    expect(Date.parse(body.expires_at as string) - Date.parse(body.created_at as string)).toBe(7 * 86_400_000);
    const mail = await lastEmail(email, "invitation");
    expect(mail.token).toMatch(/^tl_inv_/);
    expect(JSON.stringify(body)).not.toContain(mail.token);
    // The outbox row's data (what GET /emails shows) never holds the token; only the link does.
    const [queued] = await seedSql("SELECT data FROM email_outbox WHERE to_address = $1", [email]);
    expect(JSON.stringify(queued?.data)).not.toContain(mail.token);
    const [row] = await seedSql("SELECT token_hash FROM invitation WHERE id = $1", [body.id]);
    expect(row?.token_hash).not.toBe(mail.token);
    expect(
      JSON.stringify(await seedSql("SELECT before, after FROM audit_event WHERE entity = 'invitation'")),
    ).not.toContain(email);
  });

  it("an address with an account is 409 email_taken (a superuser's too); with a pending invitation 409 invitation_pending", async () => {
    const admin = await createSuperuser();
    const res = await call("POST", "/invitations", { token: admin.token, body: { email: admin.email.toUpperCase() } });
    expect((await expectProblem(res, 409)).code).toBe("email_taken");
    const { invitation } = await invite(admin);
    const again = await call("POST", "/invitations", { token: admin.token, body: { email: invitation.email } });
    expect((await expectProblem(again, 409)).code).toBe("invitation_pending");
    expect((await emailsTo(admin.email)).filter((e) => e.template === "invitation")).toEqual([]);
  });

  it("parallel invitations of one address: exactly one is created (the database serialises them)", async () => {
    const admin = await createSuperuser();
    const email = inviteeEmail();
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => call("POST", "/invitations", { token: admin.token, body: { email } })),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    expect((await emailsTo(email)).filter((e) => e.template === "invitation")).toHaveLength(1);
  });

  it("a team manager invites members into their own team only; never a manager, never another team, never without a team", async () => {
    const { admin, manager, ann, team } = await createTeamWorld();
    const other = await createTeam(admin);
    const { invitation } = await invite(manager, { team_fk: team.id });
    expect(invitation).toMatchObject({ team_fk: team.id, role: "member" });
    for (const body of [{ team_fk: team.id, role: "manager" }, { team_fk: other.id }, {}]) {
      const email = inviteeEmail();
      const res = await call("POST", "/invitations", { token: manager.token, body: { email, ...body } });
      expect((await expectProblem(res, 403)).code).toBe("not_manager");
      expect(await emailsTo(email)).toEqual([]);
    }
    // No way to a superuser: no such field, and a superuser's address already has an account.
    const extra = await call("POST", "/invitations", {
      token: manager.token,
      body: { email: inviteeEmail(), team_fk: team.id, is_superuser: true },
    });
    expect(extra.status).toBe(422);
    const superuser = await call("POST", "/invitations", {
      token: manager.token,
      body: { email: admin.email, team_fk: team.id },
    });
    expect((await expectProblem(superuser, 409)).code).toBe("email_taken");
    const byMember = await call("POST", "/invitations", {
      token: ann.token,
      body: { email: inviteeEmail(), team_fk: team.id },
    });
    expect((await expectProblem(byMember, 403)).code).toBe("not_manager");
  });

  it("refuses extra fields, a list of addresses and CR/LF in the address (no header injection)", async () => {
    const admin = await createSuperuser();
    for (const body of [
      { email: inviteeEmail(), is_superuser: true },
      { email: `a@example.com\r\nBcc: victim@example.com` },
      { email: "a@example.com, b@example.com" },
      { email: "Ada <ada@example.com>" },
    ]) {
      const res = await call("POST", "/invitations", { token: admin.token, body });
      expect(res.status).toBe(422);
    }
    expect(await seedSql("SELECT id FROM email_outbox WHERE to_address ~ '[\\r\\n,<]'")).toEqual([]);
  });

  it("names people typed (the inviter's username, the team's name) reach the subject on one line", async () => {
    const admin = await createSuperuser();
    // A username may carry a line break only if seeded; the template must make it one line anyway.
    await seedSql("UPDATE app_user SET username = $2 WHERE id = $1", [admin.id, `M\r\nBcc: v@example.com ${admin.id}`]);
    const { invitation, token } = await invite(admin);
    const { templates } = await import("../../src/email/templates/index");
    const [row] = await seedSql("SELECT data FROM email_outbox WHERE to_address = $1", [invitation.email]);
    const rendered = templates.invitation?.(row?.data as Record<string, unknown>, {
      appUrl: "https://app.example.com",
      secret: token,
      to: invitation.email,
    });
    expect(rendered?.subject).toContain("Bcc: v@example.com");
    expect(rendered?.subject).not.toMatch(/[\r\n]/);
    expect(rendered?.text).toContain(`https://app.example.com/accept-invitation#token=${token}`);
    expect(rendered?.html).not.toContain("<script");
  });
});

describe("GET /invitations, DELETE /invitations/{id}, POST /invitations/{id}/resend", () => {
  it("superusers see all, managers their teams' only, filtered by status, in one round trip", async () => {
    const { admin, manager, ann, team } = await createTeamWorld();
    const other = await createTeam(admin);
    const mine = await invite(manager, { team_fk: team.id });
    const theirs = await invite(admin, { team_fk: other.id });
    const revoked = await invite(admin, { team_fk: team.id });
    expect((await call("DELETE", `/invitations/${revoked.invitation.id}`, { token: manager.token })).status).toBe(204);
    let res: Response | undefined;
    expect(
      await countRoundTrips(
        async () => (res = await call("GET", "/invitations?status=pending", { token: manager.token })),
      ),
    ).toBe(1);
    const ids = ((await (res as Response).json()) as { items: { id: number }[] }).items.map((i) => i.id);
    expect(ids).toContain(mine.invitation.id);
    expect(ids).not.toContain(theirs.invitation.id);
    expect(ids).not.toContain(revoked.invitation.id);
    const all = (await (await call("GET", "/invitations?status=revoked", { token: admin.token })).json()) as {
      items: { id: number; status: string }[];
    };
    expect(all.items.map((i) => i.id)).toContain(revoked.invitation.id);
    expect(all.items.every((i) => i.status === "revoked")).toBe(true);
    const none = (await (await call("GET", "/invitations", { token: ann.token })).json()) as { items: unknown[] };
    expect(none.items).toEqual([]);
    expect((await call("GET", "/invitations?status=nope", { token: admin.token })).status).toBe(422);
  });

  it("revoke: 204 once, then 409; 404 for another team's; expired is 409 too", async () => {
    const { admin, manager, team } = await createTeamWorld();
    const other = await createTeam(admin);
    const { invitation, token } = await invite(admin, { team_fk: team.id });
    expect(
      await countRoundTrips(async () => {
        expect((await call("DELETE", `/invitations/${invitation.id}`, { token: manager.token })).status).toBe(204);
      }),
    ).toBe(1);
    expect(
      (await expectProblem(await call("DELETE", `/invitations/${invitation.id}`, { token: admin.token }), 409)).code,
    ).toBe("invitation_not_pending");
    expect((await accept(token)).status).toBe(410);
    const foreign = await invite(admin, { team_fk: other.id });
    await expectProblem(await call("DELETE", `/invitations/${foreign.invitation.id}`, { token: manager.token }), 404);
    const expired = await invite(admin);
    await seedSql("UPDATE invitation SET expires_at = now() - interval '1 minute' WHERE id = $1", [
      expired.invitation.id,
    ]);
    await expectProblem(await call("DELETE", `/invitations/${expired.invitation.id}`, { token: admin.token }), 409);
    const audit = await seedSql("SELECT kind FROM audit_event WHERE entity = 'invitation' AND entity_id = $1", [
      String(invitation.id),
    ]);
    expect(audit.map((a) => a.kind)).toContain("invitation.revoked");
  });

  it("resend: a new token and expiry in one round trip, audited; an expired one comes back; accepted is 409; others' 404", async () => {
    const { admin, manager, team } = await createTeamWorld();
    const { invitation, token } = await invite(admin, { team_fk: team.id });
    await seedSql("UPDATE invitation SET expires_at = now() - interval '1 minute' WHERE id = $1", [invitation.id]);
    let res: Response | undefined;
    expect(
      await countRoundTrips(
        async () => (res = await call("POST", `/invitations/${invitation.id}/resend`, { token: manager.token })),
      ),
    ).toBe(1);
    const body = (await res?.json()) as { status: string; expires_at: string };
    expect(body.status).toBe("pending");
    expect(Date.parse(body.expires_at)).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    const fresh = await lastEmail(invitation.email, "invitation");
    expect(fresh.token).not.toBe(token);
    expect((await accept(token)).status).toBe(410);
    expect((await accept(fresh.token as string)).status).toBe(201);
    await expectProblem(await call("POST", `/invitations/${invitation.id}/resend`, { token: admin.token }), 409);
    const stranger = await createUser();
    await expectProblem(await call("POST", `/invitations/${invitation.id}/resend`, { token: stranger.token }), 404);
    const kinds = (
      await seedSql("SELECT kind FROM audit_event WHERE entity = 'invitation' AND entity_id = $1", [
        String(invitation.id),
      ])
    ).map((a) => a.kind);
    expect(kinds).toEqual(expect.arrayContaining(["invitation.created", "invitation.resent", "invitation.accepted"]));
  });
});
