import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema";

type Db = Kysely<Database>;
type Link = { token: string; hash: string };

export function issueVerification(db: Db, userId: number, link: Link) {
  return db.selectNoFrom(
    sql<{ expires_at: string }>`email_verification_issue(${userId}::int, ${link.hash}, ${link.token})`.as("body"),
  );
}

export function beginChange(db: Db, userId: number, email: string, link: Link) {
  return db.selectNoFrom(
    sql<{
      pending_email: string;
      expires_at: string;
    }>`email_change_begin(${userId}::int, ${email}, ${link.hash}, ${link.token})`.as("body"),
  );
}

export function confirmLink(db: Db, hash: string) {
  return db.selectNoFrom(
    sql<{ kind: "email_verification" | "email_change"; email_verified: true }>`email_link_confirm(${hash})`.as("body"),
  );
}
