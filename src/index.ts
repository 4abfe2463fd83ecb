import { app } from "./app";
import { configOf } from "./config";
import { createDb } from "./db/client";
import { emailTick } from "./email/dispatch";
import type { AppEnv } from "./lib/router";
import { scheduledWork } from "./webhooks/dispatch";

export default {
  fetch: app.fetch,
  // The Cron Trigger (wrangler.toml): webhook and email retries that are due, and pruning.
  scheduled(_controller, env, ctx) {
    const settings = configOf(env);
    ctx.waitUntil(scheduledWork(createDb(settings), settings, env.SIGNALS));
    // The email outbox: what is due, retries, pruning (src/email/dispatch.ts).
    ctx.waitUntil(emailTick(createDb(settings), settings, env.SIGNALS, env.EMAIL));
  },
} satisfies ExportedHandler<AppEnv["Bindings"]>;
