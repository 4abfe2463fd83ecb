import { app } from "./app";
import { configOf } from "./config";
import { createDb } from "./db/client";
import type { AppEnv } from "./lib/router";
import { scheduledWork } from "./webhooks/dispatch";

export default {
  fetch: app.fetch,
  // The Cron Trigger (wrangler.toml): webhook retries that are due, and pruning.
  scheduled(_controller, env, ctx) {
    const settings = configOf(env);
    ctx.waitUntil(scheduledWork(createDb(settings), settings, env.SIGNALS));
  },
} satisfies ExportedHandler<AppEnv["Bindings"]>;
