import { createRoute } from "@hono/zod-openapi";
import { access } from "../auth/middleware";
import { read, write } from "../db/request";
import { ApiError } from "../lib/errors";
import { json } from "../lib/openapi";
import { decodeCursor, invalidCursor, pageOf } from "../lib/page";
import { createRouter } from "../lib/router";
import { IdempotencyHeader, IdParam, problems } from "../lib/schemas";
import * as q from "./queries";
import { DeliveryParams, DeliveryQuery, noEndpoint, WebhookDelivery, WebhookDeliveryPage } from "./schemas";

const tags = ["webhooks"];
const noDelivery = () => new ApiError("not_found", "No such delivery of this endpoint.");

/** Delivery ids are bigint: a cursor holds any safe integer. */
function beforeId(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const n = Number(decodeCursor(cursor, 1)[0]);
  if (!Number.isSafeInteger(n) || n < 1) throw invalidCursor();
  return n;
}

export const deliveries = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/deliveries",
      tags,
      summary: "An endpoint's deliveries, newest first: status, attempts, the last response code (superusers)",
      description: "Superusers only (403). Filter by status; pass next_cursor back as cursor.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: IdParam, query: DeliveryQuery },
      responses: { 200: json(WebhookDeliveryPage, "A page of deliveries"), ...problems(401, 403, 404, 422) },
    }),
    async (c) => {
      const { db } = c.get("database");
      const { id } = c.req.valid("param");
      const { limit, cursor, status } = c.req.valid("query");
      const { results } = await read(c, [
        q.endpointExists(db, id),
        q.listDeliveries(db, id, { status, before: beforeId(cursor), limit }),
      ]);
      if (!results[0][0]) throw noEndpoint();
      return c.json(
        pageOf(results[1], limit, (r) => [r.id]),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/deliveries/{delivery_id}/redeliver",
      tags,
      summary: "Deliver again, now, with a fresh 24 hours of retries (superusers)",
      description: "The same event and webhook-id: receivers that already have it can ignore it.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: DeliveryParams, headers: IdempotencyHeader },
      responses: { 202: json(WebhookDelivery, "Queued"), ...problems(401, 403, 404, 422) },
    }),
    async (c) => {
      const { id, delivery_id } = c.req.valid("param");
      const res = await write(c, [], q.redeliver(c.get("database").db, id, delivery_id), 202, noDelivery);
      c.set("webhooksQueued", true);
      return res;
    },
  );
