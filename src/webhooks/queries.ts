import { type Kysely, sql } from "kysely";
import { removed } from "../db/client";
import type { Database } from "../db/schema";
import type { NewWebhookSecret, WebhookDelivery, WebhookEndpoint } from "./schemas";

type Db = Kysely<Database>;

const endpointJson = sql<WebhookEndpoint>`webhook_endpoint_json(webhook_endpoint.*)`;
const withSecret = sql<NewWebhookSecret>`webhook_endpoint_json(webhook_endpoint.*) || jsonb_build_object('secret', webhook_endpoint.secret)`;

/** The body never holds the secret: it is what an Idempotency-Key stores for a replay. */
export const insertEndpoint = (db: Db, v: { url: string; events: string[]; description: string; secret: string }) =>
  db.insertInto("webhook_endpoint").values(v).returning(endpointJson.as("body"));

export function listEndpoints(db: Db, after: number | undefined, limit: number) {
  let q = db
    .selectFrom("webhook_endpoint")
    .select(["webhook_endpoint.id", endpointJson.as("body")])
    .orderBy("webhook_endpoint.id")
    .limit(limit + 1);
  if (after !== undefined) q = q.where("webhook_endpoint.id", ">", after);
  return q;
}

export const getEndpoint = (db: Db, id: number) =>
  db.selectFrom("webhook_endpoint").select(endpointJson.as("body")).where("webhook_endpoint.id", "=", id);

export const updateEndpoint = (
  db: Db,
  id: number,
  v: { url?: string; events?: string[]; description?: string; status?: "active" | "paused" },
) =>
  db
    .updateTable("webhook_endpoint")
    .set({ ...v, updated_at: sql`now()` })
    .where("webhook_endpoint.id", "=", id)
    .returning(endpointJson.as("body"));

/**
 * A new secret; the replaced one keeps signing for a day, as do earlier ones younger than a day
 * (a trigger keeps them: migrations/0021), so receivers can switch over at their own pace.
 */
export const rotateSecret = (db: Db, id: number, secret: string) =>
  db
    .updateTable("webhook_endpoint")
    .set({ secret, updated_at: sql`now()` })
    .where("webhook_endpoint.id", "=", id)
    .returning(withSecret.as("body"));

export const deleteEndpoint = (db: Db, id: number) =>
  db.deleteFrom("webhook_endpoint").where("id", "=", id).returning(removed);

const deliveryJson = sql<WebhookDelivery>`jsonb_build_object('id', d.id, 'event_id', d.event_fk, 'type', ev.type,
  'status', d.status, 'attempts', d.attempts, 'last_status_code', d.last_status_code, 'last_error', d.last_error,
  'last_attempt_at', api_time(d.last_attempt_at),
  'next_attempt_at', CASE WHEN d.status = 'pending' THEN api_time(d.next_attempt_at) END,
  'delivered_at', api_time(d.delivered_at), 'created_at', api_time(d.created_at))`;

/** An endpoint's deliveries, newest first; 404 when the endpoint does not exist (no row at all). */
export function listDeliveries(db: Db, endpoint: number, f: { status?: string; before?: number; limit: number }) {
  let q = db
    .selectFrom("webhook_delivery as d")
    .innerJoin("webhook_event as ev", "ev.id", "d.event_fk")
    .select([sql<string>`d.id::text`.as("id"), deliveryJson.as("body")])
    .where("d.endpoint_fk", "=", endpoint)
    .orderBy("d.id", "desc")
    .limit(f.limit + 1);
  if (f.status !== undefined) q = q.where("d.status", "=", f.status);
  if (f.before !== undefined) q = q.where(sql<boolean>`d.id < ${f.before}::bigint`);
  return q;
}

export const endpointExists = (db: Db, id: number) =>
  db.selectFrom("webhook_endpoint").select("id").where("id", "=", id);

/** Again from the start: pending now, with a fresh 24 hours of retries. */
export const redeliver = (db: Db, endpoint: number, delivery: number) =>
  db
    .updateTable("webhook_delivery as d")
    .from("webhook_event as ev")
    .set({ status: "pending", attempts: 0, next_attempt_at: sql`now()`, retry_since: sql`now()`, delivered_at: null })
    .whereRef("ev.id", "=", "d.event_fk")
    .where("d.endpoint_fk", "=", endpoint)
    .where(sql<boolean>`d.id = ${delivery}::bigint`)
    .returning(deliveryJson.as("body"));
