// Every resource's sub-app comes from here, so all share the env type and one validation hook.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Config } from "../config";
import type { Db } from "../db/client";
import type { Access } from "./api-token";
import { ApiError, type FieldError } from "./errors";

/** Secrets are not in wrangler.toml, so `wrangler types` cannot see them. */
interface Secrets {
  DATABASE_URL: string;
  JWT_PRIVATE_KEY: string;
  JWT_PUBLIC_KEYS?: string;
  NEON_FETCH_ENDPOINT?: string;
}

/** Who is calling, once the token's signature has been checked (src/auth/middleware.ts). */
export interface AccessClaims {
  userId: number;
  /** The login's session; "" for an API token. */
  sessionId: string;
  /** An API token's SHA-256 (src/api-tokens/): checked by auth_guard_token instead of the session. */
  tokenHash?: string;
  /** An OAuth access token's resource (src/oauth/): it works only there. */
  audience?: "mcp" | "api";
}

export interface AppEnv {
  Bindings: Env & Secrets;
  Variables: {
    requestId: string;
    config: Config;
    database: Db;
    auth: AccessClaims;
    /** What the matched route declared it asks of its caller (src/auth/middleware.ts access()). */
    access?: Access;
    /** This request was counted against its rate limit (src/lib/rate-limit.ts). */
    counted?: boolean;
    /** A write queued webhook events: deliver them after the response (src/webhooks/dispatch.ts). */
    webhooksQueued?: boolean;
    /** A write queued emails: deliver them after the response (src/email/dispatch.ts). */
    emailsQueued?: boolean;
    /** Conditional reads (issue 24 §3): this GET's answer holds a secret, keep it no-store. */
    noStore?: boolean;
  };
}

export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    strict: false, // `/projects` and `/projects/` are one route: the old clients used both
    defaultHook: (result) => {
      if (!result.success) {
        const errors: FieldError[] = result.error.issues.map((i) => ({
          path: [result.target, ...i.path].join("."),
          message: i.message,
        }));
        throw new ApiError("validation_failed", "The request is invalid; see errors.", { errors });
      }
    },
  });
}
