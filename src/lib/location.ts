// A 201 names what it created (RFC 9110 §15.3.2): `Location: <collection>/<id>`, read from the
// answer's own id, so no route can forget it.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./router";

/** Where a created resource lives when it is not `<the POST's path>/<id>`. */
const ELSEWHERE: Record<string, (body: Record<string, unknown>) => unknown> = {
  "/users/register": (b) => `/users/${b.id}`,
  "/timelog/switch": (b) => `/timelog/${(b.started as { id?: unknown } | undefined)?.id}`,
};

export const location = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (c.res.status !== 201 || c.res.headers.has("Location")) return;
  const body = (await c.res
    .clone()
    .json()
    .catch(() => undefined)) as Record<string, unknown> | undefined;
  if (!body) return;
  const path = c.req.path.replace(/\/+$/, "");
  const at = ELSEWHERE[path]?.(body) ?? `${path}/${body.id}`;
  if (typeof at === "string" && /^\/[\w./-]*\/\d+$/.test(at)) c.header("Location", at);
});
