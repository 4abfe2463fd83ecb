// The OAuth endpoints answer errors as RFC 6749 §5.2 JSON ({error, error_description}): the one
// exception to problem+json, because OAuth clients (MCP's SDK among them) read that shape.
import type { Hook } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { fromDbError } from "../db/errors";
import { ApiError, problem, toApiError } from "../lib/errors";
import { json } from "../lib/openapi";
import type { AppEnv } from "../lib/router";
import { problems } from "../lib/schemas";
import { OAuthErrorBody } from "./schemas";

export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status: ContentfulStatusCode = 400,
  ) {
    super(description);
  }
}

/**
 * Anything a handler threw: OAuth's own errors as OAuth JSON; what is no OAuth matter (a rate
 * limit, an unsupported content type, the database unavailable) stays problem+json, as every
 * route's documented 429 and default answers say.
 */
export function oauthAnswer(c: Context<AppEnv>, err: unknown): Response {
  if (err instanceof OAuthError) {
    return c.json({ error: err.error, error_description: err.description }, err.status);
  }
  return problem(c, err instanceof ApiError ? err : (fromDbError(err) ?? toApiError(err, c.get("requestId"))));
}

/** An OAuth error answer in the document (X-Request-Id and all, as every answer). */
export function oauthErrorResponse(description: string) {
  const base = json(OAuthErrorBody, description);
  return { ...base, content: { ...base.content, ...malformed() } };
}

/** A body that is not JSON or a form at all is refused before any OAuth code runs: problem+json. */
export const malformed = () =>
  (problems(400) as unknown as Record<number, { content: Record<string, unknown> }>)[400]?.content ?? {};

/** zod's refusals, as OAuth's invalid_request (RFC 7591 §3.2.2 says invalid_client_metadata). */
export const invalidRequest =
  // biome-ignore lint/suspicious/noExplicitAny: one hook for routes of any input and answer
    (error = "invalid_request"): Hook<any, AppEnv, string, any> =>
    (result, c) => {
      if (result.success) return;
      const where = result.error.issues.map((i) => `${i.path.join(".") || result.target}: ${i.message}`).join("; ");
      return c.json({ error, error_description: `The request is invalid (${where}).` }, 400);
    };
