// The local Neon endpoint as its own process, for benchmarks and load tests (so the load
// generator and the database stand-in do not share an event loop).
//   node scripts/neon-local/serve.ts [--port N] [--database-url postgres://…] [--migrate] [--faults]
//                                    [--rtt MS] [--jitter MS] [--seed N]
// --rtt delays every POST /sql by MS (half before it runs, half before its answer), --jitter adds a
// seeded uniform ±MS to each; defaults from NEON_LOCAL_RTT_MS / NEON_LOCAL_JITTER_MS / NEON_LOCAL_SEED.
// Without --database-url it serves an in-memory PGlite. Prints "ready <url>" when listening.
import { parseArgs } from "node:util";
import pg from "pg";
import { migrate } from "../migrate.ts";
import { fixedBackend, newPglite, pglitePool, rawText } from "./backend.ts";
import { distanceFromEnv, startNeonLocal } from "./server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    "database-url": { type: "string" },
    migrate: { type: "boolean", default: false },
    faults: { type: "boolean", default: false },
    rtt: { type: "string" },
    jitter: { type: "string" },
    seed: { type: "string" },
  },
});
const distance = distanceFromEnv({
  NEON_LOCAL_RTT_MS: values.rtt ?? process.env.NEON_LOCAL_RTT_MS,
  NEON_LOCAL_JITTER_MS: values.jitter ?? process.env.NEON_LOCAL_JITTER_MS,
  NEON_LOCAL_SEED: values.seed ?? process.env.NEON_LOCAL_SEED,
});

let pool: pg.Pool;
let close = async () => {};
if (values["database-url"]) {
  pool = new pg.Pool({ connectionString: values["database-url"], max: 80, types: rawText });
  close = () => pool.end();
} else {
  const db = await newPglite();
  pool = pglitePool(db);
  close = async () => {
    await pool.end();
    await db.close();
  };
}
if (values.migrate) await migrate(pool);
const local = await startNeonLocal(fixedBackend(pool), {
  port: Number(values.port),
  faults: values.faults,
  ...distance,
});
if (distance.rttMs || distance.jitterMs)
  console.error(`injected round trip: ${distance.rttMs} ± ${distance.jitterMs} ms`);
console.log(`ready ${local.url}`);
const stop = async () => {
  await local.close();
  await close();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
