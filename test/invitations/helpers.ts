// Invitations as tests use them: invite, then read the link's token from the email (test/helpers/mail.ts).
import { call } from "../helpers/api";
import { randomIp, type TestUser, unique } from "../helpers/factories";
import { lastEmail } from "../helpers/mail";

export interface Invited {
  id: number;
  email: string;
  team_fk: number | null;
  role: string;
  status: string;
}

export const inviteeEmail = () => `invitee-${unique()}@example.com`;

export async function invite(by: TestUser, body: Record<string, unknown> = {}) {
  const res = await call("POST", "/invitations", { token: by.token, body: { email: inviteeEmail(), ...body } });
  if (res.status !== 201) throw new Error(`invite failed: ${res.status} ${await res.text()}`);
  const invitation = (await res.json()) as Invited;
  const { token } = await lastEmail(invitation.email, "invitation");
  if (!token) throw new Error("the invitation email carries no token");
  return { invitation, token };
}

export function accept(token: string, body: Record<string, unknown> = {}, ip = randomIp()) {
  return call("POST", "/invitations/accept", {
    body: { token, username: `i${unique()}`.slice(0, 25), password: "correct horse battery", ...body },
    headers: { "cf-connecting-ip": ip },
  });
}
