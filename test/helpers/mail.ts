// Emails as tests see them. INTERIM (lead's foundation): reads the outbox row and its one-time token
// straight from the database. The email helper replaces the inside with the loopback mail receiver
// (the worker's `http` provider posting to it) and keeps these signatures.
import { seedSql } from "./factories";

export interface Email {
  to: string;
  template: string;
  /** The plain-text body (interim: the row's data as JSON; the receiver's version: the real text). */
  text: string;
  /** The one-time token the email's link carries (null for notices). */
  token: string | null;
}

/** Every email queued to this address so far, oldest first. */
export async function emailsTo(to: string): Promise<Email[]> {
  const rows = await seedSql(
    "SELECT to_address, template, data, secret FROM email_outbox WHERE lower(to_address) = lower($1) ORDER BY id",
    [to],
  );
  return rows.map((r) => ({
    to: String(r.to_address),
    template: String(r.template),
    text: JSON.stringify(r.data),
    token: (r.secret as string | null) ?? null,
  }));
}

/** The newest email of a template to this address (throws when there is none). */
export async function lastEmail(to: string, template: string): Promise<Email> {
  const found = (await emailsTo(to)).filter((e) => e.template === template).at(-1);
  if (!found) throw new Error(`no ${template} email to ${to}`);
  return found;
}
