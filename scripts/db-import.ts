// `npm run db:import -- timelog.jsonl`: loads a `npm run db:export` file into DATABASE_URL or the
// embedded PGlite, which must be empty and migrated by the same release (`npm run db:migrate`
// first). One transaction: on any refusal or error nothing is written.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { ImportRefused, importCompany } from "./company-import.ts";
import { explain, openDatabase } from "./database.ts";

const source = process.argv[2];
if (!source) {
  console.error("Usage: npm run db:import -- <file.jsonl>");
  process.exit(1);
}
const db = await openDatabase().catch((err: unknown) => {
  console.error(explain(err));
  process.exit(1);
});
try {
  const lines = createInterface({ input: createReadStream(source), crlfDelay: Number.POSITIVE_INFINITY });
  const { rows } = await importCompany(db.pool, lines);
  console.log(`${db.label}: imported ${rows} rows from ${source}; now check the audit trail (README, Backups)`);
} catch (err) {
  console.error(err instanceof ImportRefused ? err.message : explain(err));
  process.exitCode = 1;
} finally {
  await db.close();
}
