// Cloudflare Turnstile, server side: a client over an account's sign-in budget for unknown clients
// proves it is a person instead of being refused (the budget's check is the database's, in
// auth_attempt_begin; this only asks Cloudflare whether the client's token is good).
import type { Config } from "../config";

/**
 * What the database is told: undefined when Turnstile is not configured (the budgets as before),
 * false when it is and the client sent no good token, true when Cloudflare accepted the token.
 * Fails closed: an unreachable or confused verifier is a token not accepted, never a 5xx.
 */
export async function turnstilePassed(
  settings: Config,
  token: string | undefined,
  remoteIp: string | undefined,
): Promise<boolean | undefined> {
  if (settings.TURNSTILE_SECRET === undefined) return undefined;
  if (token === undefined || token === "") return false;
  const form = new URLSearchParams({ secret: settings.TURNSTILE_SECRET, response: token });
  if (remoteIp) form.set("remoteip", remoteIp);
  try {
    const res = await fetch(settings.TURNSTILE_VERIFY_URL, {
      method: "POST",
      body: form,
      signal: AbortSignal.timeout(3_000),
    });
    if (!res.ok) return false;
    const outcome = (await res.json()) as { success?: unknown };
    // Each token verifies once (Cloudflare answers timeout-or-duplicate to a replay).
    return outcome.success === true;
  } catch {
    return false;
  }
}
