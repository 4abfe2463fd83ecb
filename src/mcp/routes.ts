// The MCP endpoint (issue 25 §1): Model Context Protocol over Streamable HTTP, stateless, for
// assistants. It is outside the OpenAPI document (like /docs): one JSON-RPC endpoint, not a REST
// operation; README "Assistants and apps" documents it and its tools. Each tool is a request to one
// of our own routes (src/mcp/dispatch.ts), so authorization, the one round trip and the audit are
// theirs. The SDK is loaded on this route only (await import), so other requests never evaluate it.
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { access } from "../auth/middleware";
import { ApiError } from "../lib/errors";
import type { AppEnv } from "../lib/router";

/**
 * RFC 9728 §5.1: a 401 from /mcp names the protected-resource metadata, where an MCP client learns
 * which authorization server issues tokens for us (served by the OAuth part, issue 25 §2).
 */
const challenge = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (c.res.status !== 401) return;
  const metadata = `${new URL(c.req.url).origin}/.well-known/oauth-protected-resource`;
  const sent = c.req.header("authorization") !== undefined;
  const value = `Bearer realm="timelog", ${sent ? 'error="invalid_token", ' : ""}resource_metadata="${metadata}"`;
  c.res = new Response(c.res.body, c.res);
  c.res.headers.set("WWW-Authenticate", value);
});

/**
 * Only bearer credentials (API tokens, app logins, OAuth tokens): a cookie would let any web page
 * the person visits drive the tools, and MCP clients send Authorization anyway.
 */
const bearerOnly = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.header("authorization") === undefined) {
    throw new ApiError("invalid_token", "Send an API token or an access token as Authorization: Bearer.");
  }
  await next();
});

// The signature check only: whether the login is still live is the database's, on each tool call
// (the routes the tools call). The scope is the least any tool needs; each route checks its own.
const { middleware: signIn } = access({ scope: "timelog:read", twoFactorExempt: true });

export const mcp = new Hono<AppEnv>()
  .use(challenge, bearerOnly, ...signIn)
  .post("/", async (c) => {
    const { serve } = await import("./server");
    return serve(c);
  })
  // Stateless: no server-initiated stream to open (GET) and no session to end (DELETE).
  .on(["GET", "DELETE"], "/", (c) =>
    c.json(
      { jsonrpc: "2.0", error: { code: -32000, message: "Method not allowed: POST JSON-RPC to /mcp." }, id: null },
      405,
      {
        Allow: "POST",
      },
    ),
  );
