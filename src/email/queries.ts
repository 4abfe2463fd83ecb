import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema";
import type { Email } from "./schemas";

type Db = Kysely<Database>;

const emailJson = sql<Email>`jsonb_build_object('id', o.id, 'to', o.to_address, 'template', o.template,
  'status', o.status, 'attempts', o.attempts, 'last_error', o.last_error, 'user_fk', o.user_fk,
  'created_at', api_time(o.created_at),
  'next_attempt_at', CASE WHEN o.status = 'pending' THEN api_time(o.next_attempt_at) END,
  'sent_at', api_time(o.sent_at))`;

/** The outbox, newest first (never `secret` nor `data`: data-derived fields only). */
export function listEmails(db: Db, f: { status?: string; to?: string; before?: number; limit: number }) {
  let q = db
    .selectFrom("email_outbox as o")
    .select([sql<string>`o.id::text`.as("id"), emailJson.as("body")])
    .orderBy("o.id", "desc")
    .limit(f.limit + 1);
  if (f.status !== undefined) q = q.where("o.status", "=", f.status as "pending");
  if (f.to !== undefined) q = q.where(sql<boolean>`lower(o.to_address) = lower(${f.to})`);
  if (f.before !== undefined) q = q.where(sql<boolean>`o.id < ${f.before}::bigint`);
  return q;
}
