// The Cron Trigger's reminders (issue 23 §5): one statement, reminders_run() (migrations/0040),
// finds what is due, records each occasion once and queues its email and webhook event. It reads
// the database on every run (what is due depends on the clock, not on a write that could leave a
// note), so it has its own cron, every 15 minutes, not the minute tick's (README "Reminders").
import { type Db, single } from "../db/client";
import { noteEmailsQueued } from "../email/dispatch";
import { noteQueued } from "../webhooks/signal";

/** wrangler.toml's second cron; the minute tick stays the webhooks' (src/index.ts tells them apart). */
export const REMINDERS_CRON = "*/15 * * * *";
/** The webhook and email tick. Any other cron is the reminders', so an operator may narrow theirs. */
export const MINUTE_CRON = "* * * * *";

export interface Sent {
  reminder: "timer_forgotten" | "timesheet_overdue" | "absence_pending";
  recipient: number;
  about: string;
  emailed: boolean;
}

/** Sends what is due; returns what it sent (nothing when another tick already did). */
export async function remindersTick(database: Db, kv?: KVNamespace): Promise<Sent[]> {
  try {
    const sent = await single<Sent>(database, "SELECT * FROM reminders_run()", []);
    // Their webhook events and emails wait for the next minute tick, which reads the notes rather
    // than the database (src/webhooks/signal.ts, src/email/dispatch.ts).
    if (sent.length > 0) await noteQueued(kv);
    if (sent.some((s) => s.emailed)) await noteEmailsQueued(kv);
    return sent;
  } catch (err) {
    console.error("scheduled reminders", err);
    return [];
  }
}
