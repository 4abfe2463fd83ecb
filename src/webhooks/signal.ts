// Work is found without asking the database: a write that queued webhook events leaves a note in
// Workers KV (the SIGNALS binding) saying when the next delivery is due, and the Cron Trigger's
// tick reads the note, not PostgreSQL. An idle deployment then makes no database round trip at all
// and Neon's compute can suspend. Once an hour (RECOVERY_MS) a tick checks the database anyway and
// prunes: KV is eventually consistent, and a note written while a drain finished may be lost.

/** The two keys of one kind of work's note (the email outbox keeps its own: src/email/dispatch.ts). */
export interface NoteKeys {
  due: string;
  checked: string;
}
const WEBHOOKS: NoteKeys = { due: "webhooks:due", checked: "webhooks:checked" };
export const RECOVERY_MS = 60 * 60 * 1000;

/** A write queued events: they are due now. */
export async function noteQueued(kv: KVNamespace | undefined, keys = WEBHOOKS): Promise<void> {
  await kv?.put(keys.due, new Date().toISOString());
}

/**
 * Whether this tick has anything to do — a note that is due, or the hourly recovery check — and
 * the note it saw. Without the binding (the bench's plain workerd) every tick works, as before.
 */
export async function tickHasWork(kv: KVNamespace | undefined, now = Date.now(), keys = WEBHOOKS) {
  if (!kv) return { work: true, seen: null };
  const [seen, checked] = await Promise.all([kv.get(keys.due), kv.get(keys.checked)]);
  const due = seen !== null && Date.parse(seen) <= now;
  return { work: due || checked === null || now - Date.parse(checked) >= RECOVERY_MS, seen };
}

/**
 * After a tick's work: the note becomes the earliest pending retry (none: no note), unless a write
 * left a newer note during the tick (it differs from what the tick saw): that one stays, so its
 * events are looked at by the next tick.
 */
export async function noteAfterTick(
  kv: KVNamespace | undefined,
  seen: string | null,
  nextDue: string | null,
  now = Date.now(),
  keys = WEBHOOKS,
) {
  if (!kv) return;
  const current = await kv.get(keys.due);
  if (current === seen || current === null) {
    if (nextDue === null) await kv.delete(keys.due);
    else await kv.put(keys.due, nextDue);
  } else if (nextDue !== null && Date.parse(nextDue) < Date.parse(current)) {
    await kv.put(keys.due, nextDue);
  }
  await kv.put(keys.checked, new Date(now).toISOString());
}
