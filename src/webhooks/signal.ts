// Work is found without asking the database: a write that queued webhook events leaves a note in
// Workers KV (the SIGNALS binding) saying when the next delivery is due, and the Cron Trigger's
// tick reads the note, not PostgreSQL. An idle deployment then makes no database round trip at all
// and Neon's compute can suspend. Once an hour (RECOVERY_MS) a tick checks the database anyway and
// prunes: KV is eventually consistent, and a note written while a drain finished may be lost.

const DUE = "webhooks:due";
const CHECKED = "webhooks:checked";
export const RECOVERY_MS = 60 * 60 * 1000;

/** A write queued events: they are due now. */
export async function noteQueued(kv: KVNamespace | undefined): Promise<void> {
  await kv?.put(DUE, new Date().toISOString());
}

/**
 * Whether this tick has anything to do — a note that is due, or the hourly recovery check — and
 * the note it saw. Without the binding (the bench's plain workerd) every tick works, as before.
 */
export async function tickHasWork(kv: KVNamespace | undefined, now = Date.now()) {
  if (!kv) return { work: true, seen: null };
  const [seen, checked] = await Promise.all([kv.get(DUE), kv.get(CHECKED)]);
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
) {
  if (!kv) return;
  const current = await kv.get(DUE);
  if (current === seen || current === null) {
    if (nextDue === null) await kv.delete(DUE);
    else await kv.put(DUE, nextDue);
  } else if (nextDue !== null && Date.parse(nextDue) < Date.parse(current)) {
    await kv.put(DUE, nextDue);
  }
  await kv.put(CHECKED, new Date(now).toISOString());
}
