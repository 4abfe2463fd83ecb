// POST /oauth/register (RFC 7591): public clients, redirect URIs checked here (https, or http on
// a loopback address per RFC 8252 §7.3; no fragment, no user info), throttled per address in SQL.
import { createRoute, type z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { access } from "../auth/middleware";
import { clientKey } from "../auth/throttle";
import { anonymous } from "../db/request";
import { json } from "../lib/openapi";
import { type AppEnv, createRouter } from "../lib/router";
import { problems } from "../lib/schemas";
import { newClientId } from "./credentials";
import { invalidRequest, OAuthError, oauthAnswer, oauthErrorResponse } from "./errors";
import * as q from "./queries";
import { RegisterBody, RegisteredClient } from "./schemas";

const LOOPBACK = new Set(["127.0.0.1", "[::1]", "localhost"]);

/** Why a redirect URI is refused, or undefined when it is acceptable. */
export function redirectUriProblem(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return "is not an absolute URI";
  }
  if (uri.includes("#")) return "has a fragment";
  if (url.username !== "" || url.password !== "") return "has user info";
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:" && LOOPBACK.has(url.hostname)) return undefined;
  return "must be https, or http on 127.0.0.1, [::1] or localhost";
}

export const oauthRegister = createRouter().openapi(
  createRoute({
    method: "post",
    path: "/register",
    tags: ["oauth"],
    summary: "Register an OAuth client (RFC 7591 dynamic client registration)",
    description:
      "Public. Public clients only: no client secret, PKCE (S256) on every authorization. redirect_uris: 1–10 absolute URIs, https or http on a loopback address (127.0.0.1, [::1], localhost), without fragment or user info; they are matched exactly at /oauth/authorize. At most 20 clients an hour per address (429). Errors are RFC 6749 JSON (invalid_redirect_uri, invalid_client_metadata), not problem+json.",
    ...access("public"),
    request: { body: { required: true, content: { "application/json": { schema: RegisterBody } } } },
    responses: {
      ...problems(429),
      201: json(RegisteredClient, "Registered"),
      400: oauthErrorResponse("invalid_redirect_uri or invalid_client_metadata"),
    },
  }),
  async (c) => {
    try {
      return await registerClient(c, c.req.valid("json" as never) as z.infer<typeof RegisterBody>);
    } catch (err) {
      return oauthAnswer(c, err) as never;
    }
  },
  invalidRequest("invalid_client_metadata"),
);

async function registerClient(c: Context<AppEnv>, { client_name, redirect_uris }: z.infer<typeof RegisterBody>) {
  {
    for (const uri of redirect_uris) {
      const problem = redirectUriProblem(uri);
      if (problem) throw new OAuthError("invalid_redirect_uri", `The redirect URI ${JSON.stringify(uri)} ${problem}.`);
    }
    const values = {
      id: newClientId(),
      name: client_name,
      redirectUris: [...new Set(redirect_uris)],
      registrant: await clientKey(c),
    };
    const [[row]] = await anonymous(c, [q.register(c.get("database").db, values)]);
    if (!row) throw new OAuthError("server_error", "The client was not stored.", 500);
    // There is no client resource to read back (RFC 7591's optional management API is not offered):
    // the Location is where the client is used.
    c.header("Location", `/oauth/authorize?client_id=${encodeURIComponent(row.body.client_id)}`);
    return c.json(row.body, 201);
  }
}
