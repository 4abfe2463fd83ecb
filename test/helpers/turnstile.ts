// Cloudflare's documented Turnstile test secrets (developers.cloudflare.com/turnstile/troubleshooting/testing):
// the loopback verifier (test/global-setup.ts) answers them as Cloudflare does.
export const TURNSTILE_TEST_SECRETS = {
  /** always passes validation */
  pass: "1x0000000000000000000000000000000AA",
  /** always fails validation */
  fail: "2x0000000000000000000000000000000AA",
  /** always "token already spent" (timeout-or-duplicate) */
  spent: "3x0000000000000000000000000000000AA",
} as const;

/** The token the test sitekeys hand out: production secrets refuse it. */
export const DUMMY_TOKEN = "XXXX.DUMMY.TOKEN.XXXX";
