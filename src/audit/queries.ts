// The audit trail is written by triggers (migrations/0007_teams.sql); here it is only read.
import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema";
import type { AuditEvent } from "./schemas";

type Db = Kysely<Database>;

const eventJson = sql<AuditEvent>`jsonb_build_object('id', e.id, 'at', api_time(e.at), 'actor_fk', e.actor_fk,
  'request_id', e.request_id, 'kind', e.kind, 'user_fk', nullif(e.chain, 0), 'entity', e.entity,
  'entity_id', e.entity_id, 'before', e.before, 'after', e.after, 'seq', e.seq, 'prev_hash', e.prev_hash,
  'hash', e.hash)`.as("body");

export interface AuditFilter {
  viewerId: number;
  from?: string;
  to?: string;
  actorId?: number;
  userId?: number;
  kind?: string;
  after?: number;
  limit: number;
}

/**
 * Newest first. Superusers see every event; managers the time and timesheet events of the people
 * they manage (not their memberships elsewhere or role changes).
 */
export function listEvents(db: Db, f: AuditFilter) {
  let q = db
    .selectFrom("audit_event as e")
    .select([sql<string>`e.id::text`.as("id"), eventJson])
    .where(
      sql<boolean>`(user_is_superuser(${f.viewerId}::int)
        OR (e.chain <> 0 AND e.entity IN ('timelog', 'timesheet') AND manages(${f.viewerId}::int, e.chain)))`,
    )
    .orderBy("e.id", "desc")
    .limit(f.limit + 1);
  if (f.from !== undefined) q = q.where(sql<boolean>`e.at >= ${f.from}::timestamptz`);
  if (f.to !== undefined) q = q.where(sql<boolean>`e.at < ${f.to}::timestamptz`);
  if (f.actorId !== undefined) q = q.where("e.actor_fk", "=", f.actorId);
  if (f.userId !== undefined) q = q.where("e.chain", "=", f.userId);
  if (f.kind !== undefined) q = q.where("e.kind", "=", f.kind);
  if (f.after !== undefined) q = q.where(sql<boolean>`e.id < ${f.after}::bigint`);
  return q;
}

/** A log's events, oldest first: for its owner, their managers and superusers. */
export function logHistory(db: Db, viewerId: number, logId: number, after: number | undefined, limit: number) {
  let q = db
    .selectFrom("audit_event as e")
    .select([sql<string>`e.id::text`.as("id"), eventJson])
    .where("e.entity", "=", "timelog")
    .where("e.entity_id", "=", String(logId))
    .where(sql<boolean>`may_act_for(${viewerId}::int, e.chain)`)
    .orderBy("e.id")
    .limit(limit + 1);
  if (after !== undefined) q = q.where(sql<boolean>`e.id > ${after}::bigint`);
  return q;
}

export interface VerifiedPage {
  events: number;
  chains: number;
  through: number | null;
  more: boolean;
  checkpoints: number;
  broken: { id: number; chain: number; seq: number; reason: string } | null;
}

/**
 * One page of verification (migrations/0023_audit_kinds_checkpoints.sql): after an event id (a
 * full pass), or, with `after` undefined, after each chain's checkpoint, moving the checkpoints.
 */
export const verifyPage = (db: Db, after: number | undefined, limit: number) =>
  db.selectNoFrom(sql<VerifiedPage>`audit_verify_page(${after ?? null}::bigint, ${limit}::int)`.as("v"));
