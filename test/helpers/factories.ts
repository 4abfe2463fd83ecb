// Small factories so tests read like stories: `const alice = await createUser()`.
import { neon } from "@neondatabase/serverless";
import { call, testEnv } from "./api";

let seq = 0;
/** A short string no other call in this run returns, for names that must be unique. */
export const unique = () =>
  `${Date.now().toString(36)}${(seq++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** Direct SQL on this file's database, for seeding what the API deliberately cannot do. */
export async function seedSql(text: string, params: unknown[] = []) {
  const sql = neon(testEnv.DATABASE_URL as string);
  // Seeding thousands of rows may take longer than the database's default timeout for requests.
  const [, rows] = await sql.transaction([
    sql`SELECT set_config('statement_timeout', '0', true)`,
    sql.query(text, params),
  ]);
  return rows as Record<string, unknown>[];
}

/**
 * Bulk seeding of valid rows into `table` with its row triggers off, in one transaction (nobody
 * else sees them off): they only check and audit, and per row they cost ~0.7 ms on PGlite (the
 * audit hash alone ~0.3 ms), which turns 10,000 rows into a test's whole time budget. Only for
 * volume tests whose rows are valid by construction; the constraints still apply.
 */
export async function seedRowsWithoutTriggers(table: string, text: string, params: unknown[] = []) {
  const sql = neon(testEnv.DATABASE_URL as string);
  const [, , rows] = await sql.transaction([
    sql`SELECT set_config('statement_timeout', '0', true)`,
    sql.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`),
    sql.query(text, params),
    sql.query(`ALTER TABLE ${table} ENABLE TRIGGER USER`),
  ]);
  return rows as Record<string, unknown>[];
}

/** A random documentation-range address, so tests do not share a client's budgets. */
export const randomIp = () => `198.18.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}`;

export interface TestUser {
  id: number;
  email: string;
  password: string;
  username: string;
  token: string;
  refresh: string;
}

export async function registerUser(overrides: Record<string, unknown> = {}) {
  const body = {
    email: `user-${unique()}@example.com`,
    username: `u${unique()}`.slice(0, 25),
    password: "correct horse battery",
    position_fk: 1,
    ...overrides,
  };
  // Each from its own address: a client may only create a few accounts an hour.
  const res = await call("POST", "/users/register", { body, headers: { "cf-connecting-ip": randomIp() } });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${await res.text()}`);
  const user = (await res.json()) as { id: number };
  // Registered long ago: tests log weeks in the past, and nothing is expected of a person before
  // their account starts (migration 0035), so a person registered "now" would owe nothing there.
  await seedSql("UPDATE app_user SET registered_at = '2020-01-01T00:00:00Z' WHERE id = $1", [user.id]);
  return { ...body, id: user.id } as { id: number; email: string; password: string; username: string };
}

export async function login(email: string, password: string) {
  const res = await call("POST", "/users/login", { body: { email, password } });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { access_token: string; refresh_token: string };
}

export async function createUser(overrides: Record<string, unknown> = {}): Promise<TestUser> {
  const user = await registerUser(overrides);
  const tokens = await login(user.email, user.password);
  return { ...user, token: tokens.access_token, refresh: tokens.refresh_token };
}

export async function createSuperuser(): Promise<TestUser> {
  const user = await registerUser();
  await seedSql("UPDATE app_user SET is_superuser = true WHERE id = $1", [user.id]);
  const tokens = await login(user.email, user.password);
  return { ...user, token: tokens.access_token, refresh: tokens.refresh_token };
}

export async function createProject(admin: TestUser, overrides: Record<string, unknown> = {}) {
  const res = await call("POST", "/projects", {
    token: admin.token,
    body: { secret_name: `p-${unique()}`, ...overrides },
  });
  if (res.status !== 201) throw new Error(`project failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: number; secret_name: string; is_archived: boolean };
}

export interface Log {
  id: number;
  user_fk: number;
  project_fk: number;
  start_time: string;
  end_time: string | null;
  note: string | null;
}

export async function clockIn(user: TestUser, projectId: number, extra: Record<string, unknown> = {}) {
  return call("POST", "/timelog", { token: user.token, body: { project_fk: projectId, ...extra } });
}

/** A finished entry between two instants. */
export async function addEntry(user: TestUser, projectId: number, start: Date, end: Date, note?: string) {
  const res = await clockIn(user, projectId, { start_time: start.toISOString(), end_time: end.toISOString(), note });
  if (res.status !== 201) throw new Error(`entry failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as Log;
}

export const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

export async function createTeam(admin: TestUser, name = `team-${unique()}`) {
  const res = await call("POST", "/teams", { token: admin.token, body: { name } });
  if (res.status !== 201) throw new Error(`team failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: number; name: string };
}

export async function putMember(admin: TestUser, teamId: number, userId: number, role: "member" | "manager") {
  const res = await call("PUT", `/teams/${teamId}/members/${userId}`, { token: admin.token, body: { role } });
  if (res.status !== 200) throw new Error(`membership failed: ${res.status} ${await res.text()}`);
}

/** A superuser, a manager and two members of one team, and a stranger outside it. */
export async function createTeamWorld() {
  const admin = await createSuperuser();
  const [manager, ann, bob, stranger] = await Promise.all([createUser(), createUser(), createUser(), createUser()]);
  const team = await createTeam(admin);
  await putMember(admin, team.id, manager.id, "manager");
  await putMember(admin, team.id, ann.id, "member");
  await putMember(admin, team.id, bob.id, "member");
  const project = await createProject(admin);
  return { admin, manager, ann, bob, stranger, team, project };
}
