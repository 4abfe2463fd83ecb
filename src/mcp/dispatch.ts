// How a tool reaches our API: an internal Request through the app itself, carrying the caller's own
// Authorization and the MCP request's id. The route then does exactly what it does for an app: the
// same signature and database checks (scopes, roles, an ended login), the same one round trip, and
// the audit names the caller as actor under the MCP request's X-Request-Id.
import type { Context } from "hono";
import { mcpCalls } from "../auth/middleware";
import type { AppEnv } from "../lib/router";

/** A problem+json answer, as a tool error: our stable `code` and the route's own sentence. */
export class ToolProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

export interface Caller {
  /** The signed-in user's id, from the credential's signature (the database checks it per call). */
  readonly userId: number;
  /** One API request; its 2xx body, or a ToolProblem. */
  request(method: string, path: string, body?: unknown): Promise<unknown>;
  /** A route answered 401: the login has ended; /mcp answers 401 so the client signs in again. */
  ended: boolean;
}

export function callerFor(c: Context<AppEnv>): Caller {
  const origin = new URL(c.req.url).origin;
  const authorization = c.req.header("authorization") ?? "";
  const caller: Caller = {
    userId: c.get("auth").userId,
    ended: false,
    async request(method, path, body) {
      const headers = new Headers({ authorization, "x-request-id": c.get("requestId") });
      const forwarded = c.req.header("cf-connecting-ip");
      if (forwarded !== undefined) headers.set("cf-connecting-ip", forwarded);
      if (body !== undefined) headers.set("content-type", "application/json");
      const request = new Request(origin + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      mcpCalls.add(request);
      // Imported here, not at the top: src/app.ts imports this folder's route.
      const { app } = await import("../app");
      const res = await app.fetch(request, c.env, c.executionCtx);
      const text = await res.text();
      const parsed = text === "" ? null : (JSON.parse(text) as Record<string, unknown>);
      if (res.ok) return parsed;
      if (res.status === 401) caller.ended = true;
      const { code, detail, type: _t, title: _ti, status: _s, instance: _i, request_id: _r, ...extra } = parsed ?? {};
      throw new ToolProblem(
        res.status,
        typeof code === "string" ? code : "internal",
        typeof detail === "string" ? detail : `The API answered ${res.status}.`,
        extra,
      );
    },
  };
  return caller;
}
