// A local stand-in for Neon's SQL-over-HTTP endpoint, faithful where @neondatabase/serverless
// can tell: raw text values with real type OIDs, SQL errors as HTTP 400 with their SQLSTATE
// fields, batches as one all-or-nothing transaction, multi-statement strings refused.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type pg from "pg";
import type { Backend } from "./backend.ts";

interface Query {
  query: string;
  params?: unknown[];
}

const ISOLATION: Record<string, string> = {
  ReadUncommitted: "READ UNCOMMITTED",
  ReadCommitted: "READ COMMITTED",
  RepeatableRead: "REPEATABLE READ",
  Serializable: "SERIALIZABLE",
};

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
  faults: { down: boolean; delayMs: number };
  close(): Promise<void>;
}

class BadRequest extends Error {}

export async function startNeonLocal(backend: Backend, port = 0, host = "127.0.0.1"): Promise<NeonLocal> {
  const counts = new Map<string, number>();
  const faults = { down: false, delayMs: 0 };

  const server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    try {
      const url = new URL(req.url ?? "/", "http://local");
      if (req.method === "GET" && url.pathname === "/__stats") {
        return send(200, { requests: counts.get(url.searchParams.get("db") ?? "") ?? 0 });
      }
      if (req.method === "POST" && url.pathname === "/__faults") {
        Object.assign(faults, JSON.parse(await readBody(req)));
        return send(200, faults);
      }
      if (req.method !== "POST" || !url.pathname.endsWith("/sql")) return send(404, { message: "not found" });
      if (faults.down) {
        req.socket.destroy();
        return;
      }
      if (faults.delayMs) {
        let gone = false;
        res.once("close", () => {
          gone = !res.writableFinished;
        });
        await new Promise((r) => setTimeout(r, faults.delayMs));
        // The caller gave up while the database was "slow": like a query that never started.
        if (gone) return;
      }

      const database = databaseOf(req.headers["neon-connection-string"]);
      counts.set(database, (counts.get(database) ?? 0) + 1);
      const pool = await backend.pool(database);
      if (!pool) return send(400, { message: `database "${database}" does not exist`, code: "3D000" });

      const body = JSON.parse(await readBody(req)) as Query | { queries: Query[] };
      const arrayMode = req.headers["neon-array-mode"] === "true";
      if ("queries" in body) {
        const results = await runBatch(pool, body.queries, req.headers, arrayMode);
        return send(200, { results });
      }
      return send(200, await exec(pool, body, arrayMode));
    } catch (err) {
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
    url: `http://${host}:${actual}/sql`,
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

function databaseOf(header: string | string[] | undefined): string {
  if (typeof header !== "string") throw new BadRequest("missing Neon-Connection-String header");
  const url = new URL(header);
  if (!/^postgres(ql)?:$/.test(url.protocol) || !url.hostname || url.pathname.length < 2) {
    throw new BadRequest("invalid Neon-Connection-String");
  }
  return decodeURIComponent(url.pathname.slice(1));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function exec(client: pg.Pool | pg.PoolClient, q: Query, arrayMode: boolean) {
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

async function runBatch(pool: pg.Pool, queries: Query[], headers: IncomingMessage["headers"], arrayMode: boolean) {
  if (!Array.isArray(queries)) throw new BadRequest("queries must be an array");
  const isolation = headers["neon-batch-isolation-level"];
  const mode = [
    typeof isolation === "string" && ISOLATION[isolation] ? `ISOLATION LEVEL ${ISOLATION[isolation]}` : "",
    headers["neon-batch-read-only"] === "true" ? "READ ONLY" : "",
    headers["neon-batch-deferrable"] === "true" ? "DEFERRABLE" : "",
  ].join(" ");
  const client = await pool.connect();
  try {
    await client.query(`BEGIN ${mode}`);
    const results = [];
    for (const q of queries) results.push(await exec(client, q, arrayMode));
    await client.query("COMMIT");
    return results;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
