// Neon's SQL-over-HTTP protocol as the local endpoint speaks it: request parsing, the batch
// transaction, statements in the extended protocol, size limits, cancelling a statement.
import type { IncomingMessage } from "node:http";
import pg from "pg";

export interface Query {
  query: string;
  params?: unknown[];
}

const ISOLATION: Record<string, string> = {
  ReadUncommitted: "READ UNCOMMITTED",
  ReadCommitted: "READ COMMITTED",
  RepeatableRead: "REPEATABLE READ",
  Serializable: "SERIALIZABLE",
};

export class BadRequest extends Error {}
export class TooLarge extends Error {}
/** An answer over Neon's limit: found before COMMIT, so the batch is rolled back, not committed. */
export class ResponseTooLarge extends Error {}
const jsonSize = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/** Neon's proxy refuses requests and responses over 10 MiB. */
export const NEON_MAX_BYTES = 10 * 1024 * 1024;
export function databaseOf(header: string | string[] | undefined): string {
  if (typeof header !== "string") throw new BadRequest("missing Neon-Connection-String header");
  let url: URL;
  try {
    url = new URL(header);
  } catch {
    throw new BadRequest("invalid Neon-Connection-String");
  }
  // Neon needs all of them: the user and password authenticate, the host name picks the endpoint.
  if (
    !/^postgres(ql)?:$/.test(url.protocol) ||
    !url.username ||
    !url.password ||
    !url.hostname ||
    url.pathname.length < 2
  ) {
    throw new BadRequest("invalid Neon-Connection-String: it needs a user, a password, a host name and a database");
  }
  try {
    return decodeURIComponent(url.pathname.slice(1));
  } catch {
    throw new BadRequest("invalid Neon-Connection-String: the database name is not valid URL encoding");
  }
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > NEON_MAX_BYTES) throw new TooLarge("request is too large (max is 10485760 bytes)");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export async function holdUnlessGone(ms: number, client: { gone: boolean }) {
  const until = Date.now() + ms;
  while (Date.now() < until && !client.gone) await new Promise((r) => setTimeout(r, 10));
}

/** Stops what a connection is running, from another connection (PostgreSQL; PGlite runs one at a time). */
/**
 * Stops the statement a connection is running, from a connection of its own: never one from the
 * pool, which may be exhausted by the very requests whose callers went away. Only a statement that
 * is running needs it; between statements the batch is rolled back instead. Resolves to whether
 * the connection is safe to reuse (no cancel still in flight that could hit its next statement).
 */
export async function cancelBackend(pool: pg.Pool, conn: pg.PoolClient): Promise<boolean> {
  const pid = (conn as unknown as { processID?: number }).processID;
  const running = (conn as unknown as { _activeQuery?: unknown })._activeQuery;
  if (!pid || !running) return true;
  const options = (pool as unknown as { options: pg.ClientConfig }).options;
  const canceller = new pg.Client({ ...options, connectionTimeoutMillis: 2000 });
  const cancel = async () => {
    await canceller.connect();
    await canceller.query("SELECT pg_cancel_backend($1)", [pid]);
    return true;
  };
  const done = await Promise.race([cancel(), new Promise<boolean>((r) => setTimeout(() => r(false), 3000))]).catch(
    () => false,
  );
  await canceller.end().catch(() => {});
  return done;
}

/**
 * Lets the event loop read what sockets received meanwhile. PGlite runs a statement in this
 * thread, so a client that went away during it is only seen afterwards, once the loop has polled
 * its socket: one setImmediate may run before that poll (in the same turn), two cannot — the
 * second is queued from inside the check phase, so it runs a full turn, poll included, later.
 */
export async function seeDisconnects() {
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
}

export function batchMode(headers: IncomingMessage["headers"]): string {
  const isolation = headers["neon-batch-isolation-level"];
  if (isolation !== undefined && (typeof isolation !== "string" || !ISOLATION[isolation])) {
    throw new BadRequest(`invalid Neon-Batch-Isolation-Level: ${String(isolation)}`);
  }
  return [
    isolation ? `ISOLATION LEVEL ${ISOLATION[isolation]}` : "",
    headers["neon-batch-read-only"] === "true" ? "READ ONLY" : "",
    headers["neon-batch-deferrable"] === "true" ? "DEFERRABLE" : "",
  ].join(" ");
}

export async function exec(client: pg.PoolClient, q: Query, arrayMode: boolean) {
  if (typeof q?.query !== "string") throw new BadRequest("query must be a string");
  // The extended protocol, as Neon uses, refuses several statements in one string.
  const r = await client.query({
    text: q.query,
    values: q.params ?? [],
    rowMode: "array",
    queryMode: "extended",
  } as pg.QueryConfig);
  const fields = r.fields.map((f) => ({
    name: f.name,
    dataTypeID: f.dataTypeID,
    tableID: f.tableID,
    columnID: f.columnID,
    dataTypeSize: f.dataTypeSize,
    dataTypeModifier: f.dataTypeModifier,
    format: "text",
  }));
  const rows = arrayMode
    ? r.rows
    : (r.rows as unknown[][]).map((row) => Object.fromEntries(fields.map((f, i) => [f.name, row[i]])));
  return { command: r.command, rowCount: r.rowCount, rows, fields, rowAsArray: arrayMode };
}

export async function runBatch(
  conn: pg.PoolClient,
  queries: Query[],
  mode: string,
  arrayMode: boolean,
  client: { gone: boolean },
  beforeCommit: () => Promise<void>,
) {
  if (!Array.isArray(queries)) throw new BadRequest("queries must be an array");
  try {
    await conn.query(`BEGIN ${mode}`);
    const results = [];
    let size = 0;
    for (const q of queries) {
      const result = await exec(conn, q, arrayMode);
      size += jsonSize(result);
      if (size > NEON_MAX_BYTES) throw new ResponseTooLarge();
      results.push(result);
      // Nobody is waiting for the answer: like Neon, an unfinished batch does not go on or commit.
      await seeDisconnects();
      if (client.gone) throw new BadRequest("client went away");
    }
    await beforeCommit();
    if (client.gone) throw new BadRequest("client went away");
    await conn.query("COMMIT");
    return results;
  } catch (err) {
    await conn.query("ROLLBACK").catch(() => {});
    throw err;
  }
}
