import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { newSigningKey, newTotpKey } from "./scripts/keys.ts";

// A developer's .dev.vars would make wrangler say "Using secrets defined in .dev.vars" once per
// test file (the tests set their own bindings): only its warnings and errors are worth printing.
process.env.WRANGLER_LOG ??= "warn";

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        // The API: tests run inside workerd and call the worker through its fetch handler.
        plugins: [
          cloudflareTest({
            // The source itself (wrangler.toml's main is the build output, scripts/build.mjs).
            main: "./src/index.ts",
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                // Tests pass their own DATABASE_URL and endpoint per file (see test/helpers/api.ts).
                DATABASE_URL: "postgres://test:test@localhost/unset",
                JWT_PRIVATE_KEY: newSigningKey(),
                // Two-factor secrets are encrypted at rest with it (issue 23 §4).
                TOTP_ENCRYPTION_KEY: newTotpKey(),
                CORS_ORIGINS: "https://app.example.com",
                // PGlite runs every test file's database in the endpoint's one Node thread: a heavy
                // statement of one file delays the others. Tests of the deadlines set their own.
                DB_TIMEOUT_MS: "15000",
                // The webhook tests' receivers listen on loopback http (test/global-setup.ts).
                WEBHOOK_ALLOW_LOOPBACK: "true",
              },
              // Every test file's requests come from one address ("unknown") within minutes: the
              // general limits are out of reach here. test/foundation/rate-limit.test.ts swaps in
              // RATE_LIMIT_LOW to see them work.
              ratelimits: {
                RATE_LIMIT_CREDENTIAL: { namespace_id: "1001", simple: { limit: 1_000_000, period: 60 } },
                RATE_LIMIT_ADDRESS: { namespace_id: "1002", simple: { limit: 1_000_000, period: 60 } },
                RATE_LIMIT_HEAVY: { namespace_id: "1003", simple: { limit: 1_000_000, period: 60 } },
                RATE_LIMIT_LOW: { namespace_id: "1099", simple: { limit: 5, period: 60 } },
              },
            },
          }),
        ],
        test: {
          name: "worker",
          globalSetup: ["./test/global-setup.ts"],
          // Reports each file's operations and statuses to the gate (test/helpers/operation-gate.ts).
          setupFiles: ["./test/helpers/report-operations.ts"],
          include: ["test/**/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Dev tooling that runs in Node: the local Neon endpoint, the client package, the schema
        // snapshot, the README, the upgrade test, export/import, deploy:check (scripts/**/*.test.ts).
        test: {
          name: "tools",
          environment: "node",
          include: ["scripts/**/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
