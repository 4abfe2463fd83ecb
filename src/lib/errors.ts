// The one error type and the one renderer: every failure leaves as RFC 9457 problem+json.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { PROBLEMS, type ProblemCode } from "./problems";

export interface FieldError {
  path: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly title: string;
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    const [status, title] = PROBLEMS[code];
    this.status = status as ContentfulStatusCode;
    this.title = title;
  }
}

/** The problem document itself (also an operation's answer inside POST /timelog/batch). */
export function problemBody(c: Context, err: ApiError) {
  return {
    type: `urn:timelog:problem:${err.code}`,
    title: err.title,
    status: err.status,
    detail: err.detail,
    code: err.code,
    instance: new URL(c.req.url).pathname,
    request_id: c.get("requestId") as string,
    ...err.extra,
  };
}

export function problem(c: Context, err: ApiError): Response {
  const body = problemBody(c, err);
  // RFC 6750: every 401 says how to authenticate, whoever refused (the signature check or the
  // database); error="invalid_token" only when a credential was sent (§3.1: none for a bare request).
  const challenge = err.status === 401 ? { "WWW-Authenticate": challengeFor(c) } : undefined;
  return new Response(JSON.stringify(body), {
    status: err.status,
    headers: {
      ...Object.fromEntries(c.res.headers),
      ...challenge,
      ...err.headers,
      "content-type": "application/problem+json",
    },
  });
}

function challengeFor(c: Context): string {
  const sent =
    c.req.header("authorization") !== undefined || /(?:^|;)\s*auth_cookie=/.test(c.req.header("cookie") ?? "");
  // OAuth (issue 25 §2, h-oauth): where a client finds how to get a token (RFC 9728 §5.1), for
  // /mcp and for the rest of the API (src/oauth/metadata-routes.ts).
  const url = new URL(c.req.url);
  const mcp = url.pathname === "/mcp" || url.pathname.startsWith("/mcp/");
  const metadata = `${url.origin}/.well-known/oauth-protected-resource${mcp ? "/mcp" : ""}`;
  const realm = `Bearer realm="timelog", resource_metadata="${metadata}"`;
  return sent ? `${realm}, error="invalid_token"` : realm;
}

/** Turns anything thrown into an ApiError; unknown errors become a generic 500. */
export function toApiError(err: unknown, requestId: string): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException) {
    // Hono's own refusals: malformed bodies (400) and the body limit (413); anything else is ours.
    if (err.status === 413) return new ApiError("body_too_large", "The request body is too large.");
    if (err.status === 415) return new ApiError("unsupported_media_type", "Send a content type this route accepts.");
    if (err.status < 500) return new ApiError("bad_request", err.message || "The request is malformed.");
  }
  console.error(`[${requestId}] unhandled error`, err);
  return new ApiError("internal", "Something went wrong on our side. Quote the request id when reporting it.");
}
