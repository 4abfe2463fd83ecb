// The database side of the test suite: a migrated template, and a local Neon endpoint that clones
// it for every database name starting with `test_`, so each test file gets clean data.
import pg from "pg";
import { migrate } from "./migrate.ts";
import { newPglite, pgliteBackend, pglitePool, postgresBackend } from "./neon-local/backend.ts";
import { type NeonLocal, startNeonLocal } from "./neon-local/server.ts";

export const CLONE_PREFIX = "test_";

export async function startTestDatabase(postgresUrl = process.env.TEST_DATABASE_URL): Promise<NeonLocal> {
  if (postgresUrl) {
    const template = "timelog_test_template";
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    const stale = await admin.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE 'test\\_%'",
      [template],
    );
    for (const { datname } of stale.rows) await admin.query(`DROP DATABASE "${datname}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${template}"`);
    await admin.end();
    const url = new URL(postgresUrl);
    url.pathname = `/${template}`;
    const pool = new pg.Pool({ connectionString: url.toString() });
    await migrate(pool);
    await pool.end();
    // Faults scoped to one database let a test file make its own database slow mid-transaction.
    return startNeonLocal(postgresBackend({ baseUrl: postgresUrl, template, clonePrefix: CLONE_PREFIX }), {
      faults: true,
    });
  }
  const seed = await newPglite();
  const pool = pglitePool(seed);
  await migrate(pool);
  await pool.end();
  const dump = await seed.dumpDataDir("none");
  await seed.close();
  return startNeonLocal(pgliteBackend({ template: async () => dump, clonePrefix: CLONE_PREFIX }), { faults: true });
}
