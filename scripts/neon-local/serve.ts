// The local Neon endpoint as its own process, for benchmarks and load tests (so the load
// generator and the database stand-in do not share an event loop).
//   node scripts/neon-local/serve.ts [--port N] [--database-url postgres://…] [--migrate] [--faults]
// Without --database-url it serves an in-memory PGlite. Prints "ready <url>" when listening.
import { parseArgs } from "node:util";
import pg from "pg";
import { migrate } from "../migrate.ts";
import { fixedBackend, newPglite, pglitePool, rawText } from "./backend.ts";
import { startNeonLocal } from "./server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    "database-url": { type: "string" },
    migrate: { type: "boolean", default: false },
    faults: { type: "boolean", default: false },
  },
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
const local = await startNeonLocal(fixedBackend(pool), { port: Number(values.port), faults: values.faults });
console.log(`ready ${local.url}`);
const stop = async () => {
  await local.close();
  await close();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
