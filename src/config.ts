// The worker's configuration: every variable and secret it reads from its environment (wrangler
// vars and secrets, not the company's /settings), validated once per bindings object: a missing or
// malformed one fails the request with a clear message naming it, never deep inside a handler.
import { z } from "zod";
import { ApiError } from "./lib/errors";

const bool = z.enum(["true", "false"]).transform((v) => v === "true");
const list = z.string().transform((v) =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
);

export const ConfigSchema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\/[^/]+\/.+/, "must be postgres://user:password@host/db"),
  /**
   * A Neon read replica (same branch, a read-only compute), optional: signed-in GET reads whose
   * caller proves with Read-After that the replica has their last write go there (src/db/request.ts).
   */
  DATABASE_URL_READ: z
    .string()
    .regex(/^postgres(ql)?:\/\/[^/]+\/.+/, "must be postgres://user:password@host/db")
    .optional(),
  /** Only for local development and tests: where the Neon HTTP protocol is served. */
  NEON_FETCH_ENDPOINT: z.url().optional(),
  DB_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  CORS_ORIGINS: list.default([]),
  /** Request headers browsers may send besides ours (tracing: sentry-trace, baggage, traceparent). */
  CORS_ALLOW_HEADERS: list
    .pipe(z.array(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, "header names only")).max(20))
    .default([]),
  /**
   * The rate limits the bindings enforce (wrangler.toml [[ratelimits]], per 60 s): what the
   * RateLimit headers tell clients. Change both together.
   */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(1200),
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(300),
  RATE_LIMIT_HEAVY_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(60),
  JWT_PRIVATE_KEY: z.string().min(1, "required: the signing key as a private JWK (JSON)"),
  /** Extra public keys (a JWKS) still accepted for verification during key rotation. */
  JWT_PUBLIC_KEYS: z.string().optional(),
  JWT_ISSUER: z.string().min(1).default("timelog-api"),
  JWT_AUDIENCE: z.string().min(1).default("timelog-api"),
  ACCESS_TOKEN_TTL: z.coerce.number().int().min(30).max(3600).default(900),
  REFRESH_TOKEN_TTL: z.coerce
    .number()
    .int()
    .min(300)
    .max(90 * 86_400)
    .default(30 * 86_400),
  /** Accounts one client (address) may create by self-registration per hour. */
  REGISTRATION_PER_HOUR: z.coerce.number().int().min(1).max(1000).default(5),
  /**
   * Cloudflare Turnstile's secret key: when set, a client over an account's sign-in budget for
   * unknown clients may go on with a passed challenge (turnstile_token). Unset: no Turnstile.
   */
  TURNSTILE_SECRET: z.string().min(1).max(200).optional(),
  /** Where Turnstile tokens are verified (tests and `npm run dev` point it at a loopback verifier). */
  TURNSTILE_VERIFY_URL: z.url().default("https://challenges.cloudflare.com/turnstile/v0/siteverify"),
  // Email (issue 23 §1): unset EMAIL_PROVIDER sends nothing (emails wait in the outbox, GET /emails
  // says why). `log` prints each email with its links: for `npm run dev` only, never production.
  EMAIL_PROVIDER: z.enum(["cloudflare", "http", "log"]).optional(),
  /** The sender: an address on a domain set up for sending (Cloudflare Email Routing, or the HTTP provider's). */
  EMAIL_FROM: z.string().min(3).max(320).default("TimeLog <timelog@localhost>"),
  /** EMAIL_PROVIDER=http: a Resend-compatible endpoint (POST {from, to, subject, text, html}) and its API key. */
  EMAIL_HTTP_URL: z.url().optional(),
  EMAIL_HTTP_TOKEN: z.string().min(1).max(1000).optional(),
  /** The front end's address: links in emails point under it (README, Email links). */
  PUBLIC_APP_URL: z.url().default("http://localhost:5173"),
  /** TOTP secrets are encrypted at rest with this key: 32 random bytes, base64 (`wrangler secret put`). */
  TOTP_ENCRYPTION_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/]{43}=$/, "32 bytes, base64")
    .optional(),
  /** Webhook receivers on plain http://127.0.0.1 (or localhost, [::1]): for `npm run dev` and tests. */
  WEBHOOK_ALLOW_LOOPBACK: bool.default(false),
});
export type Config = z.infer<typeof ConfigSchema>;

const cache = new WeakMap<object, Config>();

export function configOf(env: object): Config {
  let settings = cache.get(env);
  if (!settings) {
    const parsed = ConfigSchema.safeParse(env);
    if (!parsed.success) {
      const names = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
      console.error(`invalid settings: ${names}`);
      throw new ApiError("misconfigured", `The server is misconfigured (${names}).`);
    }
    settings = parsed.data;
    cache.set(env, settings);
  }
  return settings;
}
