// `npm run db:migrate`: applies pending migrations to DATABASE_URL (PostgreSQL or Neon) or to the
// embedded PGlite database. Stop `npm run dev` first when using PGlite: it has one owner.
import { explain, openDatabase } from "./database.ts";
import { migrate } from "./migrate.ts";

const db = await openDatabase().catch((err: unknown) => {
  console.error(explain(err));
  process.exit(1);
});
try {
  const applied = await migrate(db.pool, console.log);
  console.log(applied.length ? `${db.label}: ${applied.length} migration(s) applied` : `${db.label}: up to date`);
} catch (err) {
  console.error(explain(err));
  process.exitCode = 1;
} finally {
  await db.close();
}
