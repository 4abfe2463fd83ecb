// A throwaway PostgreSQL 15 cluster on 127.0.0.1 for benchmarks and load tests, started as the
// `postgres` user (initdb refuses root) in a temp dir, or the server named by an env variable.
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BIN = "/usr/lib/postgresql/15/bin";

export interface Cluster {
  url: string;
  stop(): void;
}

/** A port nothing listens on now: the kernel picks it (bind to port 0) in a child process. */
function freePort(): number {
  const probe = `const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})`;
  return Number(execFileSync(process.execPath, ["-e", probe]).toString().trim());
}

export function startPostgres(existing?: string): Cluster {
  if (existing) return { url: existing, stop() {} };
  if (!existsSync(join(BIN, "initdb")))
    throw new Error(`PostgreSQL 15 not found in ${BIN}; set a DATABASE_URL instead`);
  const dir = mkdtempSync(join(tmpdir(), "timelog-pg-"));
  const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
  chownSync(dir, uid, gid);
  const port = freePort();
  const as = (cmd: string, args: string[]) => {
    const r = spawnSync("runuser", ["-u", "postgres", "--", join(BIN, cmd), ...args], {
      env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` },
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  };
  as("initdb", ["-D", join(dir, "data"), "-A", "trust", "-U", "postgres"]);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=512MB -c fsync=off -c synchronous_commit=off`;
  as("pg_ctl", ["-D", join(dir, "data"), "-w", "-l", join(dir, "log"), "-o", opts, "start"]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        as("pg_ctl", ["-D", join(dir, "data"), "-m", "immediate", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
