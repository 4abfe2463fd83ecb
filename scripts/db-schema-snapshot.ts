// `npm run db:schema`: writes migrations/current/schema.sql from a fresh PGlite migrated to the last
// migration (see scripts/schema-snapshot.ts).
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { migrate } from "./migrate.ts";
import { newPglite, pglitePool } from "./neon-local/backend.ts";
import { SNAPSHOT, schemaSnapshot } from "./schema-snapshot.ts";

const db = await newPglite();
const pool = pglitePool(db);
try {
  await migrate(pool);
  await mkdir(dirname(SNAPSHOT), { recursive: true });
  await writeFile(SNAPSHOT, await schemaSnapshot(pool));
  console.log(`wrote ${SNAPSHOT}`);
} finally {
  await pool.end();
  await db.close();
}
