// The one error type and the one renderer: every failure leaves as RFC 9457 problem+json.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export interface FieldError {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

export function problem(c: Context, err: ApiError): Response {
  const body = {
    type: `urn:timelog:problem:${err.code}`,
    title: TITLES[err.status] ?? "Error",
    status: err.status,
    detail: err.detail,
    code: err.code,
    instance: new URL(c.req.url).pathname,
    request_id: c.get("requestId"),
    ...err.extra,
  };
  return new Response(JSON.stringify(body), {
    status: err.status,
    headers: { ...Object.fromEntries(c.res.headers), ...err.headers, "content-type": "application/problem+json" },
  });
}

/** Turns anything thrown into an ApiError; unknown errors become a generic 500. */
export function toApiError(err: unknown, requestId: string): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    if (status === 413) return new ApiError(413, "body_too_large", "The request body is too large.");
    return new ApiError(status, status === 400 ? "bad_request" : "http_error", err.message || TITLES[status] || "");
  }
  console.error(`[${requestId}] unhandled error`, err);
  return new ApiError(500, "internal", "Something went wrong on our side. Quote the request id when reporting it.");
}
