import { app } from "./app";
import { configOf } from "./config";
import { createDb } from "./db/client";
import { emailTick } from "./email/dispatch";
import type { AppEnv } from "./lib/router";
import { MINUTE_CRON, remindersTick } from "./reminders/run";
import { scheduledWork } from "./webhooks/dispatch";

export default {
  fetch: app.fetch,
  // The Cron Triggers (wrangler.toml): every minute, webhook and email retries that are due, and
  // pruning; every 15 minutes, the reminders (issue 23 §5), on their own so the minute tick stays idle.
  scheduled(controller, env, ctx) {
    const settings = configOf(env);
    const database = createDb(settings);
    if (controller.cron !== MINUTE_CRON) {
      ctx.waitUntil(remindersTick(database, env.SIGNALS));
      return;
    }
    ctx.waitUntil(scheduledWork(database, settings, env.SIGNALS));
    // The email outbox: what is due, retries, pruning (src/email/dispatch.ts).
    ctx.waitUntil(emailTick(database, settings, env.SIGNALS, env.EMAIL));
  },
} satisfies ExportedHandler<AppEnv["Bindings"]>;
