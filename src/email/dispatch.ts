// Delivery of the email outbox, outside any request's round trip: right after a response whose
// write queued emails (waitUntil), and by the Cron Trigger for retries. A pass claims due rows
// under a lease (email_claim), renders and sends them, and records the outcomes under that lease
// (email_record): a pass costs two round trips however many emails it sends.
import type { Config } from "../config";
import { type Db, single } from "../db/client";
import { type NoteKeys, noteAfterTick, noteQueued, tickHasWork } from "../webhooks/signal";
import { send } from "./providers";
import type { TemplateContext } from "./template";
import { templates } from "./templates";

interface Claimed {
  lease: string;
  id: string;
  to_address: string;
  template: string;
  data: Record<string, unknown>;
  secret: string | null;
}
type Outcome = { id: string; result: string; error?: string };

/**
 * Round trips delivery has made in this isolate: they belong to no request (after the response,
 * or the Cron Trigger's), and the tests' round-trip counts of a request leave them out.
 */
export const deliveryRoundTrips = { count: 0 };

/** Rows a pass claims; each is sent in turn, a few at a time. */
const CLAIM = 20;
const LANES = 4;
/** No pass starts later than this after the first (the lease is 60 s). */
const PASS_MS = 20_000;

async function deliver(row: Claimed, settings: Config, binding: SendEmail | undefined): Promise<Outcome> {
  const template = templates[row.template];
  if (!template) return { id: row.id, result: "failed", error: `no template "${row.template}"` };
  const ctx: TemplateContext = {
    appUrl: settings.PUBLIC_APP_URL.replace(/\/+$/, ""),
    secret: row.secret,
    to: row.to_address,
  };
  let content: ReturnType<typeof template>;
  try {
    content = template(row.data ?? {}, ctx);
  } catch (err) {
    return { id: row.id, result: "failed", error: `template failed: ${String((err as Error).message).slice(0, 200)}` };
  }
  const outcome = await send({ ...content, id: row.id, to: row.to_address, template: row.template }, settings, binding);
  return { id: row.id, ...outcome };
}

/** One pass: claim, send, record. Returns how many rows it claimed (0: nothing was due). */
async function pass(database: Db, settings: Config, binding: SendEmail | undefined): Promise<number> {
  deliveryRoundTrips.count += 1;
  const claimed = await single<Claimed>(
    database,
    "SELECT lease::text, id::text, to_address, template, data, secret FROM email_claim($1::int)",
    [CLAIM],
  );
  const lease = claimed[0]?.lease;
  if (lease === undefined) return 0;
  const queue = [...claimed];
  const outcomes: Outcome[] = [];
  const lane = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) outcomes.push(await deliver(next, settings, binding));
  };
  await Promise.all(Array.from({ length: LANES }, lane));
  deliveryRoundTrips.count += 1;
  await single(database, "SELECT email_record($1::uuid, $2::jsonb) AS recorded", [lease, JSON.stringify(outcomes)]);
  // A pass whose rows were all held (no provider) found nothing to send: stop, do not spin.
  return outcomes.every((o) => o.result === "held") ? 0 : claimed.length;
}

/** Passes until nothing is due or the time is up. */
export async function deliverEmails(database: Db, settings: Config, binding: SendEmail | undefined, budgetMs: number) {
  const until = Date.now() + budgetMs;
  let sent = 0;
  for (let n = CLAIM; n === CLAIM && Date.now() < until; ) {
    n = await pass(database, settings, binding);
    sent += n;
  }
  return sent;
}

/** One after-response dispatcher per isolate at a time; a write while it runs asks for one more pass. */
const dispatcher = { since: 0, again: false };

/** After a response: deliver what the write queued, within waitUntil's 30 s. */
export async function deliverEmailsSoon(database: Db, settings: Config, binding: SendEmail | undefined) {
  if (Date.now() - dispatcher.since < 30_000) {
    dispatcher.again = true;
    return;
  }
  const since = Date.now();
  dispatcher.since = since;
  try {
    do {
      dispatcher.again = false;
      await deliverEmails(database, settings, binding, PASS_MS - (Date.now() - since));
    } while (dispatcher.again && Date.now() < since + PASS_MS);
  } catch (err) {
    console.error("email delivery", err instanceof Error ? err.message : "failed");
  } finally {
    if (dispatcher.since === since) dispatcher.since = 0;
  }
}

// The Cron Trigger reads a KV note, not the database, as webhooks do (src/webhooks/signal.ts, with
// keys of its own): a write that queued emails notes that delivery is due; an idle tick makes no
// round trip. Once an hour a tick looks anyway (a retry's backoff, a lost note) and prunes old rows.
const NOTES: NoteKeys = { due: "emails:due", checked: "emails:checked" };

export const noteEmailsQueued = (kv: KVNamespace | undefined) => noteQueued(kv, NOTES);

const NEXT_DUE = `SELECT email_prune() IS NULL AS pruned,
  (SELECT api_time(min(next_attempt_at)) FROM email_outbox WHERE status = 'pending') AS next_due`;

/** The Cron Trigger's email work: what is due (and retries), then pruning. */
export async function emailTick(database: Db, settings: Config, kv?: KVNamespace, binding?: SendEmail) {
  try {
    const now = Date.now();
    const { work, seen } = await tickHasWork(kv, now, NOTES);
    if (!work) return;
    await deliverEmails(database, settings, binding, 40_000);
    deliveryRoundTrips.count += 1;
    const [row] = await single<{ next_due: string | null }>(database, NEXT_DUE, []);
    // The note becomes the earliest pending retry, unless a write noted newer work during the tick.
    await noteAfterTick(kv, seen, row?.next_due ?? null, now, NOTES);
  } catch (err) {
    console.error("scheduled email work", err instanceof Error ? err.message : "failed");
  }
}
