// Discovery without a database: RFC 8414 (the authorization server) and RFC 9728 (the protected
// resources). Two resources, each its own audience: the MCP server (<origin>/mcp, metadata at the
// path-inserted /.well-known/oauth-protected-resource/mcp) and the REST API (<origin>, at the
// bare /.well-known/oauth-protected-resource), as RFC 9728 §3.1 places them.
import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { access } from "../auth/middleware";
import { SCOPES } from "../lib/api-token";
import { json } from "../lib/openapi";
import { type AppEnv, createRouter } from "../lib/router";
import { problems } from "../lib/schemas";
import { resources } from "./credentials";
import { AuthorizationServerMetadata, ProtectedResourceMetadata } from "./schemas";

const tags = ["oauth"];

function resourceMetadata(c: Context<AppEnv>, which: "mcp" | "api") {
  const origin = new URL(c.req.url).origin;
  c.header("Cache-Control", "public, max-age=3600");
  return c.json(
    {
      resource: resources(c)[which],
      authorization_servers: [origin],
      scopes_supported: [...SCOPES],
      bearer_methods_supported: ["header"],
      resource_name: which === "mcp" ? "TimeLog MCP server" : "TimeLog API",
      resource_documentation: `${origin}/docs`,
    },
    200,
  );
}

export const oauthMetadata = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/oauth-authorization-server",
      tags,
      summary: "OAuth 2.1 authorization server metadata (RFC 8414)",
      description: "Public, cacheable for an hour. Where to register a client, authorize, get and revoke tokens.",
      ...access("public"),
      responses: { 200: json(AuthorizationServerMetadata, "Metadata"), ...problems() },
    }),
    (c) => {
      const origin = new URL(c.req.url).origin;
      c.header("Cache-Control", "public, max-age=3600");
      return c.json(
        {
          issuer: origin,
          authorization_endpoint: `${origin}/oauth/authorize`,
          token_endpoint: `${origin}/oauth/token`,
          registration_endpoint: `${origin}/oauth/register`,
          revocation_endpoint: `${origin}/oauth/revoke`,
          scopes_supported: [...SCOPES],
          response_types_supported: ["code"],
          grant_types_supported: ["authorization_code", "refresh_token"],
          code_challenge_methods_supported: ["S256"],
          token_endpoint_auth_methods_supported: ["none"],
          revocation_endpoint_auth_methods_supported: ["none"],
          authorization_response_iss_parameter_supported: true,
          service_documentation: `${origin}/docs`,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/oauth-protected-resource",
      tags,
      summary: "Protected resource metadata of the REST API (RFC 9728): resource is this origin",
      description: "Public, cacheable for an hour. Tokens for this resource work on every route but /mcp.",
      ...access("public"),
      responses: { 200: json(ProtectedResourceMetadata, "Metadata"), ...problems() },
    }),
    (c) => resourceMetadata(c, "api"),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/oauth-protected-resource/mcp",
      tags,
      summary: "Protected resource metadata of the MCP server (RFC 9728): resource is <origin>/mcp",
      description: "Public, cacheable for an hour. Tokens for this resource work on /mcp only.",
      ...access("public"),
      responses: { 200: json(ProtectedResourceMetadata, "Metadata"), ...problems() },
    }),
    (c) => resourceMetadata(c, "mcp"),
  );
