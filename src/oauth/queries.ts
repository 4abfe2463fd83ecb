// The statements of OAuth; what must not race (one-time codes, rotation, revocation, the admin
// scope) is in SQL (migrations/0051_oauth.sql).
import { type Kysely, sql } from "kysely";
import { removed } from "../db/client";
import type { Database } from "../db/schema";
import type { ConnectedApp, RegisteredClient } from "./schemas";

type Db = Kysely<Database>;
const textArray = (values: string[]) => sql`${values}::text[]`;

export function register(db: Db, v: { id: string; name: string; redirectUris: string[]; registrant: string }) {
  const query = sql<{ body: RegisteredClient }>`
    SELECT jsonb_build_object('client_id', c.id, 'client_name', c.name, 'redirect_uris', to_jsonb(c.redirect_uris),
      'client_id_issued_at', extract(epoch FROM c.created_at)::bigint, 'token_endpoint_auth_method', 'none',
      'grant_types', jsonb_build_array('authorization_code', 'refresh_token'), 'response_types', jsonb_build_array('code'))
      AS body
    FROM oauth_register(${v.id}, ${v.name}, ${textArray(v.redirectUris)}, ${v.registrant}) c`;
  return { compile: () => query.compile(db) };
}

/** The client, if this redirect URI is one of its own (exact match). */
export function clientFor(db: Db, clientId: string, redirectUri: string) {
  return db
    .selectFrom("oauth_client")
    .select("name")
    .where("id", "=", clientId)
    .where(sql<boolean>`${redirectUri} = ANY (redirect_uris)`);
}

export function authorize(
  db: Db,
  v: {
    userId: number;
    clientId: string;
    redirectUri: string;
    scopes: string[];
    resource: string;
    codeHash: string;
    challenge: string;
    requestId: string;
  },
) {
  const query = sql<{ grant_id: number | null; scopes: string[] }>`
    SELECT * FROM oauth_authorize(${v.userId}::int, ${v.clientId}, ${v.redirectUri}, ${textArray(v.scopes)},
      ${v.resource}, ${v.codeHash}, ${v.challenge}, ${v.requestId})`;
  return { compile: () => query.compile(db) };
}

export interface Issued {
  status: "ok" | "invalid" | "replayed" | "reused";
  scopes: string[] | null;
  resource: string | null;
}

export interface NewPair {
  accessHash: string;
  prefix: string;
  refreshHash: string;
}

export function redeemCode(
  db: Db,
  v: { codeHash: string; clientId: string; userId: number; redirectUri: string; challenge: string; resource?: string },
  pair: NewPair,
) {
  const query = sql<Issued>`
    SELECT * FROM oauth_redeem_code(${v.codeHash}, ${v.clientId}, ${v.userId}::int, ${v.redirectUri}, ${v.challenge},
      ${v.resource ?? null}, ${pair.accessHash}, ${pair.prefix}, ${pair.refreshHash})`;
  return { compile: () => query.compile(db) };
}

export function refresh(
  db: Db,
  v: { oldHash: string; clientId: string; userId: number; resource?: string },
  pair: NewPair,
) {
  const query = sql<Issued>`
    SELECT * FROM oauth_refresh_grant(${v.oldHash}, ${v.clientId}, ${v.userId}::int, ${v.resource ?? null},
      ${pair.accessHash}, ${pair.prefix}, ${pair.refreshHash})`;
  return { compile: () => query.compile(db) };
}

export function revokeToken(db: Db, hash: string, clientId: string) {
  return db.selectNoFrom(sql<null>`oauth_revoke_token(${hash}, ${clientId})`.as("revoked"));
}

const appJson = sql<ConnectedApp>`jsonb_build_object('id', g.id, 'client_id', g.client_fk, 'client_name', c.name,
  'scopes', to_jsonb(g.scopes), 'resource', g.resource, 'granted_at', api_time(g.created_at),
  'last_used_at', api_time((SELECT max(t.last_used_at) FROM api_token t WHERE t.grant_fk = g.id)))`;

/**
 * A person's live grants, by id: those that issued tokens, or whose code is still live. A consent
 * whose code the app never traded can hold nothing: listing it would show a dead app for good.
 */
export function listApps(db: Db, userId: number, after: number | undefined, limit: number) {
  const query = sql<{ id: number; body: ConnectedApp }>`
    SELECT g.id, ${appJson} AS body FROM oauth_grant g JOIN oauth_client c ON c.id = g.client_fk
    WHERE g.user_fk = ${userId}::int AND g.revoked_at IS NULL AND g.id > ${after ?? 0}::int
      AND (EXISTS (SELECT FROM oauth_refresh r WHERE r.grant_fk = g.id)
        OR EXISTS (SELECT FROM oauth_code k WHERE k.grant_fk = g.id AND k.used_at IS NULL AND k.expires_at > now()))
    ORDER BY g.id LIMIT ${limit + 1}::int`;
  return { compile: () => query.compile(db) };
}

/**
 * Ends one of the person's grants (its trigger ends every token and audits it). A query builder,
 * not raw SQL: write() may wrap it in a CTE to store the answer under an Idempotency-Key.
 */
export function revokeApp(db: Db, userId: number, grantId: number) {
  return db
    .selectFrom("oauth_grant as g")
    .select([sql<null>`oauth_revoke(g.id, 'revoked_by_user')`.as("revoked"), removed])
    .where("g.id", "=", grantId)
    .where("g.user_fk", "=", userId)
    .where("g.revoked_at", "is", null);
}
