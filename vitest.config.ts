import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { newSigningKey } from "./scripts/keys.ts";

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          // Tests pass their own DATABASE_URL and endpoint per file (see test/helpers/api.ts).
          DATABASE_URL: "postgres://test:test@localhost/unset",
          JWT_PRIVATE_KEY: newSigningKey(),
          CORS_ORIGINS: "https://app.example.com",
        },
      },
    }),
  ],
  test: {
    globalSetup: ["./test/global-setup.ts"],
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
