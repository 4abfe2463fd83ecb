// The general rate limit: every request is counted against one bucket before it may reach the
// database, by Cloudflare's Workers Rate Limiting bindings (wrangler.toml [[ratelimits]]; Miniflare
// runs them locally). Signed-in routes count per credential (a session, or an API token), public
// routes per client address, and heavy reads (reports, timesheet lists, the CSV, audit checks)
// also per person in a smaller bucket. Sign-in and registration keep their stricter budgets in
// the database (src/auth/throttle.ts).
import type { Context } from "hono";
import { ApiError } from "./errors";
import { ipv6Prefix } from "./ip";
import type { AppEnv } from "./router";

export type Bucket = "credential" | "address" | "heavy";

const BINDING: Record<Bucket, "RATE_LIMIT_CREDENTIAL" | "RATE_LIMIT_ADDRESS" | "RATE_LIMIT_HEAVY"> = {
  credential: "RATE_LIMIT_CREDENTIAL",
  address: "RATE_LIMIT_ADDRESS",
  heavy: "RATE_LIMIT_HEAVY",
};
/** The bindings' period (wrangler.toml); the binding accepts 10 or 60. */
export const WINDOW_SECONDS = 60;

/**
 * The binding answers only allowed-or-not, so the remaining count in the `RateLimit` header is
 * this isolate's own count of the window (an upper bound: other isolates count too). Bounded: a
 * flood of new keys clears it rather than growing it.
 */
const seen = new Map<string, { window: number; count: number }>();

function limitOf(c: Context<AppEnv>, bucket: Bucket): number {
  const s = c.get("config");
  return bucket === "credential"
    ? s.RATE_LIMIT_PER_MINUTE
    : bucket === "address"
      ? s.RATE_LIMIT_ANONYMOUS_PER_MINUTE
      : s.RATE_LIMIT_HEAVY_PER_MINUTE;
}

/** Counts this request against `key` in `bucket`; over the limit, a 429 with Retry-After. */
export async function rateLimit(
  c: Context<AppEnv>,
  bucket: Bucket,
  key: string,
  label: string = bucket,
): Promise<void> {
  const binding = c.env[BINDING[bucket]] as RateLimit | undefined;
  // Without the binding (the bench's plain workerd) nothing is limited.
  if (!binding) return;
  const limit = limitOf(c, bucket);
  const nowSeconds = Date.now() / 1000;
  const window = Math.floor(nowSeconds / WINDOW_SECONDS);
  const reset = Math.max(1, Math.ceil((window + 1) * WINDOW_SECONDS - nowSeconds));
  const counted = `${bucket}:${key}`;
  if (seen.size > 10_000) seen.clear();
  const mine = seen.get(counted);
  const count = mine && mine.window === window ? mine.count + 1 : 1;
  seen.set(counted, { window, count });
  const { success } = await binding.limit({ key: counted });
  const policy = `"${label}";q=${limit};w=${WINDOW_SECONDS}`;
  const remaining = success ? Math.max(0, limit - count) : 0;
  // The IETF draft's fields (draft-ietf-httpapi-ratelimit-headers): the policy, and what is left.
  // A heavy read reports both of its buckets (the draft's lists), heavy first.
  c.header("RateLimit-Policy", policy, { append: true });
  c.header("RateLimit", `"${label}";r=${remaining};t=${reset}`, { append: true });
  if (!success) {
    throw new ApiError(
      "rate_limited",
      `Too many requests (${limit} a minute ${bucket === "address" ? "from this address" : bucket === "heavy" ? "of heavy reads per person" : "per credential"}); retry after ${reset} s.`,
      { retry_after: reset },
      { "Retry-After": String(reset) },
    );
  }
}

/** The client as Cloudflare's CF-Connecting-IP names it (callers cannot forge it behind Cloudflare). */
export function clientAddress(c: Context<AppEnv>): string {
  const raw = (c.req.header("cf-connecting-ip") ?? "unknown").trim().slice(0, 64).toLowerCase();
  return raw.includes(":") ? ipv6Prefix(raw) : raw;
}

/**
 * Once per request, before its first round trip: signed-in callers by their credential (an API
 * token by its hash, a login by its session), everyone else by address.
 */
export async function countRequest(c: Context<AppEnv>): Promise<void> {
  if (c.get("counted")) return;
  c.set("counted", true);
  const auth = c.get("auth") as AppEnv["Variables"]["auth"] | undefined;
  if (auth === undefined) return rateLimit(c, "address", clientAddress(c));
  if (auth.tokenHash === undefined) return rateLimit(c, "credential", `s:${auth.sessionId}`);
  // An API token is only checked by the database, so a made-up one would be a fresh bucket each
  // time: tokens also count per address, at the credential's limit.
  await rateLimit(c, "credential", `t:${auth.tokenHash}`);
  return rateLimit(c, "credential", `a:${clientAddress(c)}`, "tokens-per-address");
}

/**
 * The heavy-read bucket's key: a login's person (its signature was checked), or an API token's
 * hash — never the owner id an unchecked token claims, which would let anyone spend a victim's
 * budget.
 */
export function heavyKey(auth: AppEnv["Variables"]["auth"]): string {
  return auth.tokenHash === undefined ? `u:${auth.userId}` : `t:${auth.tokenHash}`;
}
