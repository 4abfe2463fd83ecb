// A person's reminder emails, per kind (issue 23 §5). Opting out stops the email only: the
// webhook event still goes, it is the company's channel (README "Reminders").
import { createRoute } from "@hono/zod-openapi";
import { unauthorized } from "../auth/jwt";
import { access } from "../auth/middleware";
import { ifMatch } from "../db/conditional";
import { one, write } from "../db/request";
import { body, json } from "../lib/openapi";
import { createRouter } from "../lib/router";
import { ConditionalWriteHeaders, problems } from "../lib/schemas";
import * as q from "./queries";
import { Notifications, UpdateNotifications } from "./schemas";

const tags = ["users"];

export const notifications = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/me/notifications",
      tags,
      summary: "Which reminder emails you get",
      description: "Every kind is on until you turn it off.",
      ...access({ scope: "timelog:read" }),
      responses: { 200: json(Notifications, "Your settings"), ...problems(401) },
    }),
    async (c) => {
      return one(c, q.readNotifications(c.get("database").db, c.get("auth").userId), unauthorized);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/me/notifications",
      tags,
      summary: "Turn reminder emails on or off, per kind",
      description:
        "Send only the kinds to change; the answer is all of them. Turning a kind off stops its email, not the " +
        "webhook event the company receives for it.",
      ...access({ scope: "timelog:write" }),
      request: { headers: ConditionalWriteHeaders, body: body(UpdateNotifications) },
      responses: { 200: json(Notifications, "Your settings"), ...problems(401, 422) },
    }),
    async (c) => {
      const { db } = c.get("database");
      const { userId } = c.get("auth");
      // The settings have no row until first changed: If-Match locks the person instead.
      const conditional = ifMatch(c, "app_user", userId, q.readNotifications(db, userId));
      return write(c, [], q.setNotifications(db, userId, c.req.valid("json")), 200, unauthorized, conditional);
    },
  );
