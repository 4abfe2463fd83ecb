// Reads from a Neon read replica (DATABASE_URL_READ) that never miss the caller's own writes and
// never let an ended login in (README, Latency: read replica).
//   - Read-your-writes is a bookmark the client carries: every write's response says
//     `Read-After: <its transaction id>`; a client that sends the latest one back (`Read-After: 0`
//     when it has written nothing it must see) lets a signed-in GET read go to the replica, and the
//     replica proves in the same transaction, from its own snapshot, that it has replayed that
//     transaction. A replica that cannot prove it (behind, or not a standby) is not used: the read
//     runs on the primary. A request without the header runs on the primary, so a client that does
//     not know about bookmarks always sees its writes. A client can only weaken its own view by
//     sending an old bookmark: the bookmark names no one else's data.
//   - The login check runs on the primary, at the same time as the replica's read (one RTT, two
//     requests): a session revoked a moment ago is refused however far behind the replica is.
import type { Context } from "hono";
import { type Compilable, CompiledQuery } from "kysely";
import type { AppEnv } from "../lib/router";
import { batch, type Db } from "./client";

const BOOKMARK = /^(0|[1-9][0-9]{0,19})$/;

/** The caller's bookmark when the replica may serve this read; undefined: the primary serves it. */
export function replicaBookmark(c: Context<AppEnv>, database: Db): bigint | undefined {
  if (!database.replica || c.req.method !== "GET") return undefined;
  const value = c.req.header("read-after")?.trim();
  return value !== undefined && BOOKMARK.test(value) ? BigInt(value) : undefined;
}

/**
 * Whether a snapshot (`pg_current_snapshot()::text`, "xmin:xmax:xip,…") sees transaction `xid` as
 * finished: below xmin, or below xmax and not in progress. A bookmark is only ever a committed
 * write's id (the header is sent after COMMIT), so finished means committed.
 */
export function sees(snapshot: string, xid: bigint): boolean {
  if (xid === 0n) return true;
  const [xmin, xmax, inProgress = ""] = snapshot.split(":");
  if (xmin === undefined || xmax === undefined) return false;
  if (xid < BigInt(xmin)) return true;
  if (xid >= BigInt(xmax)) return false;
  return !inProgress
    .split(",")
    .filter(Boolean)
    .some((x) => BigInt(x) === xid);
}

// A standby's own snapshot, taken before the read in the same transaction (read committed: the
// read's snapshot is the same or later, so it sees at least as much).
const FRESHNESS: Compilable<{ standby: boolean; snapshot: string }> = {
  compile: () =>
    CompiledQuery.raw("SELECT pg_is_in_recovery() AS standby, pg_current_snapshot()::text AS snapshot", []),
};
/**
 * The newest change to what the caller may see, as the primary knows it: sync_scope (0047) gets a
 * row for every change of their superuser or active status and every team-membership change that
 * relates them to someone. The rights a read's own query filters by (may_act_for, manages(), the
 * superuser's view) are the replica's, so the replica must have replayed this change too: a
 * demotion or a removal from a team acts at the next request, as for the primary.
 */
const RIGHTS = (param: string) =>
  `SELECT COALESCE(max(changed_xid)::text, '0') AS rights FROM sync_scope WHERE viewer_fk = ${param}::int`;
/** The single-statement login check (as request.ts folds into a one-statement read), with the rights. */
export const GUARD_ALONE = `SELECT auth_guard($1::uuid, $2::int, $3::boolean, $4::boolean) AS ok, (${RIGHTS("$2")}) AS rights`;
/** The rights statement for a batch on the primary (after the login check and the route's checks). */
export const rightsOf = (userId: number): Compilable<{ rights: string }> => ({
  compile: () => CompiledQuery.raw(RIGHTS("$1"), [userId]),
});

/**
 * The queries' rows from the replica while `primary` (the login check and the route's checks, all
 * authorization) runs on the primary in parallel; undefined when the replica has not shown it holds
 * the caller's bookmark (the caller then reads the primary). A refusal by either side is the answer.
 */
export async function fromReplica(
  database: Db,
  primary: Promise<string | undefined>,
  queries: readonly Compilable<unknown>[],
  bookmark: bigint,
): Promise<unknown[][] | undefined> {
  const replica = database.replica as Db;
  // A replica that is down, slow, misconfigured or cancels the read (a hot standby's conflict
  // with replay, 40001) is no reason to fail: the primary answers, and so does it when the replica
  // refuses (the primary's refusal is the one that stands).
  const fromStandby = batch(replica, [FRESHNESS, ...queries]).catch(() => undefined);
  const [rights, answer] = await Promise.all([primary, fromStandby]);
  if (!answer) return undefined;
  const [fresh, ...rows] = answer;
  const state = (fresh as { standby: boolean; snapshot: string }[])[0];
  // The caller's own last write and the last change of their rights, whichever is later.
  const changed = BigInt(rights ?? "0");
  const need = changed > bookmark ? changed : bookmark;
  // 0 asks for nothing; any other needs a standby that has replayed it.
  if (need !== 0n && !(state?.standby && sees(state.snapshot, need))) return undefined;
  return rows as unknown[][];
}

/** The read from the replica when the caller's bookmark allows one (undefined: read the primary). */
export async function replicaRead(
  c: Context<AppEnv>,
  database: Db,
  primary: () => Promise<string | undefined>,
  queries: readonly Compilable<unknown>[],
): Promise<unknown[][] | undefined> {
  const bookmark = replicaBookmark(c, database);
  return bookmark === undefined ? undefined : fromReplica(database, primary(), queries, bookmark);
}
