// A local stand-in for Neon's SQL-over-HTTP endpoint, faithful where @neondatabase/serverless
// can tell: raw text values with real type OIDs, SQL errors as HTTP 400 with their SQLSTATE
// fields, batches as one all-or-nothing transaction, multi-statement strings refused — and where
// our code depends on Neon's proxy: only POST /sql, requests and responses over 10 MiB refused,
// malformed connection strings and batch headers refused, a client that goes away cancels its
// statement and its batch does not commit. server.test.ts states each behaviour with its fact.
// A development tool: it answers only loopback Host names (so a DNS-rebinding page cannot use it),
// and fault injection exists only when the harness that uses it asks for it.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Backend } from "./backend.ts";
import { seeded } from "./distance.ts";
import {
  BadRequest,
  batchMode,
  cancelBackend,
  databaseOf,
  exec,
  holdUnlessGone,
  NEON_MAX_BYTES,
  type Query,
  ResponseTooLarge,
  readBody,
  runBatch,
  TooLarge,
} from "./protocol.ts";

export { distanceFromEnv, seeded } from "./distance.ts";
export { NEON_MAX_BYTES };

const ERROR_FIELDS = [
  "message",
  "severity",
  "code",
  "detail",
  "hint",
  "position",
  "internalPosition",
  "internalQuery",
  "where",
  "schema",
  "table",
  "column",
  "dataType",
  "constraint",
  "file",
  "line",
  "routine",
] as const;

export interface NeonLocal {
  url: string;
  server: Server;
  /** Requests served per database name since start. */
  counts: Map<string, number>;
  /** Fault injection for resilience tests: refuse connections or delay answers. */
  faults: Faults;
  close(): Promise<void>;
}

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/i;

/**
 * Fault injection: `down` refuses connections; `delayMs` holds a request before it runs;
 * `commitDelayMs` runs a batch's statements and then holds it before COMMIT (a database slower
 * than the caller's deadline, mid-transaction), only for `database` when that is set.
 */
export interface Faults {
  down: boolean;
  delayMs: number;
  commitDelayMs: number;
  database?: string;
  /**
   * An injected network distance (issue 24 §5): each POST /sql waits half of `rttMs` before it
   * runs (the request's way there) and half before its answer leaves (the way back), as a client
   * that far from the database would see it. `jitterMs` adds a uniform ±J to each round trip, drawn
   * from a generator seeded by `seed` so two bench runs see the same delays. Default 0.
   */
  rttMs: number;
  jitterMs: number;
  seed: number;
}

export interface NeonLocalOptions {
  port?: number;
  host?: string;
  /** Serve POST /__faults (the load harness and the endpoint's own tests only). */
  faults?: boolean;
  /** The injected round-trip delay, jitter and seed (Faults.rttMs; POST /__faults changes them). */
  rttMs?: number;
  jitterMs?: number;
  seed?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startNeonLocal(backend: Backend, opts: NeonLocalOptions = {}): Promise<NeonLocal> {
  const { port = 0, host = "127.0.0.1" } = opts;
  const counts = new Map<string, number>();
  const lastBody = new Map<string, string>();
  /** Of those, the batches (transactions): a read sent as one statement is not one. */
  const batches = new Map<string, number>();
  const faults: Faults = {
    down: false,
    delayMs: 0,
    commitDelayMs: 0,
    rttMs: opts.rttMs ?? 0,
    jitterMs: opts.jitterMs ?? 0,
    seed: opts.seed ?? 1,
  };
  let random = seeded(faults.seed);
  /** One round trip's delay: the RTT with its jitter, never below 0. */
  const roundTrip = () =>
    faults.rttMs || faults.jitterMs ? Math.max(0, faults.rttMs + faults.jitterMs * (2 * random() - 1)) : 0;

  const server = createServer(async (req, res) => {
    const tooLarge = () => {
      res.writeHead(507, { "content-type": "text/plain" });
      res.end("response is too large (max is 10485760 bytes)");
    };
    // The way back of an injected round trip (POST /sql only: set below).
    let wayBack = 0;
    // Every answer passes here, so none leaves above Neon's limit (a batch checks before COMMIT too).
    const send = async (status: number, body: unknown) => {
      if (wayBack) await sleep(wayBack);
      const text = JSON.stringify(body);
      if (Buffer.byteLength(text) > NEON_MAX_BYTES) return tooLarge();
      res.writeHead(status, { "content-type": "application/json" });
      res.end(text);
    };
    // A client that goes away before the answer is complete: its statement is cancelled and its
    // batch rolled back, as Neon does. Its socket's end of stream counts as soon as it is read
    // (Node's server aborts the request then too), not only once the socket has closed.
    let closed = false;
    const client = {
      get gone() {
        return closed || (!res.writableFinished && (req.socket.readableEnded || req.socket.destroyed));
      },
    };
    res.once("close", () => {
      closed = !res.writableFinished;
    });
    try {
      if (!LOOPBACK_HOST.test(req.headers.host ?? "")) return send(403, { message: "loopback Host names only" });
      const url = new URL(req.url ?? "/", "http://local");
      // The last request a database was sent, as it came: the bench replays it from a bare worker.
      if (req.method === "GET" && url.pathname === "/__last") {
        return send(200, JSON.parse(lastBody.get(url.searchParams.get("db") ?? "") ?? "null"));
      }
      if (req.method === "GET" && url.pathname === "/__stats") {
        const db = url.searchParams.get("db") ?? "";
        return send(200, { requests: counts.get(db) ?? 0, transactions: batches.get(db) ?? 0 });
      }
      if (opts.faults && req.method === "POST" && url.pathname === "/__faults") {
        const change = JSON.parse(await readBody(req)) as Partial<Faults>;
        Object.assign(faults, { database: undefined }, change);
        if (change.seed !== undefined) random = seeded(faults.seed);
        return send(200, faults);
      }
      // A test file is done with its clone (test/helpers/report-operations.ts): free its memory.
      if (opts.faults && req.method === "POST" && url.pathname === "/__release") {
        await backend.release?.(url.searchParams.get("db") ?? "");
        return send(200, {});
      }
      if (req.method !== "POST" || url.pathname !== "/sql") return send(404, { message: "not found" });
      if (req.headers.authorization !== undefined) {
        throw new BadRequest("JWT authentication (Authorization: Bearer) is not supported here");
      }
      if (faults.down) {
        req.socket.destroy();
        return;
      }
      // Half of the injected round trip on the way there, half on the way back (in send()).
      const rtt = roundTrip();
      if (rtt) {
        wayBack = rtt / 2;
        await sleep(rtt / 2);
      }
      if (faults.delayMs) {
        await sleep(faults.delayMs);
        // The caller gave up while the database was "slow": like a query that never started.
        if (client.gone) return;
      }

      const database = databaseOf(req.headers["neon-connection-string"]);
      const mode = batchMode(req.headers);
      counts.set(database, (counts.get(database) ?? 0) + 1);
      const pool = await backend.pool(database);
      if (!pool) return send(400, { message: `database "${database}" does not exist`, code: "3D000" });

      const text = await readBody(req);
      lastBody.set(database, text);
      const body = JSON.parse(text) as Query | { queries: Query[] } | null;
      if (typeof body !== "object" || body === null) throw new BadRequest("the body must be a JSON object");
      const arrayMode = req.headers["neon-array-mode"] === "true";
      const conn = await pool.connect();
      let cancelled: Promise<boolean> | undefined;
      res.once("close", () => {
        if (client.gone) cancelled = cancelBackend(pool, conn);
      });
      try {
        if ("queries" in body) {
          batches.set(database, (batches.get(database) ?? 0) + 1);
          const hold = !faults.database || faults.database === database ? faults.commitDelayMs : 0;
          const beforeCommit = () => holdUnlessGone(hold, client);
          return send(200, { results: await runBatch(conn, body.queries, mode, arrayMode, client, beforeCommit) });
        }
        return send(200, await exec(conn, body, arrayMode));
      } finally {
        // A connection whose client went away may have a cancel in flight: wait for it, so it
        // cannot land on the next request's statement (and drop the connection if it never ended).
        const reusable = (await cancelled) ?? true;
        conn.release(!reusable);
      }
    } catch (err) {
      if (err instanceof ResponseTooLarge) return tooLarge();
      if (err instanceof TooLarge) {
        // The rest of the body is never read: the connection cannot carry another request.
        res.setHeader("connection", "close");
        return send(413, { message: err.message });
      }
      if (err instanceof BadRequest || err instanceof SyntaxError) return send(400, { message: err.message });
      const e = err as Record<string, unknown>;
      if (typeof e.code === "string" && typeof e.severity === "string") {
        return send(400, Object.fromEntries(ERROR_FIELDS.map((f) => [f, e[f]])));
      }
      send(500, { message: String((err as Error).message ?? err) });
    }
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${actual}/sql`,
    server,
    counts,
    faults,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await backend.close();
    },
  };
}
