// The general rate limit: per credential on signed-in routes, per address on public ones, and a
// per-person bucket for heavy reads; 429 problem+json with Retry-After and the RateLimit headers.
// The suite's own limits are out of reach (vitest.config.ts); these tests swap in a binding that
// allows 5 a minute.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem, testEnv } from "../helpers/api";
import { createUser, randomIp } from "../helpers/factories";

const low = (env as unknown as { RATE_LIMIT_LOW: RateLimit }).RATE_LIMIT_LOW;
const limited = (bucket: "CREDENTIAL" | "ADDRESS" | "HEAVY", perMinute: string) => ({
  ...testEnv,
  [`RATE_LIMIT_${bucket}`]: low,
  [bucket === "CREDENTIAL"
    ? "RATE_LIMIT_PER_MINUTE"
    : `RATE_LIMIT_${bucket === "ADDRESS" ? "ANONYMOUS" : "HEAVY"}_PER_MINUTE`]: perMinute,
});

/**
 * Sends until the first 429 and says how many got through first: at least the limit, and at most
 * twice it (the window is the wall clock's minute, and a test may straddle one boundary).
 */
async function untilRefused(send: () => Promise<Response>, limit: number) {
  for (let passed = 0; passed <= 2 * limit; passed++) {
    const res = await send();
    if (res.status === 429) {
      expect(passed).toBeGreaterThanOrEqual(limit);
      return { passed, refused: res };
    }
    expect(res.status).toBe(200);
  }
  throw new Error("never refused");
}

describe("rate limits", () => {
  it("public routes count per address: the 6th request in a minute is a 429 that reaches no database", async () => {
    const limits = limited("ADDRESS", "5");
    const ip = randomIp();
    const first = await call("GET", "/health", { env: limits, headers: { "cf-connecting-ip": ip } });
    expect(first.headers.get("ratelimit-policy")).toBe('"address";q=5;w=60');
    expect(first.headers.get("ratelimit")).toMatch(/^"address";r=4;t=([1-9]|[1-5]\d|60)$/);
    let refused: Response | undefined;
    let passed = 0;
    const trips = await countRoundTrips(async () => {
      ({ passed, refused } = await untilRefused(
        () => call("GET", "/health", { env: limits, headers: { "cf-connecting-ip": ip } }),
        4,
      ));
    });
    // Each health check is one round trip; the refused one reached no database.
    expect(trips).toBe(passed);
    const problem = await expectProblem(refused as Response, 429);
    expect(problem.code).toBe("rate_limited");
    const retry = Number((refused as Response).headers.get("retry-after"));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect(problem.retry_after).toBe(retry);
    expect((refused as Response).headers.get("ratelimit")).toMatch(/^"address";r=0;t=\d+$/);
    // Another address has its own budget.
    const other = await call("GET", "/health", { env: limits, headers: { "cf-connecting-ip": randomIp() } });
    expect(other.status).toBe(200);
  });

  it("signed-in routes count per credential, whatever the address: another login is not affected", async () => {
    const alice = await createUser();
    const bob = await createUser();
    const limits = limited("CREDENTIAL", "5");
    const me = () =>
      call("GET", "/users/me", { token: alice.token, env: limits, headers: { "cf-connecting-ip": randomIp() } });
    expect((await me()).headers.get("ratelimit-policy")).toBe('"credential";q=5;w=60');
    const { refused } = await untilRefused(me, 4);
    expect((await expectProblem(refused, 429)).code).toBe("rate_limited");
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    // A write refused by the limit changes nothing.
    const write = await call("PATCH", "/users/me", { token: alice.token, env: limits, body: { username: "renamed" } });
    expect(write.status).toBe(429);
    const mine = (await (await call("GET", "/users/me", { token: alice.token })).json()) as { username: string };
    expect(mine.username).not.toBe("renamed");
    expect((await call("GET", "/users/me", { token: bob.token, env: limits })).status).toBe(200);
  });

  it("heavy reads have a smaller per-person bucket on top", async () => {
    const alice = await createUser();
    const limits = limited("HEAVY", "5");
    const summary = () =>
      call("GET", "/reports/summary?from=2026-01-01&to=2026-02-01", { token: alice.token, env: limits });
    const { refused } = await untilRefused(summary, 5);
    expect((await expectProblem(refused, 429)).code).toBe("rate_limited");
    expect(refused.headers.get("ratelimit-policy")).toContain('"heavy";q=5;w=60');
    await expectProblem(await call("GET", "/timesheets", { token: alice.token, env: limits }), 429);
    // Light reads are still fine.
    expect((await call("GET", "/users/me", { token: alice.token, env: limits })).status).toBe(200);
  });

  it("made-up API tokens count per address too, and cannot spend someone else's heavy budget", async () => {
    const alice = await createUser();
    const forged = (owner: number) => {
      const bytes = crypto.getRandomValues(new Uint8Array(32));
      const secret = btoa(String.fromCharCode(...bytes))
        .replaceAll("+", "-")
        .replaceAll("/", "_")
        .slice(0, 43);
      return `tl_pat_${owner}_${secret}`;
    };
    const ip = randomIp();
    const limits = limited("CREDENTIAL", "5");
    let statuses: number[] = [];
    const trips = await countRoundTrips(async () => {
      for (let i = 0; i < 12; i++) {
        const res = await call("GET", "/users/me", {
          token: forged(alice.id),
          env: limits,
          headers: { "cf-connecting-ip": ip },
        });
        statuses.push(res.status);
      }
    });
    // Each made-up token is a new bucket, but they share the address's: at most 10 reach the
    // database (two windows, if the test straddles a minute), the rest are 429.
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
    expect(trips).toBeLessThanOrEqual(10);
    // Forged tokens naming Alice on heavy routes do not touch Alice's heavy budget.
    const heavy = limited("HEAVY", "5");
    statuses = [];
    for (let i = 0; i < 7; i++) {
      const res = await call("GET", "/reports/summary?from=2026-01-01&to=2026-02-01", {
        token: forged(alice.id),
        env: heavy,
        headers: { "cf-connecting-ip": randomIp() },
      });
      statuses.push(res.status);
    }
    expect(statuses.every((s) => s === 401)).toBe(true);
    const own = await call("GET", "/reports/summary?from=2026-01-01&to=2026-02-01", { token: alice.token, env: heavy });
    expect(own.status).toBe(200);
  });

  it("an IPv6 client is one address per /64, however the address is written", async () => {
    const limits = limited("ADDRESS", "5");
    const prefix = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:1`;
    // Every request from another host of one /64, written every which way: they share one budget
    // (were each host its own bucket, none would ever be refused).
    let n = 0;
    const host = () => {
      n += 1;
      return [`${prefix}::${n}`, `${prefix}:0:0:0:${n}`, `${prefix.toUpperCase()}::abcd:${n}`, `${prefix}:ffff::${n}`][
        n % 4
      ];
    };
    const { passed } = await untilRefused(
      async () => call("GET", "/health", { env: limits, headers: { "cf-connecting-ip": host() ?? "" } }),
      4,
    );
    expect(passed).toBeLessThanOrEqual(10);
    // …and the next /64 has its own.
    const next = await call("GET", "/health", { env: limits, headers: { "cf-connecting-ip": `${prefix}0::1` } });
    expect(next.status).toBe(200);
  });
});
