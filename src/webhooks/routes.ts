import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { access } from "../auth/middleware";
import { ifMatch } from "../db/conditional";
import { commit, one, read, write, writeNoContent } from "../db/request";
import { ApiError } from "../lib/errors";
import { body, json, noContent } from "../lib/openapi";
import { idAfter, PageQuery, pageOf } from "../lib/page";
import { type AppEnv, createRouter } from "../lib/router";
import { ConditionalWriteHeaders, IdempotencyHeader, IdParam, problems } from "../lib/schemas";
import { newWebhookSecret } from "../lib/webhook-signature";
import { deliveries } from "./delivery-routes";
import * as q from "./queries";
import {
  CreateWebhook,
  NewWebhookSecret,
  noEndpoint,
  UpdateWebhook,
  WebhookEndpoint,
  WebhookEndpointPage,
} from "./schemas";
import { refuseUrl } from "./url";

const tags = ["webhooks"];

const REFUSED = {
  insecure_url: "Webhook URLs must be https (plain http only to loopback in development).",
  url_credentials: "Webhook URLs may not carry a user name or password: put a token in the path or query instead.",
  internal_url:
    "Webhook URLs must reach a public host: not loopback, private, link-local or other reserved addresses, nor names such as localhost or *.internal.",
} as const;

function checkUrl(c: Context<AppEnv>, url: string | undefined) {
  const refused = url === undefined ? undefined : refuseUrl(url, c.get("config"));
  if (refused) throw new ApiError(refused, REFUSED[refused], { errors: [{ path: "json.url", message: refused }] });
}

export const webhooks = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      summary: "Register a webhook endpoint (superusers): the signing secret is shown once",
      description:
        "Events are signed as the Standard Webhooks specification says (webhook-id, webhook-timestamp, " +
        "webhook-signature). With an Idempotency-Key a retry registers nothing twice, but the secret is never " +
        "stored for a replay: a replay answers 409 secret_not_replayed with the endpoint's Location (rotate its " +
        "secret if the first answer was lost).",
      ...access({ scope: "admin", role: "superuser" }),
      request: { headers: IdempotencyHeader, body: body(CreateWebhook) },
      responses: { 201: json(NewWebhookSecret, "Registered"), ...problems(401, 403, 409, 422) },
    }),
    async (c) => {
      const input = c.req.valid("json");
      checkUrl(c, input.url);
      const secret = newWebhookSecret();
      const query = q.insertEndpoint(c.get("database").db, { ...input, secret });
      const res = await commit(c, [], query, 201);
      if (!res) throw new ApiError("internal", "The endpoint was not stored.");
      const endpoint = res.body;
      if (res.replayed)
        throw new ApiError(
          "secret_not_replayed",
          `Endpoint ${endpoint.id} was registered by an earlier request with this Idempotency-Key; its secret is not shown again (POST /webhooks/${endpoint.id}/rotate-secret gives a new one).`,
          {},
          { Location: `/webhooks/${endpoint.id}` },
        );
      return c.json({ ...endpoint, secret } satisfies NewWebhookSecret, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "Webhook endpoints (superusers)",
      description:
        "Superusers only (403). Ordered by id, a page at a time: pass next_cursor back as cursor. Secrets are never listed.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { query: PageQuery },
      responses: { 200: json(WebhookEndpointPage, "A page of endpoints"), ...problems(401, 403, 422) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const query = q.listEndpoints(c.get("database").db, idAfter(cursor), limit);
      const rows = (await read(c, [query])).results[0];
      return c.json(
        pageOf(rows, limit, (r) => [r.id]),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags,
      summary: "One webhook endpoint (superusers)",
      description: "Superusers only (403). The signing secret is not shown again: rotate it for a new one.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: IdParam },
      responses: { 200: json(WebhookEndpoint, "The endpoint"), ...problems(401, 403, 404, 422) },
    }),
    async (c) => {
      const query = q.getEndpoint(c.get("database").db, c.req.valid("param").id);
      return one(c, query, noEndpoint);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags,
      summary: "Change an endpoint's URL, events or description, or pause and resume it (superusers)",
      description: "A paused endpoint keeps its events queued and gets them, in order, when resumed.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: IdParam, headers: ConditionalWriteHeaders, body: body(UpdateWebhook) },
      responses: { 200: json(WebhookEndpoint, "Updated"), ...problems(401, 403, 404, 422) },
    }),
    async (c) => {
      const patch = c.req.valid("json");
      checkUrl(c, patch.url);
      const { db } = c.get("database");
      const { id } = c.req.valid("param");
      const query = q.updateEndpoint(db, id, patch);
      const res = await write(c, [], query, 200, noEndpoint, ifMatch(c, "webhook_endpoint", id, q.getEndpoint(db, id)));
      // Resumed (or pointed elsewhere): deliver what waited, after the response.
      c.set("webhooksQueued", true);
      return res;
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/rotate-secret",
      tags,
      summary: "A new signing secret, shown once; the replaced ones also sign for 24 hours (superusers)",
      description:
        "Superusers only (403). Every secret replaced in the last 24 hours keeps signing, so receivers can switch " +
        "without missing an event; previous_secret_expires_at is when the last of them stops. At most five replaced " +
        "secrets sign at once: another rotation within the day is 422 limit_reached.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: IdParam },
      responses: { 200: json(NewWebhookSecret, "Rotated"), ...problems(401, 403, 404, 422) },
    }),
    async (c) => {
      const query = q.rotateSecret(c.get("database").db, c.req.valid("param").id, newWebhookSecret());
      const [row] = (await read(c, [query], { write: true })).results[0];
      if (!row) throw noEndpoint();
      return c.json(row.body, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags,
      summary: "Delete an endpoint and its deliveries (superusers)",
      description: "Superusers only (403). Deliveries still pending are never sent.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: IdParam, headers: ConditionalWriteHeaders },
      responses: { 204: noContent("Deleted"), ...problems(401, 403, 404, 422) },
    }),
    async (c) => {
      const { db } = c.get("database");
      const { id } = c.req.valid("param");
      const { checks } = ifMatch(c, "webhook_endpoint", id, q.getEndpoint(db, id));
      return writeNoContent(c, [], q.deleteEndpoint(db, id), noEndpoint, { checks });
    },
  )
  .route("/", deliveries);
