// `npm run user:create -- --email a@b.c [--username name] [--password pw] [--superuser]`
// Creates an account in DATABASE_URL (PostgreSQL or Neon) or the embedded dev database.
import { parseArgs } from "node:util";
import { explain, openDatabase } from "./database.ts";
import { createAccount } from "./users.ts";

const { values } = parseArgs({
  options: {
    email: { type: "string" },
    username: { type: "string" },
    password: { type: "string" },
    superuser: { type: "boolean", default: false },
  },
});
if (!values.email) {
  console.error("usage: npm run user:create -- --email a@b.c [--username name] [--password pw] [--superuser]");
  process.exit(2);
}
const db = await openDatabase().catch((err: unknown) => {
  console.error(explain(err));
  process.exit(1);
});
try {
  const username = values.username ?? values.email.split("@")[0]?.slice(0, 25) ?? "user";
  const { id, password } = await createAccount(db.pool, {
    email: values.email,
    username,
    password: values.password,
    superuser: values.superuser,
  });
  console.log(`created user ${id} <${values.email}>${values.superuser ? " (superuser)" : ""}`);
  if (!values.password) console.log(`password: ${password}`);
} catch (err) {
  console.error(explain(err));
  process.exitCode = 1;
} finally {
  await db.close();
}
