import { z } from "@hono/zod-openapi";
import { SCOPES } from "../lib/api-token";
import { pageSchema } from "../lib/page";
import { Id, Timestamp } from "../lib/schemas";

const Uri = z.string().min(1).max(2000);

export const RegisterBody = z
  .object({
    client_name: z.string().trim().min(1).max(100),
    redirect_uris: z.array(Uri).min(1).max(10),
    token_endpoint_auth_method: z.literal("none").optional(),
    grant_types: z
      .array(z.enum(["authorization_code", "refresh_token"]))
      .max(2)
      .optional(),
    response_types: z.array(z.literal("code")).max(1).optional(),
    scope: z.string().max(200).optional(),
    client_uri: Uri.optional(),
    logo_uri: Uri.optional(),
    software_id: z.string().max(200).optional(),
    software_version: z.string().max(100).optional(),
  })
  .openapi("OAuthClientRegistration", {
    description:
      "RFC 7591. Public clients only (token_endpoint_auth_method none, PKCE). Other metadata than listed here is ignored, as RFC 7591 allows.",
  });

export const RegisteredClient = z
  .object({
    client_id: z.string(),
    client_name: z.string(),
    redirect_uris: z.array(z.string()),
    client_id_issued_at: z.number().int(),
    token_endpoint_auth_method: z.literal("none"),
    grant_types: z.array(z.string()),
    response_types: z.array(z.string()),
  })
  .openapi("OAuthClient");
export type RegisteredClient = z.infer<typeof RegisteredClient>;

export const OAuthErrorBody = z
  .object({ error: z.string(), error_description: z.string().optional() })
  .openapi("OAuthError", { description: "RFC 6749 §5.2: the OAuth endpoints' one exception to problem+json." });

export const AuthorizeQuery = z.object({
  response_type: z.string().max(50).optional(),
  client_id: z.string().max(100).optional(),
  redirect_uri: z.string().max(2000).optional(),
  code_challenge: z.string().max(200).optional(),
  code_challenge_method: z.string().max(20).optional(),
  state: z.string().max(1000).optional(),
  scope: z.string().max(500).optional(),
  resource: z.string().max(2000).optional(),
});

export const AuthorizeForm = z.object({
  request: z.string().max(8192),
  action: z.enum(["approve", "deny"]),
  scope: z.union([z.string().max(50), z.array(z.string().max(50)).max(10)]).optional(),
  email: z.string().max(254).optional(),
  password: z.string().max(1024).optional(),
  challenge: z.string().max(4096).optional(),
  code: z.string().max(20).optional(),
  recovery_code: z.string().max(50).optional(),
});

export const TokenForm = z.object({
  grant_type: z.string().max(100),
  client_id: z.string().max(100),
  code: z.string().max(200).optional(),
  redirect_uri: z.string().max(2000).optional(),
  code_verifier: z.string().max(200).optional(),
  refresh_token: z.string().max(200).optional(),
  resource: z.string().max(2000).optional(),
  scope: z.string().max(500).optional(),
});

export const TokenResponse = z
  .object({
    access_token: z.string(),
    token_type: z.literal("Bearer"),
    expires_in: z.number().int(),
    refresh_token: z.string(),
    scope: z.string(),
  })
  .openapi("OAuthTokens");

export const RevokeForm = z.object({
  token: z.string().max(200),
  client_id: z.string().max(100),
  token_type_hint: z.string().max(50).optional(),
});

export const ConnectedApp = z
  .object({
    id: Id,
    client_id: z.string(),
    client_name: z.string(),
    scopes: z.array(z.enum(SCOPES)),
    resource: z.string().openapi({ description: "the resource (audience) its tokens are for" }),
    granted_at: Timestamp,
    last_used_at: Timestamp.nullable().openapi({ description: "to the minute" }),
  })
  .openapi("ConnectedApp");
export type ConnectedApp = z.infer<typeof ConnectedApp>;
export const ConnectedAppPage = pageSchema(ConnectedApp, "ConnectedAppPage");

const Strings = z.array(z.string());
export const AuthorizationServerMetadata = z
  .object({
    issuer: z.string(),
    authorization_endpoint: z.string(),
    token_endpoint: z.string(),
    registration_endpoint: z.string(),
    revocation_endpoint: z.string(),
    scopes_supported: Strings,
    response_types_supported: Strings,
    grant_types_supported: Strings,
    code_challenge_methods_supported: Strings,
    token_endpoint_auth_methods_supported: Strings,
    revocation_endpoint_auth_methods_supported: Strings,
    authorization_response_iss_parameter_supported: z.boolean(),
    service_documentation: z.string(),
  })
  .openapi("OAuthServerMetadata");

export const ProtectedResourceMetadata = z
  .object({
    resource: z.string(),
    authorization_servers: Strings,
    scopes_supported: Strings,
    bearer_methods_supported: Strings,
    resource_name: z.string(),
    resource_documentation: z.string(),
  })
  .openapi("OAuthProtectedResourceMetadata");
