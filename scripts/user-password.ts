// `npm run user:password -- --email a@b.c [--password pw]`: a new password for an existing account
// (the development superuser's printed once and missed, or a locked-out first superuser). Ends the
// account's logins, as a password change through the API does.
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { hashPassword } from "../src/auth/password.ts";
import { explain, openDatabase } from "./database.ts";

const { values } = parseArgs({ options: { email: { type: "string" }, password: { type: "string" } } });
if (!values.email) {
  console.error("usage: npm run user:password -- --email a@b.c [--password pw]");
  process.exit(2);
}
const db = await openDatabase().catch((err: unknown) => {
  console.error(explain(err));
  process.exit(1);
});
try {
  const password = values.password ?? randomBytes(12).toString("base64url");
  const { rows } = await db.pool.query<{ id: string }>(
    "UPDATE app_user SET password_hash = $1 WHERE lower(email) = lower($2) RETURNING id",
    [await hashPassword(password), values.email],
  );
  if (!rows[0]) {
    console.error(`No account has the email ${values.email}.`);
    process.exitCode = 1;
  } else {
    await db.pool.query(
      "UPDATE session SET revoked_at = now(), revoked_reason = 'password reset' WHERE user_fk = $1 AND revoked_at IS NULL",
      [rows[0].id],
    );
    console.log(`new password for user ${rows[0].id} <${values.email}>${values.password ? "" : `: ${password}`}`);
  }
} catch (err) {
  console.error(explain(err));
  process.exitCode = 1;
} finally {
  await db.close();
}
