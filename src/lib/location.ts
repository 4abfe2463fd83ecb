// A 201 names what it created (RFC 9110 §15.3.2): `Location: <collection>/<id>`, from the
// answer's own id: write() names it as it answers; the middleware reads back any other 201, so no
// route can forget it.
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./router";

/** Where a created resource lives when it is not `<the POST's path>/<id>`. */
const ELSEWHERE: Record<string, (body: Record<string, unknown>) => unknown> = {
  "/users/register": (b) => `/users/${b.id}`,
  "/timelog/switch": (b) => `/timelog/${(b.started as { id?: unknown } | undefined)?.id}`,
  // Issue 23 §2 (h-inv): the account an accepted invitation created.
  "/invitations/accept": (b) => `/users/${(b.user as { id?: unknown } | undefined)?.id}`,
};

/** Names a created resource from its body: what write() does for every 201 it answers. */
export function locate(c: Context<AppEnv>, body: unknown) {
  if (body === null || typeof body !== "object") return;
  const path = c.req.path.replace(/\/+$/, "");
  const b = body as Record<string, unknown>;
  const at = ELSEWHERE[path]?.(b) ?? `${path}/${b.id}`;
  if (typeof at === "string" && /^\/[\w./-]*\/\d+$/.test(at)) c.header("Location", at);
}

/** The few 201s that do not come from write() (they add a secret to the body) are read back. */
export const location = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (c.res.status !== 201 || c.res.headers.has("Location")) return;
  const body = await c.res
    .clone()
    .json()
    .catch(() => undefined);
  locate(c, body);
});
