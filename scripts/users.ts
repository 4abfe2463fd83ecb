// Creating accounts outside the API: the first superuser of a deployment, the dev superuser.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { hashPassword } from "../src/auth/password.ts";

export interface NewUser {
  email: string;
  username: string;
  password?: string;
  superuser: boolean;
}

export async function createAccount(pool: pg.Pool, user: NewUser): Promise<{ id: number; password: string }> {
  const password = user.password ?? randomBytes(12).toString("base64url");
  const hash = await hashPassword(password);
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO app_user (email, username, position_fk, password_hash, is_superuser, is_verified)
     VALUES ($1, $2, (SELECT min(id) FROM position), $3, $4, true) RETURNING id`,
    [user.email, user.username, hash, user.superuser],
  );
  return { id: Number(rows[0]?.id), password };
}

/** `npm run dev` on a database without any superuser makes one and prints its password once. */
export async function ensureDevSuperuser(pool: pg.Pool): Promise<void> {
  const { rows } = await pool.query("SELECT 1 FROM app_user WHERE is_superuser LIMIT 1");
  if (rows.length) return;
  const email = "admin@timelog.local";
  const { password } = await createAccount(pool, { email, username: "admin", superuser: true });
  console.log(`development superuser: ${email} / ${password}  (shown once)`);
}
