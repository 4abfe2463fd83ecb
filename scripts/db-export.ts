// `npm run db:export -- timelog.jsonl`: the whole company (every table's rows, the audit trail as
// is, the schema version) from DATABASE_URL or the embedded PGlite into one JSON Lines file, for
// `npm run db:import` on another server. Written beside the target first and renamed when complete,
// so a failed export never leaves a file that looks finished.

import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { exportCompany } from "./company-export.ts";
import { explain, openDatabase } from "./database.ts";

const target = process.argv[2];
if (!target) {
  console.error("Usage: npm run db:export -- <file.jsonl>");
  process.exit(1);
}
const db = await openDatabase().catch((err: unknown) => {
  console.error(explain(err));
  process.exit(1);
});
const partial = `${target}.partial`;
// Readable by its owner only: it holds password hashes and the webhooks' signing secrets.
const out = createWriteStream(partial, { mode: 0o600 });
try {
  const write = async (line: string) => {
    if (!out.write(`${line}\n`)) await once(out, "drain");
  };
  const { tables, rows } = await exportCompany(db.pool, write);
  out.end();
  await once(out, "finish");
  await rename(partial, target);
  console.log(`${db.label}: exported ${rows} rows of ${tables} tables to ${target}`);
} catch (err) {
  out.destroy();
  await rm(partial, { force: true });
  console.error(explain(err));
  process.exitCode = 1;
} finally {
  await db.close();
}
